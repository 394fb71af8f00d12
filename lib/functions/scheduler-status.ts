import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { json } from '../edge/responses.js';
import { cronDecision } from '../scheduler/due.js';

/** GET /admin/pricing/scheduler/status: the seed's shape, plus what an operator needs next. */
export async function schedulerStatus(request: Request, context: AppContext): Promise<Response> {
  const { config } = context;
  requireKey(request, config.adminKeys, 'ADMIN_API_KEY');
  // A run whose lease expired is dead: show it as abandoned, not as running forever.
  await context.store.reapLease();
  const snapshot = await context.store.readStatus(5);
  const now = new Date(snapshot.now);
  const armed = config.enabled && config.errors.length === 0 && config.cronSecret !== null;
  const decision = cronDecision(snapshot.last_cron_run, config.intervalHours, now);
  const rows = new Map(snapshot.providers.map((row) => [row.provider, row]));
  const lastRun = snapshot.recent_runs.find((run) => run.status !== 'running') ?? null;

  const lastSyncs = Object.fromEntries(
    config.providers.map((provider) => {
      const row = rows.get(provider);
      const timestamp = row?.last_success_at ?? null;
      return [
        provider,
        {
          timestamp,
          seconds_ago: timestamp
            ? Math.max(0, Math.round((now.getTime() - Date.parse(timestamp)) / 1000))
            : null,
          status: !row ? 'never' : row.last_error_reason ? 'error' : row.held_count > 0 ? 'held' : 'ok',
          last_attempt_at: row?.last_attempt_at ?? null,
          last_error: row?.last_error_reason
            ? { reason: row.last_error_reason, message: row.last_error }
            : null,
          models: row?.models_by_state ?? {},
        },
      ];
    }),
  );
  return json(200, {
    success: true,
    scheduler: {
      enabled: config.enabled,
      interval_hours: config.intervalHours,
      running: armed,
      providers: config.providers,
    },
    in_progress: snapshot.in_progress,
    last_run: lastRun
      ? {
          run_id: lastRun.id,
          trigger: lastRun.trigger,
          triggered_by: lastRun.triggered_by,
          status: lastRun.status,
          dry_run: lastRun.dry_run,
          started_at: lastRun.started_at,
          finished_at: lastRun.finished_at,
          duration_seconds: lastRun.duration_seconds === null ? null : Number(lastRun.duration_seconds),
          error: lastRun.error,
        }
      : null,
    next_run_at: armed ? (decision.nextRunAt ?? now.toISOString()) : null,
    last_syncs: lastSyncs,
    held_changes: Object.fromEntries(
      config.providers.map((provider) => [provider, rows.get(provider)?.held_count ?? 0]),
    ),
    config_errors: config.errors,
    ...(config.cronSecret === null
      ? { warnings: ['CRON_SECRET is not set: every cron tick is refused'] }
      : {}),
    timestamp: now.toISOString(),
  });
}
