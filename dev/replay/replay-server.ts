/**
 * A local stand-in for all five providers, on 127.0.0.1, serving seeded catalogs in their real
 * formats with knobs for latency, failures, broken bodies and catalog changes. Tests and benchmarks
 * start it in-process (`startReplayServer`); `npm run providers:replay` runs it standalone.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatalogMutation } from './generate-catalog.js';
import type { ReplayRenderer } from './replay-renderers.js';
import { REPLAY_RENDERERS } from './replay-renderers.js';

/** The endpoints served; `litellm` (the cost map) is read by both the `litellm` and `alibaba-cloud` sources. */
export type ReplayRoute = keyof typeof REPLAY_RENDERERS;
export const REPLAY_ROUTES = Object.keys(REPLAY_RENDERERS) as ReplayRoute[];

export interface ReplayScenario extends CatalogMutation {
  /** Catalog size before mutations. Default 200. */
  size: number;
  seed: number;
  /** Delay before answering each request. */
  latencyMs: number;
  /** Answer the first N requests (counted from the last `setScenario`) with `errorStatus`. */
  failFirst: number;
  errorStatus: number;
  /** `Retry-After` header value sent with those errors (seconds or an HTTP date). */
  retryAfter: string | null;
  /** Declare the full length, send half the body, then drop the connection. */
  truncateBody: boolean;
  /** Send a body that is not valid JSON (a cut-short document with a complete length). */
  malformedJson: boolean;
  /** Accept the request and never answer. */
  hang: boolean;
  /** Serve a catalog with no models. */
  empty: boolean;
  /**
   * Serve this JSON instead of a generated catalog (hand-written fixtures). An array is the item
   * list, paged like the generated one on NEAR and Featherless; anything else is served verbatim.
   */
  body: unknown;
}

export const DEFAULT_SCENARIO: ReplayScenario = {
  size: 200,
  seed: 1,
  latencyMs: 0,
  failFirst: 0,
  errorStatus: 503,
  retryAfter: null,
  truncateBody: false,
  malformedJson: false,
  hang: false,
  empty: false,
  body: undefined,
};

export interface RecordedRequest {
  route: ReplayRoute | null;
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
}

export interface ReplayServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Applied to every route, then `scenarios` per route on top. */
  defaults?: Partial<ReplayScenario>;
  scenarios?: Partial<Record<ReplayRoute, Partial<ReplayScenario>>>;
}

export interface ReplayServer {
  url: string;
  port: number;
  /** Env ready to pass to the provider registry. */
  baseUrls: Record<(typeof REPLAY_RENDERERS)[ReplayRoute]['env']['name'], string>;
  /** Replaces a route's scenario (or every route's, with `'all'`) by defaults + patch; resets its counters. */
  setScenario(route: ReplayRoute | 'all', patch: Partial<ReplayScenario>): void;
  scenario(route: ReplayRoute): ReplayScenario;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Largest control-request body read. */
const MAX_CONTROL_BODY_BYTES = 64 * 1024;

function renderer(route: ReplayRoute): ReplayRenderer {
  return REPLAY_RENDERERS[route];
}

function routeOf(path: string): ReplayRoute | null {
  const first = path.split('/')[1] ?? '';
  return (REPLAY_ROUTES as readonly string[]).includes(first) ? (first as ReplayRoute) : null;
}

export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const defaults: ReplayScenario = { ...DEFAULT_SCENARIO, ...options.defaults };
  const scenarios = new Map<ReplayRoute, ReplayScenario>();
  const counters = new Map<ReplayRoute, number>();
  for (const route of REPLAY_ROUTES) {
    scenarios.set(route, { ...defaults, ...options.scenarios?.[route] });
    counters.set(route, 0);
  }
  const requests: RecordedRequest[] = [];
  const cache = new Map<string, unknown>();

  function setScenario(route: ReplayRoute | 'all', patch: Partial<ReplayScenario>): void {
    // A scripted body (65 MiB, say) is rendered here, once, not while a client's timeout runs: the
    // server shares its process with the tests' clients, and rendering per request blocked them.
    if (patch.body !== null && typeof patch.body === 'object') {
      renderedBodies.delete(patch.body);
      bodyBytes(patch.body);
    }
    for (const target of route === 'all' ? REPLAY_ROUTES : [route]) {
      scenarios.set(target, { ...defaults, ...patch });
      counters.set(target, 0);
    }
  }

  /** Response bytes, kept per payload object (scripted bodies and cached catalogs repeat). */
  const renderedBodies = new WeakMap<object, Buffer>();
  function bodyBytes(payload: unknown): Buffer {
    if (payload === null || typeof payload !== 'object') return Buffer.from(JSON.stringify(payload));
    let bytes = renderedBodies.get(payload);
    if (!bytes) {
      bytes = Buffer.from(JSON.stringify(payload));
      renderedBodies.set(payload, bytes);
    }
    return bytes;
  }

