import type { FinishedRunStatus } from '../domain/run-types.js';
import type { ProviderResult } from './sync-result.js';

/**
 * success: every provider applied its catalog (some of its models may be held: a model-level
 * hold is the guardrails working, not a failure); failed: every provider failed (and a run that
 * synced no provider is never a success); partial: any other mix, that is some provider failed or
 * was held whole (`empty_catalog`, `catalog_shrank`). Holds are counted beside the status
 * (`held`, `total_held`), never folded into it. A dry run gets the status the real run would.
 */
export function runStatusOf(results: readonly ProviderResult[]): FinishedRunStatus {
  if (results.length === 0) return 'failed';
  if (results.every((result) => result.applied && result.error === null)) return 'success';
  if (results.every((result) => result.outcome === 'failed')) return 'failed';
  return 'partial';
}
