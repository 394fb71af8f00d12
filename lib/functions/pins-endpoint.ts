import type { AppContext } from '../app/app-context.js';
import { listPins, removePin, setPin } from '../operator/operator-actions.js';
import { queryOf } from '../edge/query.js';
import { operatorEndpoint } from './admin-operator.js';
import { readJsonBody } from '../edge/strict-json.js';

/** GET /admin/pricing/pins?provider=: every pin, with drift. */
export function pinsList(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, _admin, url) =>
    listPins(store, queryOf(url, ['provider'])),
  );
}

/** PUT /admin/pricing/pins {provider, model_id, prices, reason, expires_at?} */
export function pinsSet(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(
    request,
    context,
    async (store, admin, url) => {
      queryOf(url, []);
      return setPin(store, await readJsonBody(request), admin, {
        maxPricePer1m: context.config.maxPricePer1m,
      });
    },
    'pins',
  );
}

/** DELETE /admin/pricing/pins?provider=&model_id=: unpins and applies the provider's latest price. */
export function pinsRemove(request: Request, context: AppContext): Promise<Response> {
  return operatorEndpoint(request, context, (store, admin, url) =>
    removePin(store, queryOf(url, ['provider', 'model_id']), admin),
  );
}
