import { z } from 'zod';
import { count, id, timestamp } from './rpc-results.js';

/** What the outbox's SQL functions return (supabase/migrations/*_webhook_outbox.sql). */

export const WEBHOOK_EVENT_TYPES = [
  'prices.changed',
  'changes.held',
  'sync.failed',
  'provider.stale',
  'provider.fresh',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event's data as its trigger wrote it: a JSON object, sent as it is. */
const eventData = z.record(z.string(), z.json());

/** What every event row read back carries, and the same in camelCase. */
const eventRow = {
  id,
  webhook_id: z.string().min(1),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  ordering_key: z.string(),
  attempts: count,
  created_at: timestamp,
};
const eventOf = (row: z.output<z.ZodObject<typeof eventRow>>) => ({
  id: row.id,
  webhookId: row.webhook_id,
  type: row.type,
  orderingKey: row.ordering_key,
  attempts: row.attempts,
  createdAt: row.created_at,
});

const claimedEvent = z
  .object({ ...eventRow, claim_token: z.string().min(1), data: eventData })
  .transform((row) => ({ ...eventOf(row), claimToken: row.claim_token, data: row.data }));
export type ClaimedEvent = z.output<typeof claimedEvent>;

export const claimedEvents = z.object({ events: z.array(claimedEvent) }).transform((result) => result.events);

export const settleResult = z
  .object({
    status: z.enum(['delivered', 'pending', 'dead', 'not_claimed']),
    next_attempt_at: timestamp.nullable(),
  })
  .transform((result) => ({ status: result.status, nextAttemptAt: result.next_attempt_at }));

export const tidyResult = z.object({ discarded: count, deleted: count });

export const freshnessResult = z
  .object({ announced: z.array(z.object({ provider: z.string(), stale: z.boolean() })) })
  .transform((result) => result.announced);

const deadEvent = z
  .object({ ...eventRow, last_attempt_at: timestamp.nullable(), last_error: z.string().nullable() })
  .transform((row) => ({ ...eventOf(row), lastAttemptAt: row.last_attempt_at, lastError: row.last_error }));

export const outboxSnapshot = z
  .object({
    pending: count,
    oldest_pending_at: timestamp.nullable(),
    oldest_pending_age_seconds: z.number().nonnegative(),
    dead: count,
    delivered_total: count,
    dead_total: count,
    dead_events: z.array(deadEvent),
  })
  .transform((result) => ({
    pending: result.pending,
    oldestPendingAt: result.oldest_pending_at,
    oldestPendingAgeSeconds: result.oldest_pending_age_seconds,
    dead: result.dead,
    deliveredTotal: result.delivered_total,
    deadTotal: result.dead_total,
    deadEvents: result.dead_events,
  }));
export type OutboxSnapshot = z.output<typeof outboxSnapshot>;
