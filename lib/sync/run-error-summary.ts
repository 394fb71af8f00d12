import type { ProviderResult } from './sync-result.js';

/**
 * The run's `error` when nothing was applied because providers failed: how many failed and why,
 * grouped by cause, e.g. `all 4 providers failed: network ECONNREFUSED (3), http 401 (1)`.
 * Null when something applied or nothing failed (a run held by the guardrails is not an error).
 */
export function runErrorSummary(results: readonly ProviderResult[]): string | null {
  if (results.length === 0 || results.some((result) => result.applied)) return null;
  const failed = results.filter((result) => result.error !== null);
  if (failed.length === 0) return null;
  const causes = new Map<string, number>();
  for (const result of failed) {
    const cause = causeOf(result.error!);
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
  }
  const listed = [...causes]
    .sort(([causeA, countA], [causeB, countB]) => countB - countA || causeA.localeCompare(causeB))
    .map(([cause, count]) => `${cause} (${count})`)
    .join(', ');
  const noun = results.length === 1 ? 'provider' : 'providers';
  const head =
    failed.length === results.length
      ? results.length === 1
        ? `the only ${noun} failed`
        : `all ${results.length} ${noun} failed`
      : `${failed.length} of ${results.length} ${noun} failed, none applied`;
  return `${head}: ${listed}`;
}

function causeOf(error: NonNullable<ProviderResult['error']>): string {
  if (error.status !== undefined) return `${error.reason} ${error.status}`;
  if (error.code) return `${error.reason} ${error.code}`;
  return error.reason;
}
