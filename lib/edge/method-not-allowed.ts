import { json } from './responses.js';

/** A handler for the methods a function does not serve: 405 with `Allow`. */
export function methodNotAllowed(allow: string): (request: Request) => Promise<Response> {
  return async (request) =>
    json(405, { success: false, error: `method ${request.method} not allowed; use ${allow}` }, { allow });
}
