import { z } from 'zod';
import { perBasePrice } from '../providers/price-record.js';
import { count, id, priceView, storedRunColumns, timestamp } from './rpc-results.js';
import { decimal, extraPrices, pricingTier } from './rpc-arguments.js';

/**
 * What the operator's SQL functions return (held changes, pins, runs, prices at a time, history),
 * checked at the port as every result is: snake_case, the shape the admin endpoints answer with,
 * as the functions of supabase/migrations/*_operator.sql, _runs.sql, _pins.sql and _reads.sql build
 * it. Keys a schema does not name are dropped.
 */

export const HELD_STATUSES = ['pending', 'approved', 'rejected', 'superseded', 'withdrawn'] as const;
export type HeldStatus = (typeof HELD_STATUSES)[number];
const heldStatus = z.enum(HELD_STATUSES);

/** A held row as the API shows it (pricing_held_view). */
const heldChange = z.object({
  id,
  provider: z.string(),
  /** Null for a provider-level hold (catalog_shrank, empty_catalog). */
  model_id: z.string().nullable(),
  scope: z.enum(['model', 'provider']),
  reason: z.string(),
  detail: z.string().nullable(),
  current: priceView.nullable(),
  proposed: priceView.nullable(),
  /** A provider-level hold: the models its approval marks missing. */
  missing_model_ids: z.array(z.string()).nullable(),
  status: heldStatus,
  first_run_id: id,
  last_run_id: id,
  first_held_at: timestamp,
  last_seen_at: timestamp,
  decided_by: z.string().nullable(),
  decided_at: timestamp.nullable(),
  decided_run_id: id.nullable(),
  note: z.string().nullable(),
});
export type HeldChangeRow = z.output<typeof heldChange>;
export const heldPage = z.object({ held: z.array(heldChange) });

/** A run as stored (to_jsonb of a pricing_sync_runs row). */
const runRow = z.object({
  ...storedRunColumns,
  /** numeric: a JSON number from jsonb (text from a driver that sends numeric as text). */
  duration_seconds: z.union([z.number(), z.string()]).nullable(),
  rollback_of: id.nullable(),
});
export type RunRow = z.output<typeof runRow>;
export const runsPage = z.object({ runs: z.array(runRow) });

/** A pin as the API shows it (pricing_pin_view). */
const pinRow = z.object({
  provider: z.string(),
  model_id: z.string(),
  prices: priceView,
  reason: z.string(),
  pinned_by: z.string(),
  pinned_at: timestamp,
  expires_at: timestamp.nullable(),
  run_id: id,
  /** Null while the provider's latest price equals the pin. */
  drift: z.object({ provider_prices: priceView, since: timestamp, seen_at: timestamp.nullable() }).nullable(),
});
export type PinRow = z.output<typeof pinRow>;
export const pinsPage = z.object({ pins: z.array(pinRow) });

const modelKey = { provider: z.string(), model_id: z.string() };

/**
 * What an operator function answers when it refuses: the HTTP status it means, why, and the details
 * of its refusal (pricing_operator_refusal, pricing_operator_busy).
 */
const refusal = z.object({
  ok: z.literal(false),
  status: z.union([z.literal(400), z.literal(404), z.literal(409)]),
  error: z.string(),
  /** Busy: the sync that holds the lease. */
  running_run_id: id.optional(),
  unknown_ids: z.array(id).optional(),
  not_pending: z.array(z.object({ id, status: heldStatus })).optional(),
  moved: z
    .array(
      z.object({
        id,
        ...modelKey,
        current: priceView.nullable(),
        stored: priceView.nullable(),
      }),
    )
    .optional(),
  pinned: z.array(z.object({ id, ...modelKey })).optional(),
  rolled_back_by: id.optional(),
  skipped_pinned: z.array(z.object(modelKey)).optional(),
  conflicts: z.array(z.object({ ...modelKey, run_ids: z.array(id).nullable() })).optional(),
  conflict_count: count.optional(),
});
export type OperatorRefusal = z.output<typeof refusal>;

