import type { PricingStore } from '../db/pricing-store.js';
import type { ClaimedEvent, OutboxSnapshot } from '../db/webhook-results.js';
import { sendWebhook, WEBHOOK_TIMEOUT_MS, type SendResult } from './webhook-sender.js';
import type { WebhookSettings } from './webhook-settings.js';

/** Most events one pass sends (a tick, or the pass after a commit): the rest wait for the next. */
export const EVENTS_PER_PASS = 100;
/** A claim outlives an attempt by far: a sender that is killed leaves its event to the next tick. */
const CLAIM_SECONDS = 60;
/** A pass stops claiming after this long, so that it fits in the function's time with the sync. */
const PASS_BUDGET_MS = 30_000;

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  dead: number;
}

export interface DeliveryOptions {
  /** The time the outbox compares due times with (tests inject it); null: the database's clock. */
  now?: Date | null;
  maxEvents?: number;
  timeoutMs?: number;
  /** One attempt (tests wrap it to watch or stop a pass mid-delivery). */
  send?: (event: ClaimedEvent) => Promise<SendResult>;
}

/**
 * Sends what is due, oldest first, one event per key at a time, so a key's events arrive in order:
 * each round claims the oldest undelivered event of every key whose head is due, sends them side
 * by side, and records each outcome. A failed event waits for its backoff, and holds back its key's
 * later events until it is delivered or dead.
 */
export async function deliverPending(
  store: PricingStore,
  settings: WebhookSettings,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retrying: 0, dead: 0 };
  const maxEvents = options.maxEvents ?? EVENTS_PER_PASS;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const send = options.send ?? ((event) => sendWebhook(event, settings, { timeoutMs }));
  const now = options.now ? options.now.toISOString() : null;
  const startedAt = performance.now();
  let attempted = 0;
  while (attempted < maxEvents && performance.now() - startedAt < PASS_BUDGET_MS) {
    const events = await store.rpc('pricing_webhook_claim', {
      p_now: now,
      p_limit: maxEvents - attempted,
      p_claim_seconds: CLAIM_SECONDS,
    });
    if (events.length === 0) break;
    attempted += events.length;
    const outcomes = await Promise.all(events.map(send));
    for (const [index, event] of events.entries()) {
      const outcome = outcomes[index]!;
      const settled = await store.rpc('pricing_webhook_settle', {
        p_id: event.id,
        p_claim_token: event.claimToken,
        p_delivered: outcome.delivered,
        p_error: outcome.delivered ? null : outcome.error,
        p_now: now,
      });
      if (settled.status === 'delivered') report.delivered += 1;
      else if (settled.status === 'pending') report.retrying += 1;
      else if (settled.status === 'dead') report.dead += 1;
    }
  }
  return report;
}

/**
 * Once a tick: with no URL set, pending events older than 7 days are dropped (nobody will receive
 * them; a process started without the URL against a live database must not take the events its
 * deployment still delivers); finished events older than 30 days are deleted.
 */
export async function tidyOutbox(
  store: PricingStore,
  discardPending: boolean,
  now: Date | null,
): Promise<void> {
  await store.rpc('pricing_webhook_tidy', {
    p_now: now ? now.toISOString() : null,
    p_discard_pending: discardPending,
  });
}

/** Pending and dead events, the delivery totals and the latest dead events (status, /metrics). */
export async function readOutbox(store: PricingStore, deadLimit = 20): Promise<OutboxSnapshot> {
  return store.rpc('pricing_webhook_read_outbox', { p_dead_limit: deadLimit });
}
