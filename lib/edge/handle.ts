import { appContext, type AppContext } from '../app/app-context.js';
import { StoreError } from '../db/store-error.js';
import { HttpError } from './http-error.js';
import { json } from './responses.js';

export type Handler = (request: Request, context: AppContext) => Promise<Response>;

/**
 * Where errors become HTTP, once for every function: HttpError keeps its status; an unreachable
 * database is 503; anything else is logged and answered 500 without internals.
 */
export function handle(handler: Handler): (request: Request) => Promise<Response> {
  return async (request) => {
    let context: AppContext;
    try {
      context = await appContext();
    } catch (error) {
      return errorResponse(error, null);
    }
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

export function errorResponse(error: unknown, context: AppContext | null): Response {
  if (error instanceof HttpError) {
    return json(error.status, { success: false, error: error.message }, error.headers);
  }
  if (error instanceof StoreError && error.unavailable) {
    context?.logger.error({ err: error }, 'database unreachable');
    return json(503, { success: false, error: 'database unreachable' });
  }
  if (error instanceof StoreError && error.code === 'DATA_DIR_LOCKED') {
    return json(503, { success: false, error: error.message });
  }
  if (context) context.logger.error({ err: error }, 'unhandled error');
  else console.error('unhandled error', error);
  return json(500, { success: false, error: 'internal error' });
}
