import type { AppContext } from '../app/app-context.js';
import { StoreError } from '../db/store-error.js';
import { NOT_CONFIGURED } from '../db/unconfigured-transport.js';
import { json } from '../edge/responses.js';
import { VERSION } from '../version.js';

/** GET /health: 200 when the database answers, 503 with the reason when it does not, 500 when none is configured. */
export async function healthCheck(_request: Request, context: AppContext): Promise<Response> {
  const base = {
    service: 'pricing-sync',
    version: VERSION,
    store: context.store.kind,
    timestamp: new Date().toISOString(),
  };
  try {
    await context.store.ping();
    return json(200, { status: 'ok', database: 'ok', ...base });
  } catch (error) {
    // No database configured is not an outage: the edge answers it as an invalid configuration.
    if (error instanceof StoreError && error.code === NOT_CONFIGURED) throw error;
    context.logger.error({ error: context.explainStoreFailure(error) }, 'health check: database unreachable');
    return json(503, {
      status: 'error',
      database: 'unreachable',
      reason: 'the database did not answer',
      ...base,
    });
  }
}
