import { createHash } from 'node:crypto';
import { readCappedBody, type ByteBudget } from './capped-body.js';
import { httpGet, replyOfResponse, type Reply } from './http-get.js';
import { causeCodeOf, isRetryableStatus, ProviderError } from './provider-error.js';
import { parseRetryAfterMs } from './retry-after.js';
import { defaultSleep, withRetries, type RetryPolicy, type Sleep } from './retry-policy.js';
import { USER_AGENT } from './user-agent.js';

export type { Sleep } from './retry-policy.js';

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
  /**
   * A `fetch` to send requests through instead of Node's own HTTP client (http-get.ts): a test's
   * stand-in that answers without a server.
   */
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
  budget?: ByteBudget | undefined;
}

/** A body parsed as JSON, with the SHA-256 (hex) of its bytes as received. */
export interface DigestedJson {
  json: unknown;
  digest: string;
}

/**
 * A body's SHA-256 (hex) as received, its JSON parsed only when asked: a sync that finds the same
 * bytes as last applied never decodes or parses them.
 */
export interface DigestedBody {
  digest: string;
  /** The body parsed as JSON; throws `ProviderError` (reason `schema`) when it is not UTF-8 JSON. At most once. */
  json(): unknown;
  /**
   * The body's bytes as received (not a copy), for a source that finds its items in them without
   * parsing (json-items.ts), before `json()`, which lets them go. Absent in a client that has none
   * to give (a test's stand-in): the source then parses.
   */
  bytes?(): Uint8Array;
}

export interface ProviderHttpClient {
  readonly provider: string;
  /** GET a URL and parse its body as JSON; throws `ProviderError` on every failure. */
  getJson(url: string | URL, options?: RequestOptions): Promise<unknown>;
  /** `getJson`, with the digest of the body's bytes (a sync skips normalizing bytes it already applied). */
  getDigestedJson(url: string | URL, options?: RequestOptions): Promise<DigestedJson>;
  /** `getDigestedJson`, parsed only when `json()` is called. */
  getDigestedBody(url: string | URL, options?: RequestOptions): Promise<DigestedBody>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** How much of an error response's body goes into the error message. */
const ERROR_SNIPPET_BYTES = 300;

/** Why an attempt's own controller was aborted: it ran out of time. */
class AttemptTimeout extends Error {}

/** What one attempt needs: the options with their defaults filled in. */
interface AttemptSettings {
  provider: string;
  apiKey: string | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  /** A stand-in `fetch`, or null for Node's own HTTP client. */
  fetch: typeof fetch | null;
  now: () => number;
}

export function createProviderHttpClient(options: ProviderHttpClientOptions): ProviderHttpClient {
  const settings: AttemptSettings = {
    provider: options.provider,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    fetch: options.fetch ?? null,
    now: options.now ?? Date.now,
  };
  const policy: RetryPolicy = {
    provider: options.provider,
    maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
  return {
    provider: options.provider,
    async getJson(target, requestOptions = {}) {
      const url = String(target);
      return withRetries(url, policy, requestOptions.signal, async () =>
        parseBody(await attempt(url, settings, requestOptions, false), { provider: settings.provider, url }),
      );
    },
    async getDigestedJson(target, requestOptions = {}) {
      const url = String(target);
      return withRetries(url, policy, requestOptions.signal, async () => {
        const body = await attempt(url, settings, requestOptions, true);
        return { json: parseBody(body, { provider: settings.provider, url }), digest: body.digest! };
      });
    },
    async getDigestedBody(target, requestOptions = {}) {
      const url = String(target);
      const body = await withRetries(url, policy, requestOptions.signal, () =>
        attempt(url, settings, requestOptions, true),
      );
      let bytes: Received | null = body;
      return {
        digest: body.digest!,
        json() {
          if (bytes === null)
            throw new Error(`${settings.provider}: the body from ${url} was parsed already`);
          const received = bytes;
          bytes = null;
          return parseBody(received, { provider: settings.provider, url });
        },
        bytes() {
          if (bytes === null)
            throw new Error(`${settings.provider}: the body from ${url} was parsed already`);
          return bytes.bytes;
        },
      };
    },
  };
}

/** A body as received, and its SHA-256 (hex) when asked for. */
interface Received {
  bytes: Uint8Array;
  digest: string | null;
}

/**
 * One GET of `url` under its own timeout (and the caller's signal), its body read whole under its
 * caps and, when asked, digested (~2 ms per MB; only the sync's catalog reads ask).
 */
async function attempt(
  url: string,
  settings: AttemptSettings,
  requestOptions: RequestOptions,
  digested: boolean,
): Promise<Received> {
  const { provider, timeoutMs } = settings;
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
  const failure = (error: unknown, bytesRead?: number, expectedBytes?: number): ProviderError =>
    classifyAbortOrNetwork(error, { provider, url, timeoutMs, controller, outer, bytesRead, expectedBytes });
  try {
    const headers = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
      ...requestOptions.headers,
    };
    let reply: Reply;
    try {
      reply = settings.fetch
        ? replyOfResponse(await settings.fetch(url, { method: 'GET', headers, signal: controller.signal }))
        : await httpGet(url, headers, controller.signal);
    } catch (error) {
      throw failure(error);
    }
    if (reply.status < 200 || reply.status > 299) throw await httpError(reply, url, settings);
    const limits = { provider, url, maxResponseBytes: settings.maxResponseBytes, controller, failure };
    const bytes = await readCappedBody(reply, { ...limits, budget: requestOptions.budget });
    return { bytes, digest: digested ? createHash('sha256').update(bytes).digest('hex') : null };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', abortFromOuter);
  }
}

/** A non-2xx answer: its status, the start of its body, and any `Retry-After` it asks for. */
async function httpError(reply: Reply, url: string, settings: AttemptSettings): Promise<ProviderError> {
  const { provider } = settings;
  const snippet = await readSnippet(reply);
  const retryAfterMs = parseRetryAfterMs(reply.header('retry-after'), settings.now()) ?? undefined;
  return new ProviderError(`${provider}: HTTP ${reply.status} from ${url}${snippet ? `: ${snippet}` : ''}`, {
    reason: 'http',
    provider,
    url,
    status: reply.status,
    retryable: isRetryableStatus(reply.status),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
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

async function readSnippet(reply: Reply): Promise<string> {
  try {
    if (!reply.body) return '';
    let first: Uint8Array | undefined;
    // Only the first chunk is shown; leaving the loop stops the body, and the rest is dropped. A
    // failure to read it changes nothing about the error this snippet goes into.
    for await (const chunk of reply.body) {
      first = chunk;
      break;
    }
    if (!first) return '';
    return new TextDecoder().decode(first.subarray(0, ERROR_SNIPPET_BYTES)).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  } finally {
    reply.discard();
  }
}

/**
 * A body's bytes as JSON. Each copy of a large body is let go as soon as the next one exists
 * (bytes, then text), so a 60 MB cost map is not held three times over while JSON.parse builds its tree.
 */
function parseBody(received: Received, context: { provider: string; url: string }): unknown {
  const byteLength = received.bytes.byteLength;
  const text = decodeUtf8(received.bytes, context);
  received.bytes = new Uint8Array(0);
  return parseJson(text, byteLength, context);
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
