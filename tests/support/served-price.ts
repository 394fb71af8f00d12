import type { ServedPrice } from '../../lib/db/pricing-store.js';

/** A `/prices` row as it comes over the wire: the stored price with its read-time freshness. */
export type ServedRow = ServedPrice & { stale: boolean; stale_reason: string | null };

/**
 * The price part of a `/prices` row, as the change feed's `before`/`after` show it: without its
 * key, `effective_at`, `pinned` and the freshness judged at read time (checked_at, stale,
 * stale_reason, pending_review), none of which is a change of the price.
 */
export function priceViewOf(row: ServedRow): Record<string, unknown> {
  const {
    provider: _provider,
    model_id: _model,
    effective_at: _effective,
    pinned: _pinned,
    checked_at: _checked,
    stale: _stale,
    stale_reason: _reason,
    pending_review: _pending,
    ...view
  } = row;
  return view;
}
