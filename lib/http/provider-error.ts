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

  constructor(message: string, details: ProviderErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.provider = details.provider;
    this.url = details.url;
    this.status = details.status;
    this.retryable = details.retryable;
    this.attempts = details.attempts ?? 1;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Whether an HTTP status is worth retrying: request timeout, rate limit, or a server error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
