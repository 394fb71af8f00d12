import type { PricingStore } from '../db/pricing-store.js';
import { readOutbox } from './webhook-outbox.js';
import type { WebhookConfig } from './webhook-settings.js';

/** Status' `webhooks`: whether they are sent (never where: the URL is a secret), what waits, what died. */
export async function webhookStatus(store: PricingStore, config: WebhookConfig) {
  const outbox = await readOutbox(store, 20);
  return {
    mode: config.mode,
    format: config.mode === 'on' ? config.settings.format : null,
    pending: outbox.pending,
    oldest_pending_at: outbox.oldestPendingAt,
    delivered_total: outbox.deliveredTotal,
    dead_total: outbox.deadTotal,
    dead: outbox.dead,
    dead_events: outbox.deadEvents.map((event) => ({
      id: event.id,
      webhook_id: event.webhookId,
      type: event.type,
      ordering_key: event.orderingKey,
      attempts: event.attempts,
      created_at: event.createdAt,
      last_attempt_at: event.lastAttemptAt,
      last_error: event.lastError,
    })),
  };
}