/**
 * An operator action's answer: what it did, or why it refused. A new action may declare its answer
 * with it right in its rpc-catalog.ts entry (docs/adding-an-operator-action.md).
 */
export const actionResult = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), run_id: id, ...shape }), refusal]);

export const decideHeldResult = actionResult({
  action: z.string(),
  decided: z.array(
    z.object({ id, provider: z.string(), model_id: z.string().nullable(), status: heldStatus }),
  ),
  models_written: count,
});

export const rollbackResult = actionResult({
  rollback_of: id,
  models_reverted: count,
  providers: z.array(z.string()),
  skipped_pinned: z.array(z.object(modelKey)),
  forced_over: count,
});

export const setPinResult = actionResult({ pin: pinRow });

export const removePinResult = actionResult({
  ...modelKey,
  prices: priceView.nullable(),
  provider_prices: priceView.nullable(),
});

/** A price at a time: the model's latest history row effective then, in the API's price shape. */
const priceAtRow = z.object({
  ...modelKey,
  ...priceView.shape,
  effective_at: timestamp,
  run_id: id,
  kind: z.string(),
});
export type PriceAtRow = z.output<typeof priceAtRow>;
export const pricesAtPage = z.object({
  at: timestamp,
  prices: z.array(priceAtRow),
  next: z.tuple([z.string(), z.string()]).nullable(),
});

const priceHistoryRow = z.object({
  id,
  ...modelKey,
  kind: z.string(),
  run_id: id,
  effective_at: timestamp,
  old: priceView.nullable(),
  new: priceView,
});
export type PriceHistoryRow = z.output<typeof priceHistoryRow>;
export const historyPage = z.object({
  history: z.array(priceHistoryRow),
  next_before_id: id.nullable(),
});

/** One run with the history rows it wrote (pricing_read_run), or 404. */
export const runDetailResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), run: runRow, changes: z.array(priceHistoryRow), change_count: count }),
  refusal,
]);

/** What a rollback would do (pricing_preview_rollback): per model its price now and the one restored. */
export const rollbackPreviewResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    dry_run: z.literal(true),
    rollback_of: id,
    models_reverted: count,
    providers: z.array(z.string()),
    skipped_pinned: z.array(z.object(modelKey)),
    forced_over: count,
    restores: z.array(z.object({ ...modelKey, from: priceView.nullable(), to: priceView })),
  }),
  refusal,
]);

/** Stored models whose id contains a substring, with their current prices (pricing_search_models). */
export const modelSearchPage = z.object({
  prices: z.array(z.object({ ...modelKey, ...priceView.shape })),
  next: z.tuple([z.string(), z.string()]).nullable(),
});
export type ModelSearchRow = z.output<typeof modelSearchPage>['prices'][number];

/**
 * A history-shaped price document (pricing_prices_json): what a rollback reverted from, what an
 * admin rejected. Every field may be absent in a document an older schema wrote.
 */
const historyDocument = z.object({
  state: z.string().nullish(),
  ...perBasePrice('view', () => decimal.optional()),
  extra_prices: extraPrices.nullish(),
  pricing_tiers: z.array(pricingTier).nullish(),
  context_length: z.number().int().nullish(),
  alias_of: z.string().nullish(),
});
export type HistoryDocument = z.output<typeof historyDocument>;

export const operatorState = z
  .object({
    pins: z.array(z.string()),
    expired_pins: z.array(z.string()),
    rolled_back: z.array(z.tuple([z.string(), historyDocument])),
    rejected: z.array(z.tuple([z.string(), historyDocument])),
  })
  .transform((state) => ({
    pins: state.pins,
    expiredPins: state.expired_pins,
    rolledBack: state.rolled_back,
    rejected: state.rejected,
  }));

export const recordedHolds = z.object({
  opened: count,
  superseded: count,
  withdrawn: count,
  approved: count,
  pending: count,
});
