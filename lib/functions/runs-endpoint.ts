import type { AppContext } from '../app/app-context.js';
import { listRuns, rollbackRun } from '../operator/operator-actions.js';
import { queryOf } from '../edge/query.js';
import { operatorEndpoint } from './admin-operator.js';
import { readJsonBody } from '../edge/strict-json.js';

/** GET /admin/pricing/runs?limit=&before=: runs, newest first, with their per-provider results. */
export function runsList(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, _admin, url) =>
    listRuns(store, queryOf(url, ['before', 'limit'])),
  );
}

/** POST /admin/pricing/runs {action: rollback, run_id, force?}: reverts a run, as a new run. */
export function runsRollback(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, async (store, admin, url) => {
    queryOf(url, []);
    return rollbackRun(store, await readJsonBody(request), admin);
  });
}
