import type { ProviderErrorReason } from '../provider-http/provider-error.js';
import type { FinishedRunStatus, RunTrigger } from '../domain/run-types.js';
import type { PriceView } from '../db/operator-store.js';

/** Per-model outcome counts of one provider in one run; the `models` totals' outcome labels. */
export interface OutcomeCounts {
  fetched: number;
  added: number;
  changed: number;
  unchanged: number;
  missing: number;
  restored: number;
  held: number;
  invalid: number;
  unpriced: number;
  variable: number;
  /** Changed models whose price went up / down (input first, output if input is unchanged). */
  price_up: number;
  price_down: number;
}

export function emptyCounts(): OutcomeCounts {
  return {
    fetched: 0,
    added: 0,
    changed: 0,
    unchanged: 0,
    missing: 0,
    restored: 0,
    held: 0,
    invalid: 0,
    unpriced: 0,
    variable: 0,
    price_up: 0,
    price_down: 0,
  };
}

/**
 * The prices shown for a change, in the API's one price shape (the fields of GET /prices and of
 * the held-change rows' `current`/`proposed`).
 */
export type PricePair = PriceView;

export interface ChangeReport {
  model_id: string;
  kind: 'added' | 'changed' | 'missing' | 'restored';
  old: PricePair | null;
  new: PricePair | null;
}

export interface HeldChange {
  /** `model`: one model's price was held; `provider`: the whole catalog was held. */
  scope: 'model' | 'provider';
  /** `rolled_back`: the feed proposes again a value an admin rolled back (lib/sync/operator-effects.ts). */
  reason: 'empty_catalog' | 'catalog_shrank' | 'price_swing' | 'new_model_price' | 'rolled_back';
  model_id?: string;
  old?: PricePair | null;
  new?: PricePair | null;
  detail: string;
}

export type ProviderOutcome = 'applied' | 'unchanged' | 'held' | 'failed' | 'dry_run';

export interface ProviderResult {
  provider: string;
  outcome: ProviderOutcome;
  /** True when the provider's catalog was written (or, in a dry run, would have been). */
  applied: boolean;
  duration_seconds: number;
  counts: OutcomeCounts;
  error: {
    reason: ProviderErrorReason | 'store' | 'internal';
    message: string;
    /** The transport's code for a network failure (`ENOTFOUND`, `ECONNREFUSED`, `CERT_…`). */
    code?: string;
    /** The provider's HTTP status, for `http` failures. */
    status?: number;
  } | null;
  /** The first few items the provider listed that could not be read. */
  invalid_examples: { id: string | null; reason: string }[];
  held_changes: HeldChange[];
  /** A dry run's first changes (what a real run would write). */
  changes?: ChangeReport[];
}

export interface RunReport {
  run_id: number;
  trigger: RunTrigger;
  triggered_by: string | null;
  status: FinishedRunStatus | 'abandoned';
  dry_run: boolean;
  forced: boolean;
  started_at: string;
  duration_seconds: number;
  providers: Record<string, ProviderResult>;
  error: string | null;
}
