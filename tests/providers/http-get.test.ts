import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { globalAgent as httpsAgent, createServer as createTlsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviderHttpClient } from '../../lib/provider-http/provider-http-client.js';
import type { ProviderHttpClientOptions } from '../../lib/provider-http/provider-http-client.js';
import { failure } from './provider-test-helpers.js';

// Node's own HTTP client (lib/provider-http/http-get.ts), the provider client's default transport,
// against real servers on 127.0.0.1: what fetch did for us and it now does itself.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const handlers = new Map<string, Handler>();
const seen: { path: string; headers: IncomingMessage['headers'] }[] = [];
let server: Server;
let base: string;
/** A second origin (another port), for redirects that leave the first. */
let other: Server;
let otherBase: string;

async function listen(target: Server): Promise<string> {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
}

function route(request: IncomingMessage, response: ServerResponse) {
  seen.push({ path: request.url ?? '', headers: request.headers });
  const handler = handlers.get(new URL(request.url ?? '/', 'http://x').pathname);
  if (handler) handler(request, response);
  else response.writeHead(404).end('{"error":"no such path"}');
}

beforeAll(async () => {
  server = createServer(route);
  other = createServer(route);
  base = await listen(server);
  otherBase = await listen(other);
});
afterAll(async () => {
  for (const target of [server, other]) {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  }
});
beforeEach(() => {
  handlers.clear();
  seen.length = 0;
});

function client(overrides: Partial<ProviderHttpClientOptions> = {}) {
  return createProviderHttpClient({
    provider: 'openrouter',
    maxAttempts: 1,
    sleep: async () => undefined,
    ...overrides,
  });
}

const catalog = { data: [{ id: 'vendor/model-é', pricing: { prompt: '0.000001' } }] };
const catalogText = JSON.stringify(catalog);

