import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { json } from '../edge/responses.js';
import { cronDecision } from '../scheduler/due.js';
import { nextCronTime, SYNC_CRON_SCHEDULE } from '../scheduler/cron-schedule.js';
import { configErrorsFor } from '../config.js';
import { webhookStatus } from '../webhooks/webhook-status.js';
import type { ProviderRow } from '../db/pricing-store.js';
import { freshnessView, readFreshnessState } from '../sync/provider-freshness.js';

/** GET /admin/pricing/scheduler/status: the seed's shape, plus what an operator needs next. */
export async function schedulerStatus(request: Request, context: AppContext): Promise<Response> {
  const { config } = context;
  const caller = requireKey(request, config.adminKeys, 'ADMIN_API_KEY');
  // A run whose lease expired is dead: show it as abandoned, not as running forever.
  await context.store.reapLease();
  const snapshot = await context.store.readStatus(5);
  const now = new Date(snapshot.now);
  const armed = config.enabled && configErrorsFor(config, 'sync').length === 0 && config.cronSecret !== null;
  const decision = cronDecision(snapshot.lastCronRun, config.intervalHours, now);
  const rows = new Map(snapshot.providers.map((row) => [row.provider, row]));
  const lastRun = snapshot.recentRuns.find((run) => run.status !== 'running') ?? null;
  const freshness = await readFreshnessState(context.store, config);
  return json(200, {
    success: true,
    // The admin key's name (`admin` for ADMIN_API_KEY): who the console shows as signed in.
    caller,
    scheduler: {
      enabled: config.enabled,
      interval_hours: config.intervalHours,
      running: armed,
      providers: config.providers,
    },
    in_progress: snapshot.inProgress && {
      run_id: snapshot.inProgress.runId,
      trigger: snapshot.inProgress.trigger,
      triggered_by: snapshot.inProgress.triggeredBy,
      started_at: snapshot.inProgress.startedAt,
      expires_at: snapshot.inProgress.expiresAt,
      dry_run: snapshot.inProgress.dryRun,
    },
    last_run: lastRun
      ? {
          run_id: lastRun.id,
          trigger: lastRun.trigger,
          triggered_by: lastRun.triggeredBy,
          status: lastRun.status,
          dry_run: lastRun.dryRun,
          started_at: lastRun.startedAt,
          finished_at: lastRun.finishedAt,
          duration_seconds: lastRun.durationSeconds,
          error: lastRun.error,
        }
      : null,
    // Due: the next cron tick runs it, not this instant.
    next_run_at: armed
      ? (decision.nextRunAt ??
        (context.nextCronTick?.() ?? nextCronTime(SYNC_CRON_SCHEDULE, now)).toISOString())
      : null,
    last_syncs: lastSyncs(config.providers, rows, now),
    // Every provider with stored models, configured or not, and every configured one.
    providers: freshness.providers.map(freshnessView),
    held_changes: Object.fromEntries(
      config.providers.map((provider) => [provider, rows.get(provider)?.heldCount ?? 0]),
    ),
    webhooks: await webhookStatus(context.store, config.webhook),
    config_errors: config.errors,
    ...(config.cronSecret === null
      ? { warnings: ['CRON_SECRET is not set: every cron tick is refused'] }
      : {}),
    timestamp: now.toISOString(),
  });
}

/** The seed's `last_syncs`: per configured provider, its last success and how its last attempt went. */
function lastSyncs(
  providers: readonly string[],
  rows: ReadonlyMap<string, ProviderRow>,
  now: Date,
): Record<string, unknown> {
  return Object.fromEntries(
    providers.map((provider) => {
      const row = rows.get(provider);
      const timestamp = row?.lastSuccessAt ?? null;
      return [
        provider,
        {
          timestamp,
          seconds_ago: timestamp
            ? Math.max(0, Math.round((now.getTime() - Date.parse(timestamp)) / 1000))
            : null,
          status: !row ? 'never' : row.lastErrorReason ? 'error' : row.heldCount > 0 ? 'held' : 'ok',
          last_attempt_at: row?.lastAttemptAt ?? null,
          last_error: row?.lastErrorReason ? { reason: row.lastErrorReason, message: row.lastError } : null,
          models: row?.modelsByState ?? {},
        },
      ];
    }),
  );
}
