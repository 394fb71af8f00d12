import { StoreError } from '../db/store-error.js';
import { NOT_CONFIGURED } from '../db/unconfigured-transport.js';
import type { Logger } from '../logging/logger.js';
import { configErrorsFor, type ConfigProblem } from '../config.js';
import { flushTraces } from '../tracing/start-tracing.js';
import { HttpError } from './http-error.js';
import { InvalidConfiguration, invalidConfigurationResponse } from './invalid-configuration.js';
import { json } from './responses.js';

/** What the edge needs from the app's context to answer an error: where to log, what config is wrong. */
export interface EdgeContext {
  logger: Logger;
  config: { problems: readonly ConfigProblem[] };
  /** One line saying why the store cannot be reached (`cannot reach Postgres at host:port …`). */
  explainStoreFailure?: (error: unknown) => string;
}

export type Handler<C extends EdgeContext> = (request: Request, context: C) => Promise<Response>;

/**
 * Where errors become HTTP, once for every function: HttpError keeps its status; an unreachable
 * database is 503; InvalidConfiguration, or no database configured, is 500 with config_errors
 * (invalid-configuration.ts); anything else is logged and
 * answered 500 without internals. With tracing on, the spans of the work behind the response have
 * all ended when it is returned: their export is handed to the platform's waitUntil then, so they
 * arrive before the function's work is over (an instance may be frozen once it has answered).
 */
export function handle<C extends EdgeContext>(
  openContext: () => Promise<C>,
  handler: Handler<C>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await respond(openContext, handler, request);
    flushTraces();
    return response;
  };
}

async function respond<C extends EdgeContext>(
  openContext: () => Promise<C>,
  handler: Handler<C>,
  request: Request,
): Promise<Response> {
  let context: C;
  try {
    context = await openContext();
  } catch (error) {
    return errorResponse(error, null);
  }
  try {
    return await handler(request, context);
  } catch (error) {
    return errorResponse(error, context);
  }
}

export function errorResponse(error: unknown, context: EdgeContext | null): Response {
  if (error instanceof HttpError) {
    return json(error.status, { success: false, error: error.message }, error.headers);
  }
  if (error instanceof StoreError && error.unavailable) {
    // One line, not a stack: what cannot be reached and what to do; the same at every call.
    context?.logger.error(
      { error: context.explainStoreFailure?.(error) ?? error.message },
      'database unreachable',
    );
    return json(503, { success: false, error: 'database unreachable' });
  }
  if (error instanceof InvalidConfiguration) {
    if (error.logLine !== null) context?.logger.error({ config_errors: error.configErrors }, error.logLine);
    return invalidConfigurationResponse(error.configErrors);
  }
  if (error instanceof StoreError && error.code === NOT_CONFIGURED) {
    const storageErrors = context ? configErrorsFor(context.config, 'storage') : [];
    const configErrors = storageErrors.length > 0 ? storageErrors : [error.message];
    context?.logger.error({ config_errors: configErrors }, 'invalid configuration');
    return invalidConfigurationResponse(configErrors);
  }
  if (error instanceof StoreError && error.code === 'DATA_DIR_LOCKED') {
    return json(503, { success: false, error: error.message });
  }
  if (context) context.logger.error({ err: error }, 'unhandled error');
  else console.error('unhandled error', error);
  return json(500, { success: false, error: 'internal error' });
}
