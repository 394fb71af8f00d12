import type { RunReport } from '../sync/sync-result.js';

/** The trigger's (and the cron's) answer for a finished run: the seed's fields plus the details. */
export function runSummary(report: RunReport) {
  const providers = Object.values(report.providers);
  const updated = providers.reduce(
    (sum, result) => sum + result.counts.added + result.counts.changed + result.counts.restored,
    0,
  );
  const errors = providers.reduce((sum, result) => sum + (result.error ? 1 : 0) + result.counts.invalid, 0);
  // Beside the status, not in it: a run whose providers all applied is a success with holds.
  const held = providers.reduce((sum, result) => sum + result.counts.held, 0);
  return {
    success: report.status === 'success',
    status: report.status,
    run_id: report.run_id,
    dry_run: report.dry_run,
    forced: report.forced,
    duration_seconds: Math.round(report.duration_seconds * 1000) / 1000,
    total_models_updated: updated,
    total_errors: errors,
    total_held: held,
    triggered_by: report.triggered_by,
    triggered_at: report.started_at,
    providers: report.providers,
    held_changes: providers.flatMap((result) =>
      result.held_changes.map((change) => ({ provider: result.provider, ...change })),
    ),
    ...(report.error ? { error: report.error } : {}),
  };
}
