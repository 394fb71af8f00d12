import { Counter, Gauge, Registry } from 'prom-client';
import type { OutboxSnapshot } from '../db/webhook-results.js';

/**
 * The webhook outbox's families, appended to the exposition: the delivery totals (monotonic,
 * stored in the transaction that settles an event, so pruning the outbox never lowers them) and
 * what waits now.
 */
export async function webhookExposition(outbox: OutboxSnapshot): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const events = new Counter({
    name: 'pricing_webhook_events_total',
    help: 'Webhook events finished, by outcome: delivered (a 2xx) or dead (every retry failed, up to 24 h apart).',
    labelNames: ['outcome'] as const,
    registers,
  });
  events.inc({ outcome: 'delivered' }, outbox.deliveredTotal);
  events.inc({ outcome: 'dead' }, outbox.deadTotal);
  new Gauge({
    name: 'pricing_webhook_events_pending',
    help: 'Webhook events in the outbox waiting to be delivered (sent on each cron tick).',
    registers,
  }).set(outbox.pending);
  new Gauge({
    name: 'pricing_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest webhook event waiting to be delivered, in seconds (0 when none waits).',
    registers,
  }).set(outbox.oldestPendingAgeSeconds);
  return registry.metrics();
}
