import { Gauge, type Registry } from 'prom-client';
import type { MetricsSnapshot } from '../db/pricing-store.js';

/**
 * The gauges of operator control, per configured provider: pending held changes (rows of
 * pricing_held_changes), the age of the oldest one, pinned models and pins in drift.
 */
export function registerOperatorMetrics(
  registers: Registry[],
  snapshot: MetricsSnapshot,
  providers: readonly string[],
): void {
  const heldRows = new Map((snapshot.held ?? []).map((row) => [row.provider, row]));
  const providerRows = new Map(snapshot.providers.map((row) => [row.provider, row]));
  const held = new Gauge({
    name: 'pricing_held_changes',
    help: 'Held changes pending an admin decision (GET /admin/pricing/held), by configured provider.',
    labelNames: ['provider'] as const,
    registers,
  });
  const oldest = new Gauge({
    name: 'pricing_held_oldest_age_seconds',
    help: 'Age of the oldest pending held change, in seconds (0 when none is pending), by configured provider.',
    labelNames: ['provider'] as const,
    registers,
  });
  const now = snapshot.now ? Date.parse(snapshot.now) : NaN;
  for (const provider of providers) {
    const row = heldRows.get(provider);
    // A snapshot without the table's counts (an older database function) falls back to the provider row's.
    held.set(
      { provider },
      snapshot.held ? Number(row?.pending ?? 0) : (providerRows.get(provider)?.heldCount ?? 0),
    );
    const age = row && !Number.isNaN(now) ? (now - Date.parse(row.oldestFirstHeldAt)) / 1000 : 0;
    oldest.set({ provider }, Math.max(0, age));
  }

  const pinRows = new Map((snapshot.pins ?? []).map((row) => [row.provider, row]));
  const pinned = new Gauge({
    name: 'pricing_pinned_models',
    help: 'Models whose price an operator pinned (GET /admin/pricing/pins), by configured provider.',
    labelNames: ['provider'] as const,
    registers,
  });
  const drifting = new Gauge({
    name: 'pricing_pin_drift_models',
    help: "Pinned models whose provider's latest price differs from the pin, by configured provider.",
    labelNames: ['provider'] as const,
    registers,
  });
  for (const provider of providers) {
    pinned.set({ provider }, Number(pinRows.get(provider)?.pinned ?? 0));
    drifting.set({ provider }, Number(pinRows.get(provider)?.drifting ?? 0));
  }
}
