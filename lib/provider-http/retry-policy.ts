import { setTimeout as delay } from 'node:timers/promises';
import { ProviderError } from './provider-error.js';

export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

export const defaultSleep: Sleep = async (milliseconds, signal) => {
  await delay(milliseconds, undefined, signal ? { signal } : undefined);
};

/** When a failed request is tried again, and how long the client waits before it does. */
export interface RetryPolicy {
  /** Provider slug, carried on the error of an abandoned wait. */
  provider: string;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff step; doubles each retry. */
  baseDelayMs: number;
  /** Cap on one wait, backoff or `Retry-After`. A longer `Retry-After` ends the retries. */
  maxDelayMs: number;
  sleep: Sleep;
  /** Uniform in [0, 1), for jitter. */
  random: () => number;
}

/** The wait before retry `retryNumber` (1 for the first retry), when the provider named none. */
export function backoffMs(retryNumber: number, policy: RetryPolicy): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  // Equal jitter: half fixed, half random, so many clients retrying at once spread out.
  return Math.round(exponential / 2 + (exponential / 2) * policy.random());
}

/**
 * Runs `attempt` until it succeeds or fails for good. Only a retryable ProviderError is tried
 * again, at most `maxAttempts` times in all, after its `Retry-After` or a jittered backoff; a
 * `Retry-After` past the cap, or the caller's signal aborting, ends the retries. The error thrown
 * says how many attempts were made.
 */
export async function withRetries<T>(
  url: string,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const { provider, maxAttempts, maxDelayMs } = policy;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      error.attempts = attemptNumber;
      if (!error.retryable || attemptNumber >= maxAttempts || signal?.aborted) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxDelayMs) {
        error.message += ` (Retry-After ${error.retryAfterMs} ms exceeds the ${maxDelayMs} ms cap; not retrying)`;
        throw error;
      }
      const waitMs = error.retryAfterMs ?? backoffMs(attemptNumber, policy);
      try {
        await policy.sleep(waitMs, signal);
      } catch (sleepError) {
        throw new ProviderError(`${provider}: aborted by the caller while waiting to retry ${url}`, {
          reason: 'timeout',
          provider,
          url,
          retryable: false,
          attempts: attemptNumber,
          cause: sleepError,
        });
      }
    }
  }
}
