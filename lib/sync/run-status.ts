import type { FinishedRunStatus } from '../domain/run-types.js';
import type { ProviderResult } from './sync-result.js';

/**
 * success: every provider applied with nothing held; partial: something failed or was held but
 * something applied; failed: nothing applied (so a run where every provider failed is never a
 * success).
 */
export function runStatusOf(results: readonly ProviderResult[]): FinishedRunStatus {
  const applied = results.filter((result) => result.applied);
  if (applied.length === 0) return 'failed';
  const clean = results.every(
    (result) => result.applied && result.error === null && result.held_changes.length === 0,
  );
  return clean ? 'success' : 'partial';
}
