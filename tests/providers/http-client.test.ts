import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createProviderHttpClient } from '../../lib/provider-http/provider-http-client.js';
import type { ProviderHttpClientOptions } from '../../lib/provider-http/provider-http-client.js';
import { failure } from './provider-test-helpers.js';
import { parseRetryAfterMs } from '../../lib/provider-http/retry-after.js';
import { startReplayServer } from '../../dev/replay/replay-server.js';
import { useReplayServer } from '../support/replay-fixture.js';
import packageJson from '../../package.json' with { type: 'json' };

const replay = useReplayServer({ defaults: { size: 20 } });

function client(overrides: Partial<ProviderHttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const http = createProviderHttpClient({
    provider: 'openrouter',
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    random: () => 0.5,
    now: () => Date.parse('2026-08-19T12:00:00Z'),
    ...overrides,
  });
  return { http, sleeps };
}

const modelsUrl = () => `${replay.baseUrls.OPENROUTER_BASE_URL}/models`;

describe('provider HTTP client', () => {
  it('waits exactly what Retry-After asks (7 s) after a 429, then succeeds', async () => {
    replay.setScenario('openrouter', { size: 20, failFirst: 1, errorStatus: 429, retryAfter: '7' });
    const { http, sleeps } = client();
    const payload = (await http.getJson(modelsUrl())) as { data: unknown[] };
    expect(payload.data).toHaveLength(20);
    expect(sleeps).toEqual([7000]);
    expect(replay.requests.filter((request) => request.route === 'openrouter')).toHaveLength(2);
  });

  it('reads Retry-After as an HTTP date against the injected clock', () => {
    expect(parseRetryAfterMs('Wed, 19 Aug 2026 12:00:30 GMT', Date.parse('2026-08-19T12:00:00Z'))).toBe(
      30_000,
    );
    expect(parseRetryAfterMs('Wed, 19 Aug 2026 11:00:00 GMT', Date.parse('2026-08-19T12:00:00Z'))).toBe(0);
    expect(parseRetryAfterMs('soon', 0)).toBeNull();
    expect(parseRetryAfterMs(null, 0)).toBeNull();
  });

  it('gives up on a Retry-After longer than the cap instead of waiting it out', async () => {
    replay.setScenario('openrouter', { failFirst: 5, errorStatus: 429, retryAfter: '3600' });
    const { http, sleeps } = client({ maxDelayMs: 60_000 });
    const error = await failure(http.getJson(modelsUrl()));
    expect(error.reason).toBe('http');
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/Retry-After 3600000 ms exceeds the 60000 ms cap/);
    expect(sleeps).toEqual([]);
  });

  it('fails with the last status after every retry got a 500, backing off exponentially with jitter', async () => {
    replay.setScenario('openrouter', { failFirst: 100, errorStatus: 500 });
    const { http, sleeps } = client({ maxAttempts: 4, baseDelayMs: 1000 });
    const error = await failure(http.getJson(modelsUrl()));
    expect(error).toMatchObject({
      reason: 'http',
      status: 500,
      retryable: true,
      attempts: 4,
      provider: 'openrouter',
    });
    expect(error.url).toBe(modelsUrl());
    expect(error.message).toMatch(
      /HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/openrouter\/models: .*scripted failure 4 of 100/,
    );
    // random() = 0.5: half fixed plus a quarter: 1000 -> 750, 2000 -> 1500, 4000 -> 3000.
    expect(sleeps).toEqual([750, 1500, 3000]);
    expect(replay.requests).toHaveLength(4);
  });

  it('does not retry a 404', async () => {
    const { http, sleeps } = client();
    const error = await failure(http.getJson(`${replay.url}/openrouter/nothing-here`));
    expect(error).toMatchObject({ reason: 'http', status: 404, retryable: false, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('times out a request that never answers', async () => {
    replay.setScenario('openrouter', { hang: true });
    const { http, sleeps } = client({ timeoutMs: 100, maxAttempts: 2 });
    const error = await failure(http.getJson(modelsUrl()));
    expect(error).toMatchObject({ reason: 'timeout', retryable: true, attempts: 2 });
    expect(error.message).toMatch(/no complete response from .* within 100 ms/);
    expect(sleeps).toHaveLength(1);
  });

  it('stops when the caller aborts (the run deadline), without retrying', async () => {
    replay.setScenario('openrouter', { hang: true });
    const { http } = client({ timeoutMs: 10_000 });
    const error = await failure(http.getJson(modelsUrl(), { signal: AbortSignal.timeout(100) }));
    expect(error).toMatchObject({ reason: 'timeout', retryable: false, attempts: 1 });
    expect(error.message).toMatch(/aborted by the caller/);
  });

  it("leaves nothing on the caller's run-long signal after each request, and honours one already aborted", async () => {
    replay.setScenario('openrouter', { size: 20 });
    const { http } = client();
    const run = new AbortController();
    for (let request = 0; request < 5; request += 1) await http.getJson(modelsUrl(), { signal: run.signal });
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    run.abort();
    const error = await failure(http.getJson(modelsUrl(), { signal: run.signal }));
    expect(error).toMatchObject({ reason: 'timeout', retryable: false, attempts: 1 });
    expect(error.message).toMatch(/aborted by the caller/);
  });

  it('reports malformed JSON as a schema error that says so', async () => {
    replay.setScenario('openrouter', { malformedJson: true });
    const { http } = client();
    const error = await failure(http.getJson(modelsUrl()));
    expect(error).toMatchObject({ reason: 'schema', retryable: false, attempts: 1 });
    expect(error.message).toMatch(
      /malformed JSON from .*\/openrouter\/models \(\d+ bytes, ends with ".*<html>"\)/,
    );
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('digests a body as received and parses it only when asked, as getDigestedJson would', async () => {
    replay.setScenario('openrouter', { size: 20 });
    const { http } = client();
    const eager = await http.getDigestedJson(modelsUrl());
    const lazy = await http.getDigestedBody(modelsUrl());
    expect(lazy.digest).toBe(eager.digest);
    expect(lazy.json()).toEqual(eager.json);
    expect(() => lazy.json()).toThrow(/parsed already/);

    // The request succeeds; the malformed body fails only when it is parsed, as a schema error.
    replay.setScenario('openrouter', { malformedJson: true });
    const malformed = await http.getDigestedBody(modelsUrl());
    expect(malformed.digest).toMatch(/^[0-9a-f]{64}$/);
    const error = await failure(Promise.resolve().then(() => malformed.json()));
    expect(error).toMatchObject({ reason: 'schema', retryable: false });
    expect(error.message).toMatch(/malformed JSON from .*\/openrouter\/models/);
  });

  /** A fetch that answers 200 with these byte chunks as the body, streamed one by one. */
  const answering =
    (...chunks: number[][]): typeof fetch =>
    async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
            controller.close();
          },
        }),
        { status: 200 },
      );
  const bytesOf = (text: string) => [...Buffer.from(text, 'utf8')];

  it('decodes UTF-8 split across chunks, skips a BOM, and refuses bytes that are not UTF-8', async () => {
    const text = bytesOf('{"id":"modèle-€","n":[1,2]}');
    // The split falls inside the three bytes of "€".
    const split = text.indexOf(0xe2) + 1;
    const { http: splitBody } = client({ fetch: answering(text.slice(0, split), text.slice(split)) });
    expect(await splitBody.getJson(modelsUrl())).toEqual({ id: 'modèle-€', n: [1, 2] });

    const { http: withBom } = client({ fetch: answering([0xef, 0xbb, 0xbf, ...bytesOf('{"a":1}')]) });
    expect(await withBom.getJson(modelsUrl())).toEqual({ a: 1 });

    for (const bad of [
      [0x7b, 0xff, 0x7d],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
      [0x22, 0xc3],
    ]) {
      const { http } = client({ fetch: answering(bad) });
      const error = await failure(http.getJson(modelsUrl()));
      expect(error).toMatchObject({ reason: 'schema', retryable: false });
      expect(error.message).toMatch(/is not valid UTF-8 \(\d bytes\)/);
    }
  });

  it('reports a body cut off mid-transfer as a retryable network error naming the truncation', async () => {
    replay.setScenario('openrouter', { truncateBody: true });
    const { http, sleeps } = client({ maxAttempts: 2 });
    const error = await failure(http.getJson(modelsUrl()));
    expect(error).toMatchObject({ reason: 'network', retryable: true, attempts: 2 });
    expect(error.message).toMatch(/truncated/);
    expect(sleeps).toHaveLength(1);
  });

  it('refuses a body over the cap by its declared length', async () => {
    replay.setScenario('openrouter', { size: 50 });
    const { http } = client({ maxResponseBytes: 1000 });
    const error = await failure(http.getJson(modelsUrl()));
    expect(error).toMatchObject({ reason: 'too_large', retryable: false });
    expect(error.message).toMatch(/over the 1000-byte cap \(declares \d+ bytes\)/);
  });

  it('refuses a streamed body over the cap while counting, and cancels the stream', async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(600).fill(32));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { http } = client({
      maxResponseBytes: 1000,
      fetch: async (_input, init) => {
        init?.signal?.addEventListener('abort', () => void stream.cancel().catch(() => undefined));
        return new Response(stream, { status: 200 });
      },
    });
    const error = await failure(http.getJson('https://example.test/models'));
    expect(error).toMatchObject({ reason: 'too_large', retryable: false });
    expect(error.message).toMatch(/sent more than that/);
    expect(pulled).toBeLessThan(5);
    expect(cancelled || pulled < 5).toBe(true);
  });

  it('maps a refused connection to a retryable network error', async () => {
    const closed = await startReplayServer();
    const url = `${closed.url}/openrouter/models`;
    await closed.close();
    const { http, sleeps } = client({ maxAttempts: 3 });
    const error = await failure(http.getJson(url));
    expect(error).toMatchObject({ reason: 'network', retryable: true, attempts: 3 });
    expect(sleeps).toHaveLength(2);
  });

  it("names the transport cause of a network error, from Node's client or from a fetch given instead", async () => {
    const closed = await startReplayServer();
    const url = `${closed.url}/openrouter/models`;
    await closed.close();
    const error = await failure(client({ maxAttempts: 1 }).http.getJson(url));
    expect(error.causeCode).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/network error from .*: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    // fetch only says "fetch failed"; the code comes from its cause.
    const viaFetch = await failure(client({ maxAttempts: 1, fetch: globalThis.fetch }).http.getJson(url));
    expect(viaFetch.causeCode).toBe('ECONNREFUSED');
    expect(viaFetch.message).toMatch(/network error from .*: fetch failed \(ECONNREFUSED\)$/);
  });

  it('sends User-Agent with the package version, and the bearer key only when one is set', async () => {
    await client({ apiKey: 'sk-test-123' }).http.getJson(modelsUrl());
    await client().http.getJson(modelsUrl());
    const [withKey, withoutKey] = replay.requests;
    expect(withKey?.headers['user-agent']).toBe(`pricing-sync/${packageJson.version}`);
    expect(withKey?.headers.authorization).toBe('Bearer sk-test-123');
    expect(withKey?.headers.accept).toBe('application/json');
    expect(withoutKey?.headers.authorization).toBeUndefined();
  });
});
