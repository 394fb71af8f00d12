import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { requireConfig } from '../edge/invalid-configuration.js';
import { json } from '../edge/responses.js';
import { readTriggerOptions } from './trigger-options.js';
import { runSummary } from './run-summary.js';

/** POST /admin/pricing/scheduler/trigger: one manual run, by a named admin key. */
export async function manualTrigger(request: Request, context: AppContext): Promise<Response> {
  const { config, logger } = context;
  const admin = requireKey(request, config.adminKeys, 'ADMIN_API_KEY');
  requireConfig(config, 'sync');
  const options = await readTriggerOptions(request, config.providers);
  logger.info(
    { dry_run: options.dryRun, force: options.force, providers: options.providers },
    `Manual pricing sync triggered by admin: ${admin}`,
  );
  const outcome = await context.sync({
    trigger: 'manual',
    triggeredBy: admin,
    dryRun: options.dryRun,
    force: options.force,
    providers: options.providers,
  });
  if (outcome.kind === 'refused') {
    return json(409, {
      success: false,
      error: `a pricing sync is already running (run ${outcome.holder.runId})`,
      running_run_id: outcome.holder.runId,
      running_since: outcome.holder.startedAt,
    });
  }
  const summary = runSummary(outcome.report);
  const fields = { run_id: summary.run_id, status: summary.status, held: summary.total_held };
  if (summary.status === 'success') {
    logger.info(
      fields,
      `Manual pricing sync completed: ${summary.total_models_updated} models updated in ${summary.duration_seconds.toFixed(1)}s${summary.total_held > 0 ? `, ${summary.total_held} held` : ''}`,
    );
  } else if (summary.status === 'partial') {
    logger.warn(
      { ...fields, held: summary.total_held },
      `⚠️ Manual pricing sync completed with problems (status: partial, duration: ${summary.duration_seconds.toFixed(1)}s, updated: ${summary.total_models_updated})`,
    );
  } else {
    logger.error({ ...fields, error: outcome.report.error }, '❌ Manual pricing sync failed');
  }
  return json(200, summary);
}
