import type { AppContext } from '../app/app-context.js';
import { listRuns, rollbackRun } from '../operator/operator-actions.js';
import { queryOf } from '../edge/query.js';
import { freshnessSettingsOf } from '../sync/provider-freshness.js';
import { operatorEndpoint } from './admin-operator.js';
import { readJsonBody } from '../edge/strict-json.js';

/**
 * GET /admin/pricing/runs?limit=&before=: runs, newest first, with their per-provider results;
 * `?run_id=N`: that run with the history rows it wrote, each with its provider's freshness now.
 */
export function runsList(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, _admin, url) =>
    listRuns(store, queryOf(url, ['before', 'limit', 'run_id']), freshnessSettingsOf(context.config)),
  );
}

/** POST /admin/pricing/runs {action: rollback, run_id, force?, dry_run?}: reverts a run, as a new run (dry_run: the preview). */
export function runsRollback(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, async (store, admin, url) => {
    queryOf(url, []);
    return rollbackRun(store, await readJsonBody(request), admin);
  });
}
