import type { AppContext } from '../app/app-context.js';
import { decideHeld, listHeld } from '../operator/operator-actions.js';
import { queryOf } from '../edge/query.js';
import { operatorEndpoint } from './admin-operator.js';
import { readJsonBody } from '../edge/strict-json.js';
import { freshnessSettingsOf } from '../sync/provider-freshness.js';

/** GET /admin/pricing/held?status=pending&provider=…&model_id=…&before=&limit=: held changes, newest first. */
export function heldList(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, _admin, url) =>
    listHeld(
      store,
      queryOf(url, ['status', 'provider', 'model_id', 'before', 'limit']),
      freshnessSettingsOf(context.config),
    ),
  );
}

/** POST /admin/pricing/held {action: approve|reject, ids, note}: one run, all or none. */
export function heldDecide(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, async (store, admin, url) => {
    queryOf(url, []);
    return decideHeld(store, await readJsonBody(request), admin);
  });
}