  /** Generated catalogs, cached per route and catalog-shaping knobs (25k models render in ~0.2 s). */
  function catalogFor(route: ReplayRoute, scenario: ReplayScenario): unknown {
    if (scenario.body !== undefined) return scenario.body;
    const generate = {
      seed: scenario.seed,
      size: scenario.empty ? 0 : scenario.size,
      keepFraction: scenario.keepFraction,
      priceChangeFraction: scenario.priceChangeFraction,
      priceChangeFactor: scenario.priceChangeFactor,
      swingModelIndex: scenario.swingModelIndex,
      swingFactor: scenario.swingFactor,
      removeModelIndex: scenario.removeModelIndex,
    };
    const key = `${route}:${JSON.stringify(generate)}`;
    let catalog = cache.get(key);
    if (catalog === undefined) {
      if (cache.size > 32) cache.clear();
      catalog = renderer(route).generate(generate);
      cache.set(key, catalog);
    }
    return catalog;
  }

  function payloadFor(
    route: ReplayRoute,
    path: string,
    query: URLSearchParams,
    scenario: ReplayScenario,
  ): unknown {
    const render = renderer(route);
    if (path !== render.endpoint) return undefined;
    // A hand-written body is served verbatim, unless it is a list of items to page through.
    if (scenario.body !== undefined && !Array.isArray(scenario.body)) return scenario.body;
    const catalog = catalogFor(route, scenario);
    if (render.page) return render.page(Array.isArray(catalog) ? catalog : [], query);
    return catalog;
  }

  async function handleControl(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    if (path === '/_control/requests' && request.method === 'GET') {
      sendJson(response, 200, requests);
      return;
    }
    if (path === '/_control/scenario' && request.method === 'POST') {
      let received = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of request as AsyncIterable<Buffer>) {
        received += chunk.byteLength;
        if (received > MAX_CONTROL_BODY_BYTES) {
          sendJson(response, 413, { error: 'control body too large' });
          return;
        }
        chunks.push(chunk);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendJson(response, 400, { error: 'body must be JSON: {"route": "openrouter" | "all", ...scenario}' });
        return;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        sendJson(response, 400, { error: 'body must be a JSON object' });
        return;
      }
      const { route = 'all', ...patch } = body as Record<string, unknown>;
      if (route !== 'all' && !(REPLAY_ROUTES as readonly unknown[]).includes(route)) {
        sendJson(response, 400, { error: `route must be "all" or one of ${REPLAY_ROUTES.join(', ')}` });
        return;
      }
      const known = Object.keys(DEFAULT_SCENARIO).concat([
        'keepFraction',
        'priceChangeFraction',
        'priceChangeFactor',
        'swingModelIndex',
        'swingFactor',
        'removeModelIndex',
      ]);
      const unknown = Object.keys(patch).filter((key) => !known.includes(key));
      if (unknown.length > 0) {
        sendJson(response, 400, {
          error: `unknown scenario keys: ${unknown.join(', ')}; known: ${known.join(', ')}`,
        });
        return;
      }
      setScenario(route as ReplayRoute | 'all', patch as Partial<ReplayScenario>);
      sendJson(response, 200, { ok: true, route });
      return;
    }
    sendJson(response, 404, { error: 'control endpoints: POST /_control/scenario, GET /_control/requests' });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/_control/')) {
      await handleControl(request, response, path);
      return;
    }
    const route = routeOf(path);
    requests.push({
      route,
      method: request.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: {
        'user-agent': request.headers['user-agent'],
        authorization: request.headers.authorization,
        accept: request.headers.accept,
      },
    });
    if (!route || request.method !== 'GET') {
      sendJson(response, 404, { error: `no such endpoint: ${request.method} ${path}` });
      return;
    }
    const scenario = scenarios.get(route) ?? defaults;
    const count = (counters.get(route) ?? 0) + 1;
    counters.set(route, count);
    if (scenario.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, scenario.latencyMs));
    if (scenario.hang) return;
    if (count <= scenario.failFirst) {
      if (scenario.retryAfter !== null) response.setHeader('retry-after', scenario.retryAfter);
      sendJson(response, scenario.errorStatus, {
        error: { message: `replay: scripted failure ${count} of ${scenario.failFirst}` },
      });
      return;
    }
    if (renderer(route).requiresKey && !request.headers.authorization) {
      sendJson(response, 401, { error: { message: 'DashScope needs an API key' } });
      return;
    }
    const payload = payloadFor(route, path, url.searchParams, scenario);
    if (payload === undefined) {
      sendJson(response, 404, { error: `no such endpoint: GET ${path}` });
      return;
    }
    const body = bodyBytes(payload);
    if (scenario.truncateBody) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.byteLength });
      response.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => response.destroy());
      return;
    }
    if (scenario.malformedJson) {
      const broken = Buffer.concat([
        body.subarray(0, Math.max(1, Math.floor(body.byteLength / 2))),
        Buffer.from('<html>'),
      ]);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': broken.byteLength });
      response.end(broken);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.byteLength });
    response.end(body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    baseUrls: Object.fromEntries(
      REPLAY_ROUTES.map((route) => [renderer(route).env.name, `${url}${renderer(route).env.path}`]),
    ) as ReplayServer['baseUrls'],
    setScenario,
    scenario: (route) => ({ ...(scenarios.get(route) ?? defaults) }),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests never end on their own.
        server.closeAllConnections();
      }),
  };
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  const body = Buffer.from(JSON.stringify(payload));
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': body.byteLength });
  response.end(body);
}
