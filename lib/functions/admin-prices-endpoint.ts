import type { AppContext } from '../app/app-context.js';
import { pricesAt } from '../operator/operator-actions.js';
import { queryOf } from '../edge/query.js';
import { operatorEndpoint } from './admin-operator.js';

/**
 * GET /admin/pricing/prices?provider=&model_id=&at=<ISO instant>: the prices in force at that
 * instant (now without `at`), from the effective-dated history; `&history=true` with a model_id
 * lists its changes, newest first (`before` pages); `q` searches model ids (case-insensitive).
 */
export function pricesAtTime(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, _admin, url) =>
    pricesAt(
      store,
      queryOf(url, ['provider', 'model_id', 'at', 'history', 'cursor', 'before', 'limit', 'q']),
    ),
  );
}
