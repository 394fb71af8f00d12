/** Why a provider fetch failed; the values are the `reason` label of the sync's error metrics. */
export const PROVIDER_ERROR_REASONS = ['http', 'timeout', 'too_large', 'schema', 'network'] as const;
export type ProviderErrorReason = (typeof PROVIDER_ERROR_REASONS)[number];

export interface ProviderErrorDetails {
  reason: ProviderErrorReason;
  /** The provider slug (or another label of the caller) the request was for. */
  provider: string;
  url: string;
  /** HTTP status, for `http` errors. */
  status?: number;
  /** Whether trying again later may succeed. */
  retryable: boolean;
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** The wait the provider asked for with `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** The transport's own code for a `network` error: `ENOTFOUND`, `ECONNREFUSED`, `CERT_HAS_EXPIRED`, … */
  causeCode?: string | undefined;
  cause?: unknown;
}

/**
 * A whole provider fetch failed: transport, status, size, time, or a payload of the wrong shape.
 * One invalid item is not this: it is skipped and reported in the catalog's `invalid` list.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly reason: ProviderErrorReason;
  readonly provider: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** Set by the client when it gives up, so the report can say how hard it tried. */
  attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly causeCode: string | undefined;

  constructor(message: string, details: ProviderErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.provider = details.provider;
    this.url = details.url;
    this.status = details.status;
    this.retryable = details.retryable;
    this.attempts = details.attempts ?? 1;
    this.retryAfterMs = details.retryAfterMs;
    this.causeCode = details.causeCode;
  }
}

/** Whether an HTTP status is worth retrying: request timeout, rate limit, or a server error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The first system or TLS code in an error's cause chain. fetch() reports every transport failure
 * as `TypeError: fetch failed`; what a user needs (no such host, nothing listening, a bad
 * certificate) is the `code` of its cause, or of the errors of an AggregateError (one per address
 * tried).
 */
export function causeCodeOf(error: unknown, depth = 0): string | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(code)) return code;
  const fromCause = causeCodeOf(cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = causeCodeOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