describe("Node's HTTP client as the provider client's transport", () => {
  it('asks for gzip, deflate and br and undoes each, digesting the bytes as decoded', async () => {
    const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
    for (const [coding, encode] of Object.entries(encoders)) {
      handlers.set('/models', (_request, response) => {
        const body = encode(Buffer.from(catalogText));
        response.writeHead(200, { 'content-encoding': coding, 'content-length': body.length }).end(body);
      });
      const body = await client().getDigestedBody(`${base}/models`);
      expect(body.json(), coding).toEqual(catalog);
    }
    handlers.set('/plain', (_request, response) => response.writeHead(200).end(catalogText));
    const digests = new Set<string>();
    for (const path of ['/models', '/plain'])
      digests.add((await client().getDigestedBody(`${base}${path}`)).digest);
    expect(digests.size).toBe(1);
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('reads a small gzip body longer as sent than decoded, and fails a corrupt or cut-off one as a network error', async () => {
    handlers.set('/empty', (_request, response) => {
      const body = gzipSync('{"data":[]}');
      expect(body.length).toBeGreaterThan('{"data":[]}'.length);
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
    });
    expect(await client().getJson(`${base}/empty`)).toEqual({ data: [] });

    handlers.set('/corrupt', (_request, response) => {
      const body = gzipSync(catalogText);
      body[body.length - 5]! ^= 0xff;
      response.writeHead(200, { 'content-encoding': 'gzip' }).end(body);
    });
    const corrupt = await failure(client().getJson(`${base}/corrupt`));
    expect(corrupt).toMatchObject({ reason: 'network', retryable: true });

    handlers.set('/cut', (_request, response) => {
      const body = gzipSync(catalogText);
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.write(body.subarray(0, body.length - 8));
      response.socket?.destroy();
    });
    const cut = await failure(client().getJson(`${base}/cut`));
    expect(cut).toMatchObject({ reason: 'network', retryable: true });
  });

  it('leaves a coding it does not know as sent, as fetch does', async () => {
    handlers.set('/odd', (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'zstd-of-the-future' }).end(catalogText),
    );
    expect(await client().getJson(`${base}/odd`)).toEqual(catalog);
  });

  it('follows redirects, keeping the key within the origin and dropping it when one leaves it', async () => {
    handlers.set('/old', (_request, response) => response.writeHead(301, { location: '/moved' }).end());
    handlers.set('/moved', (_request, response) =>
      response.writeHead(307, { location: `${otherBase}/elsewhere?x=1` }).end('{"ignored":true}'),
    );
    handlers.set('/elsewhere', (_request, response) => response.writeHead(200).end(catalogText));
    expect(await client({ apiKey: 'sk-secret' }).getJson(`${base}/old`)).toEqual(catalog);
    expect(seen.map((request) => request.path)).toEqual(['/old', '/moved', '/elsewhere?x=1']);
    expect(seen.map((request) => request.headers.authorization)).toEqual([
      'Bearer sk-secret',
      'Bearer sk-secret',
      undefined,
    ]);
    expect(seen[2]?.headers['user-agent']).toMatch(/^pricing-sync\//);
  });

  it('stops a redirect loop after 20 hops, as a network error', async () => {
    handlers.set('/loop', (_request, response) => response.writeHead(302, { location: '/loop' }).end());
    const error = await failure(client().getJson(`${base}/loop`));
    expect(error).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(/more than 20 redirects/);
    expect(seen).toHaveLength(21);
  });

  it('reads a 3xx without a Location as an HTTP error, not a redirect', async () => {
    handlers.set('/nowhere', (_request, response) => response.writeHead(302).end('{"error":"gone"}'));
    const error = await failure(client().getJson(`${base}/nowhere`));
    expect(error).toMatchObject({ reason: 'http', status: 302 });
    expect(error.message).toMatch(/HTTP 302 .*"error":"gone"/);
  });

  it('cuts off a body that keeps coming past the cap and closes the connection', async () => {
    let closed = false;
    handlers.set('/endless', (request, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 32);
      const timer = setInterval(() => response.write(chunk), 1);
      request.socket.on('close', () => {
        clearInterval(timer);
        closed = true;
      });
    });
    const error = await failure(client({ maxResponseBytes: 100_000 }).getJson(`${base}/endless`));
    expect(error).toMatchObject({ reason: 'too_large', retryable: false });
    expect(error.message).toMatch(/sent more than that/);
    await expect.poll(() => closed).toBe(true);
  });

  it('costs one request for an answer that is not HTTP (a malformed header)', async () => {
    const raw = createTcpServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nBad Header\0: x\r\n\r\n{}'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/models`;
    try {
      const error = await failure(client().getJson(url));
      expect(error).toMatchObject({ reason: 'network', retryable: true });
      expect(error.causeCode).toMatch(/^HPE_/);
      // The same client still works for the next request.
      handlers.set('/models', (_request, response) => response.writeHead(200).end(catalogText));
      expect(await client().getJson(`${base}/models`)).toEqual(catalog);
    } finally {
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('refuses a URL that is not http or https without sending anything', async () => {
    const error = await failure(client().getJson('ftp://127.0.0.1/models'));
    expect(error).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(/unsupported protocol ftp:/);
  });

  it("closes a redirect's body instead of reading it: an endless one neither costs the bytes nor holds the process", async () => {
    let sent = 0;
    let closed = false;
    handlers.set('/endless-redirect', (request, response) => {
      response.writeHead(302, { location: '/models' });
      const chunk = Buffer.alloc(16 * 1024, 32);
      const timer = setInterval(() => {
        sent += chunk.length;
        response.write(chunk);
      }, 1);
      request.socket.on('close', () => {
        clearInterval(timer);
        closed = true;
      });
    });
    handlers.set('/models', (_request, response) => response.writeHead(200).end(catalogText));
    expect(await client({ maxResponseBytes: 1000 }).getJson(`${base}/endless-redirect`)).toEqual(catalog);
    await expect.poll(() => closed).toBe(true);
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('stops a compressed body that arrived whole when the run is aborted, not decoding the rest', async () => {
    // 5 MB of decoded bytes in ~5 KB sent: the whole body is in before the abort.
    const bomb = gzipSync(Buffer.alloc(5_000_000, 32));
    handlers.set('/bomb', (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb),
    );
    const run = new AbortController();
    let charged = 0;
    const budget = {
      chargeBytes(count: number) {
        charged += count;
        // The run's deadline passes while the first chunk is counted.
        run.abort();
      },
    };
    const error = await failure(client().getJson(`${base}/bomb`, { signal: run.signal, budget }));
    expect(error).toMatchObject({ reason: 'timeout', retryable: false });
    expect(error.message).toMatch(/aborted by the caller/);
    expect(charged).toBeLessThan(1_000_000);
  });

  it('reads an empty body labelled gzip (204, or a length of 0) as empty, not as a network error', async () => {
    handlers.set('/no-content', (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': 0 }).end(),
    );
    const error = await failure(client({ maxAttempts: 3 }).getJson(`${base}/no-content`));
    // What fetch said: an empty body is not JSON, and asking again would not change it.
    expect(error).toMatchObject({ reason: 'schema', retryable: false, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('reads deflate sent raw (no zlib header) as fetch does, and a chunked gzip body with nothing in it as empty', async () => {
    handlers.set('/raw', (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateRawSync(catalogText)),
    );
    expect(await client().getJson(`${base}/raw`)).toEqual(catalog);
    // No length and no bytes: an empty body, which is not JSON (as fetch said), not a broken stream.
    handlers.set('/nothing', (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'gzip' }).end(),
    );
    const error = await failure(client({ maxAttempts: 3 }).getJson(`${base}/nothing`));
    expect(error).toMatchObject({ reason: 'schema', retryable: false, attempts: 1 });
    // A connection reset before the first byte of a compressed body is a cut-off, not an empty body.
    handlers.set('/reset', (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.flushHeaders();
      setTimeout(() => response.socket?.destroy(), 20);
    });
    expect(await failure(client().getJson(`${base}/reset`))).toMatchObject({
      reason: 'network',
      retryable: true,
    });
  });

  it('stops a compressed body whose bytes never come when the run is aborted', async () => {
    handlers.set('/stalled', (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.flushHeaders();
    });
    const run = new AbortController();
    const answer = failure(client().getJson(`${base}/stalled`, { signal: run.signal }));
    setTimeout(() => run.abort(), 50);
    expect(await answer).toMatchObject({ reason: 'timeout', retryable: false });
  });

  it('speaks https, and refuses a certificate it cannot verify (fail closed)', async () => {
    const tls = createTlsServer({ cert: TEST_CERT, key: TEST_KEY }, (_request, response) =>
      response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(catalogText)),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/models`;
    const trusted = httpsAgent.options.ca;
    try {
      const refused = await failure(client().getJson(url));
      expect(refused).toMatchObject({ reason: 'network' });
      expect(refused.causeCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      // Trusted (as a provider's real certificate is, by the system's CAs), the same server answers.
      httpsAgent.options.ca = TEST_CERT;
      expect(await client().getJson(url)).toEqual(catalog);
    } finally {
      httpsAgent.options.ca = trusted;
      httpsAgent.destroy();
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});

// A self-signed certificate for 127.0.0.1 made for this test (`openssl req -x509 -newkey ec
// -pkeyopt ec_paramgen_curve:prime256v1 -days 36500 -subj /CN=127.0.0.1 -addext
// subjectAltName=IP:127.0.0.1`), valid until 2126. Its key protects nothing.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUaj26p/torkQDfAqbkqaZpsvQNYYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNzE5MTYyOVoYDzIxMjYxMTEz
MTkxNjI5WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQss9iZviU/pUsQt+Qv4R1e1S5FY5y99ACh5aLgfrojlUACggzWCuul
kOLbSG59ho/FLCWCVzMHyb53bjSzN7YCo2QwYjAdBgNVHQ4EFgQUn3xEUdrTQL53
CwbstOH+CuFEK7gwHwYDVR0jBBgwFoAUn3xEUdrTQL53CwbstOH+CuFEK7gwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IB8WSJEXrEZOL48t1dXIH+q3xelhl+5YmvturDRDfu34AiEA54edugLi9yUSNPxp
8NHUBK3KKopmmAc6B6UmyfieuPk=
-----END CERTIFICATE-----`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWkcmQgbuYfA6ByvG
XSaZRetIUo/xV8L91X24r7zzynahRANCAAQss9iZviU/pUsQt+Qv4R1e1S5FY5y9
9ACh5aLgfrojlUACggzWCuulkOLbSG59ho/FLCWCVzMHyb53bjSzN7YC
-----END PRIVATE KEY-----`;
