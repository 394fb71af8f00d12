import { json } from './responses.js';

/** A handler for a method a function does not serve; `isRefusal` tells it from one that serves. */
export type RefusingHandler = ((request: Request) => Promise<Response>) & { readonly refuses: true };

/** A handler for the methods a function does not serve: 405 with `Allow`. */
export function methodNotAllowed(allow: string): RefusingHandler {
  const handler = async (request: Request) =>
    json(405, { success: false, error: `method ${request.method} not allowed; use ${allow}` }, { allow });
  return Object.assign(handler, { refuses: true as const });
}

/** Whether an exported handler only refuses its method (so the method is not one the function serves). */
export function isRefusal(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as Partial<RefusingHandler>).refuses === true;
}
