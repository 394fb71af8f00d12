import { readFreshnessState } from '../sync/provider-freshness.js';
import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { requireConfig } from '../edge/invalid-configuration.js';
import { json } from '../edge/responses.js';
import { cronDecision } from '../scheduler/due.js';
import { configErrorsFor } from '../config.js';
import { runSummary } from './run-summary.js';

/**
 * One Vercel Cron tick. vercel.json fires hourly (it cannot read env); the interval is decided
 * here from the last cron run, so a tick delivered twice is harmless: the second one is either
 * refused by the lease or not due.
 */
export async function cronTick(request: Request, context: AppContext): Promise<Response> {
  const { config } = context;
  requireKey(
    request,
    config.cronSecret ? [{ name: 'vercel-cron', key: config.cronSecret }] : [],
    'CRON_SECRET',
  );
  try {
    return await scheduledSync(context);
  } finally {
    // Every tick, whether it synced, was not due, disabled or its sync misconfigured: webhooks
    // still go out (after the sync, so its events are among them). Never throws. Without a usable
    // database there is no outbox to read.
    if (configErrorsFor(config, 'storage').length === 0) {
      await context.webhooks.tick({ judgeFreshness: () => judgeFreshness(context) });
    }
  }
}

/** The tick's sync, if it is due. */
async function scheduledSync(context: AppContext): Promise<Response> {
  const { config, logger } = context;
  requireConfig(config, 'sync', '❌ Scheduled pricing sync failed: invalid configuration');
  if (!config.enabled) {
    logger.info('Pricing sync scheduler disabled');
    return json(200, { success: true, skipped: 'disabled' });
  }
  const intervalSeconds = config.intervalHours * 3600;
  logger.info(`📅 Pricing sync scheduler started (interval: ${config.intervalHours}h = ${intervalSeconds}s)`);

  // A cron run killed mid-way still says 'running' until someone takes its expired lease: reap it
  // first, so the gate sees it as abandoned and retries within the hour.
  const abandonedRunId = await context.store.reapLease();
  if (abandonedRunId !== null) {
    logger.warn(
      { run_id: abandonedRunId },
      'Pricing sync run abandoned: its lease expired before it finished',
    );
  }
  const status = await context.store.readStatus(1);
  const decision = cronDecision(status.lastCronRun, config.intervalHours, new Date(status.now));
  if (!decision.due) {
    return json(200, { success: true, skipped: 'not_due', next_run_at: decision.nextRunAt });
  }

  logger.info('🔄 Starting scheduled pricing sync...');
  const outcome = await context.sync({
    trigger: 'cron',
    triggeredBy: 'vercel-cron',
    dryRun: false,
    force: false,
  });
  if (outcome.kind === 'refused') {
    return json(200, {
      success: true,
      skipped: 'already_running',
      running_run_id: outcome.holder.runId,
      running_since: outcome.holder.startedAt,
    });
  }
  const summary = runSummary(outcome.report);
  const fields = {
    run_id: summary.run_id,
    status: summary.status,
    duration_seconds: summary.duration_seconds,
  };
  const held = summary.total_held > 0 ? `, held: ${summary.total_held}` : '';
  if (summary.status === 'success') {
    logger.info(
      { ...fields, held: summary.total_held },
      `✅ Scheduled pricing sync completed successfully (duration: ${summary.duration_seconds.toFixed(1)}s, updated: ${summary.total_models_updated}${held})`,
    );
  } else if (summary.status === 'partial') {
    logger.warn(
      { ...fields, held: summary.total_held },
      `⚠️ Scheduled pricing sync completed with problems (status: partial, duration: ${summary.duration_seconds.toFixed(1)}s, updated: ${summary.total_models_updated}${held})`,
    );
  } else {
    logger.error({ ...fields, error: outcome.report.error }, '❌ Scheduled pricing sync failed');
  }
  return json(200, summary);
}

/** Each provider's staleness for provider.stale / provider.fresh: issue 25's judgement, as status shows it. */
async function judgeFreshness(context: AppContext) {
  const { providers } = await readFreshnessState(context.store, context.config);
  return providers.map((entry) => ({
    provider: entry.provider,
    stale: entry.stale,
    reason: entry.staleReason,
  }));
}
