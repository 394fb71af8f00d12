import { setTimeout as delay } from 'node:timers/promises';
import { causeCodeOf, isRetryableStatus, ProviderError } from './provider-error.js';
import { parseRetryAfterMs } from './retry-after.js';
import { USER_AGENT } from './user-agent.js';

export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

export interface ProviderHttpClientOptions {
  /** Provider slug, carried on every error. */
  provider: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string | undefined;
  /** Per attempt, headers and body included. Default 30 s. */
  timeoutMs?: number;
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** First backoff step; doubles each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap on one wait, backoff or `Retry-After`. A longer `Retry-After` ends the retries. Default 60 s. */
  maxDelayMs?: number;
  /** Largest body accepted, counted as it streams. Default 64 MiB. */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  sleep?: Sleep;
  /** Clock in epoch milliseconds, for HTTP-date `Retry-After`. */
  now?: () => number;
  /** Uniform in [0, 1), for jitter. */
  random?: () => number;
}

export interface RequestOptions {
  /** The caller's overall deadline; aborting it stops the request and any retries. */
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /** Counts every body byte against the provider's budget for the run; throws to stop reading. */
  budget?: { chargeBytes(count: number, url: string): void } | undefined;
}

export interface ProviderHttpClient {
  readonly provider: string;
  /** GET a URL and parse its body as JSON; throws `ProviderError` on every failure. */
  getJson(url: string | URL, options?: RequestOptions): Promise<unknown>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** How much of an error response's body goes into the error message. */
const ERROR_SNIPPET_BYTES = 300;

const defaultSleep: Sleep = async (milliseconds, signal) => {
  await delay(milliseconds, undefined, signal ? { signal } : undefined);
};

/** Why an attempt's own controller was aborted. */
class AttemptTimeout extends Error {}
class BodyTooLarge extends Error {}

export function createProviderHttpClient(options: ProviderHttpClientOptions): ProviderHttpClient {
  const provider = options.provider;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const fetchImplementation = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  function backoffMs(retryNumber: number): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (retryNumber - 1));
    // Equal jitter: half fixed, half random, so many clients retrying at once spread out.
    return Math.round(exponential / 2 + (exponential / 2) * random());
  }

  async function attempt(url: string, requestOptions: RequestOptions): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    const outer = requestOptions.signal;
    // The caller's signal aborts this attempt's controller, and the listener goes when the attempt
    // does. AbortSignal.any made two more signals per request (a sync makes ~100 requests; it was
    // a tenth of the HTTP client's time) and keeps each dependent signal reachable from the
    // run-long deadline signal.
    const abortFromOuter = () => controller.abort(outer!.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener('abort', abortFromOuter, { once: true });
    const signal = controller.signal;
    const failure = (error: unknown, bytesRead?: number, expectedBytes?: number): ProviderError =>
      classifyAbortOrNetwork(error, {
        provider,
        url,
        timeoutMs,
        controller,
        outer,
        bytesRead,
        expectedBytes,
      });
    try {
      let response: Response;
      try {
        response = await fetchImplementation(url, {
          method: 'GET',
          headers: {
            accept: 'application/json',
            'user-agent': USER_AGENT,
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            ...requestOptions.headers,
          },
          signal,
        });
      } catch (error) {
        throw failure(error);
      }

      if (!response.ok) {
        const snippet = await readSnippet(response);
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), now()) ?? undefined;
        throw new ProviderError(
          `${provider}: HTTP ${response.status} from ${url}${snippet ? `: ${snippet}` : ''}`,
          {
            reason: 'http',
            provider,
            url,
            status: response.status,
            retryable: isRetryableStatus(response.status),
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
        );
      }

      const declaredLength = Number(response.headers.get('content-length') ?? Number.NaN);
      const expectedBytes = Number.isSafeInteger(declaredLength) ? declaredLength : undefined;
      if (expectedBytes !== undefined && expectedBytes > maxResponseBytes) {
        controller.abort(new BodyTooLarge());
        throw tooLarge(provider, url, maxResponseBytes, `declares ${expectedBytes} bytes`);
      }

      const chunks: Uint8Array[] = [];
      let bytesRead = 0;
      if (response.body) {
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            bytesRead += value.byteLength;
            if (bytesRead > maxResponseBytes) {
              controller.abort(new BodyTooLarge());
              throw tooLarge(provider, url, maxResponseBytes, `sent more than that`);
            }
            try {
              requestOptions.budget?.chargeBytes(value.byteLength, url);
            } catch (error) {
              controller.abort(new BodyTooLarge());
              throw error;
            }
            chunks.push(value);
          }
        } catch (error) {
          if (error instanceof ProviderError) throw error;
          throw failure(error, bytesRead, expectedBytes);
        }
      }
      if (expectedBytes !== undefined && bytesRead < expectedBytes) {
        throw new ProviderError(
          `${provider}: truncated body from ${url}: got ${bytesRead} of ${expectedBytes} declared bytes`,
          { reason: 'network', provider, url, retryable: true },
        );
      }
      // Each copy of a large body is let go as soon as the next one exists (chunks, then bytes,
      // then text), so a 60 MB cost map is not held three times over while JSON.parse builds its tree.
      let bytes: Uint8Array | null = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytesRead);
      chunks.length = 0;
      const text = decodeUtf8(bytes, { provider, url });
      bytes = null;
      return parseJson(text, bytesRead, { provider, url });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', abortFromOuter);
    }
  }

  return {
    provider,
    async getJson(target, requestOptions = {}) {
      const url = String(target);
      for (let attemptNumber = 1; ; attemptNumber++) {
        try {
          return await attempt(url, requestOptions);
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          error.attempts = attemptNumber;
          if (!error.retryable || attemptNumber >= maxAttempts || requestOptions.signal?.aborted) throw error;
          if (error.retryAfterMs !== undefined && error.retryAfterMs > maxDelayMs) {
            error.message += ` (Retry-After ${error.retryAfterMs} ms exceeds the ${maxDelayMs} ms cap; not retrying)`;
            throw error;
          }
          const waitMs = error.retryAfterMs ?? backoffMs(attemptNumber);
          try {
            await sleep(waitMs, requestOptions.signal);
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
    },
  };
}

function tooLarge(provider: string, url: string, maxResponseBytes: number, detail: string): ProviderError {
  return new ProviderError(
    `${provider}: response from ${url} is over the ${maxResponseBytes}-byte cap (${detail})`,
    { reason: 'too_large', provider, url, retryable: false },
  );
}

function classifyAbortOrNetwork(
  error: unknown,
  context: {
    provider: string;
    url: string;
    timeoutMs: number;
    controller: AbortController;
    outer: AbortSignal | undefined;
    bytesRead: number | undefined;
    expectedBytes: number | undefined;
  },
): ProviderError {
  const { provider, url } = context;
  if (context.controller.signal.reason instanceof AttemptTimeout) {
    return new ProviderError(`${provider}: no complete response from ${url} within ${context.timeoutMs} ms`, {
      reason: 'timeout',
      provider,
      url,
      retryable: true,
      cause: error,
    });
  }
  if (context.outer?.aborted) {
    return new ProviderError(`${provider}: request to ${url} aborted by the caller`, {
      reason: 'timeout',
      provider,
      url,
      retryable: false,
      cause: error,
    });
  }
  const received =
    context.bytesRead === undefined
      ? ''
      : context.expectedBytes === undefined
        ? ` after ${context.bytesRead} bytes (body truncated)`
        : ` after ${context.bytesRead} of ${context.expectedBytes} declared bytes (body truncated)`;
  const detail = error instanceof Error ? error.message : String(error);
  const causeCode = causeCodeOf(error);
  const withCode = causeCode && !detail.includes(causeCode) ? `${detail} (${causeCode})` : detail;
  return new ProviderError(`${provider}: network error from ${url}${received}: ${withCode}`, {
    reason: 'network',
    provider,
    url,
    retryable: true,
    causeCode,
    cause: error,
  });
}

async function readSnippet(response: Response): Promise<string> {
  try {
    if (!response.body) return '';
    const reader = response.body.getReader();
    const { value } = await reader.read();
    await reader.cancel().catch(() => undefined);
    if (!value) return '';
    return new TextDecoder().decode(value.subarray(0, ERROR_SNIPPET_BYTES)).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

function decodeUtf8(body: Uint8Array, context: { provider: string; url: string }): string {
  const { provider, url } = context;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (error) {
    throw new ProviderError(
      `${provider}: response from ${url} is not valid UTF-8 (${body.byteLength} bytes)`,
      { reason: 'schema', provider, url, retryable: false, cause: error },
    );
  }
}

function parseJson(text: string, byteLength: number, context: { provider: string; url: string }): unknown {
  const { provider, url } = context;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const ending = text.slice(-40).replace(/\s+/g, ' ');
    throw new ProviderError(
      `${provider}: malformed JSON from ${url} (${byteLength} bytes, ends with ${JSON.stringify(ending)}): ${detail}`,
      { reason: 'schema', provider, url, retryable: false, cause: error },
    );
  }
}
