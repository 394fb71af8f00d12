/**
 * A database call that failed. `unavailable` is true when the database could not be reached at
 * all (connection refused, DNS, timeout), which the HTTP edge answers with 503.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: string | undefined;
  readonly unavailable: boolean;

  constructor(message: string, options: { code?: string; unavailable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.unavailable = options.unavailable ?? false;
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Postgres SQLSTATE classes that mean the server is going away or not there. */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/** Wraps whatever a driver threw, once, at the adapter seam. */
export function toStoreError(error: unknown, context: string): StoreError {
  if (error instanceof StoreError) return error;
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const unavailable =
    code !== undefined
      ? UNAVAILABLE_CODES.has(code) || isUnavailableSqlState(code)
      : /connect|terminat|closed|fetch failed/i.test(message);
  return new StoreError(`${context}: ${message}`, { code, unavailable, cause: error });
}
