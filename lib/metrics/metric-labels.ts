import { PROVIDER_ERROR_REASONS } from '../provider-http/provider-error.js';
import { MODEL_STATES } from '../providers/price-record.js';

/**
 * The label values /metrics always serves, zero until something is counted: a series that only
 * appears at its first increment makes `increase()` miss that increment and `absent()` fire.
 * The triggers are every kind of run there is: the domain's list, not a second one.
 */
export { RUN_TRIGGERS } from '../domain/run-types.js';

/** How a run ended, as counted in the `runs` totals (a run still `running` is not counted). */
export const RUN_STATUSES = ['success', 'partial', 'failed', 'abandoned'] as const;

/** Per-model outcomes of a run, as counted in the `models` totals (see OutcomeCounts). */
export const MODEL_OUTCOMES = [
  'added',
  'changed',
  'unchanged',
  'missing',
  'restored',
  'held',
  'invalid',
  'unpriced',
  'variable',
] as const;

export const PRICE_DIRECTIONS = ['up', 'down'] as const;

/** A provider fetch's reasons, plus the sync's own: the store failed, or a bug. */
export const ERROR_REASONS = [...PROVIDER_ERROR_REASONS, 'store', 'internal'] as const;

export { MODEL_STATES };

/**
 * Upper bounds, in seconds, of the stored duration buckets (`pricing_finish_run` in the
 * functions migration picks one of these, or +Inf). A run may last up to maxDuration (300 s).
 */
export const DURATION_BUCKETS_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 900] as const;
