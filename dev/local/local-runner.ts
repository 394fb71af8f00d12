import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import vercelJson from '../../vercel.json' with { type: 'json' };
import { createAppContext, setAppContext, type AppContext } from '../../lib/app/app-context.js';
import { openStore, storageConfigFromEnv } from '../../lib/db/open-store.js';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import type { Logger } from '../../lib/logging/logger.js';
import { isRefusal } from '../../lib/edge/method-not-allowed.js';
import { booleanWord } from '../../lib/text/boolean-word.js';
import { configErrorsFor } from '../../lib/config.js';
import { nextCronTime } from '../../lib/scheduler/cron-schedule.js';
import { configuredHeaders, staticFile } from './static-files.js';

type RouteModule = Partial<Record<string, (request: Request) => Promise<Response>>>;

/** The functions under api/, by path: a fixed table, so a URL can never name another file. */
const ROUTES: Record<string, () => Promise<RouteModule>> = {
  '/api/cron/pricing-sync': () => import('../../api/cron/pricing-sync.js'),
  '/api/admin/pricing/scheduler/status': () => import('../../api/admin/pricing/scheduler/status.js'),
  '/api/admin/pricing/scheduler/trigger': () => import('../../api/admin/pricing/scheduler/trigger.js'),
  '/api/metrics': () => import('../../api/metrics.js') as Promise<RouteModule>,
  '/api/health': () => import('../../api/health.js'),
  '/api/prices': () => import('../../api/prices.js'),
  '/api/prices/litellm': () => import('../../api/prices/litellm.js'),
  '/api/admin/pricing/held': () => import('../../api/admin/pricing/held.js'),
  '/api/admin/pricing/pins': () => import('../../api/admin/pricing/pins.js'),
  '/api/admin/pricing/runs': () => import('../../api/admin/pricing/runs.js'),
  '/api/admin/pricing/prices': () => import('../../api/admin/pricing/prices.js'),
};

export interface LocalRunnerOptions {
  env: Record<string, string | undefined>;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  store?: PricingStore;
  logger?: Logger;
  /** Called after each emulated cron tick with the function's answer (parsed JSON, or null). */
  onCronTick?: (tick: { path: string; status: number; body: unknown }) => void;
}

export interface LocalRunner {
  url: string;
  port: number;
  context: AppContext;
  /** Emulated cron ticks sent so far. */
  readonly cronTicks: number;
  close(): Promise<void>;
}

/** Applies vercel.json's rewrites (`:name` segments), as Vercel does before routing. */
export function rewritePath(path: string): string {
  for (const rule of vercelJson.rewrites) {
    const names: string[] = [];
    const pattern = rule.source.replace(/:([a-z]+)/gi, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (!match) continue;
    let destination = rule.destination;
    names.forEach((name, index) => {
      destination = destination.replace(`:${name}`, match[index + 1]!);
    });
    return destination;
  }
  return path;
}

/** As Vercel: a file under public/ first, then the rewrites to the functions; vercel.json's headers on every answer. */
async function answer(path: string, request: Request): Promise<Response> {
  const response = (await staticFile(request.method, path)) ?? (await toResponse(rewritePath(path), request));
  const extra = configuredHeaders(path);
  if (extra.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of extra) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function toResponse(route: string | undefined, request: Request): Promise<Response> {
  const load = route ? ROUTES[route] : undefined;
  if (!load) return Response.json({ success: false, error: 'not found' }, { status: 404 });
  const module = await load();
  const handler = module[request.method];
  if (!handler) {
    // The methods the function serves, not every one it exports: PUT on /admin/pricing/held is
    // exported only to refuse it.
    const allow = Object.entries(module)
      .filter(([name, exported]) => /^[A-Z]+$/.test(name) && !isRefusal(exported))
      .map(([name]) => name)
      .sort();
    return Response.json(
      { success: false, error: `method ${request.method} not allowed` },
      { status: 405, headers: { allow: allow.join(', ') } },
    );
  }
  return handler(request);
}

/**
 * The request body as a web stream. Not `Readable.toWeb`: when a handler stops reading early (a
 * 413), its stream is closed while the socket still delivers chunks, and enqueuing them throws
 * `ERR_INVALID_STATE` outside any try, killing the process. Here a cancelled body is drained and
 * dropped.
 */
function bodyStream(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      incoming.on('data', (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      });
      incoming.once('end', () => {
        if (done) return;
        done = true;
        controller.close();
      });
      incoming.once('error', (error) => {
        if (done) return;
        done = true;
        controller.error(error);
      });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      done = true;
      incoming.resume();
    },
  });
}

function toRequest(incoming: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) value.forEach((item) => headers.append(name, item));
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
  return new Request(new URL(incoming.url ?? '/', base), {
    method: incoming.method,
    headers,
    body: hasBody ? bodyStream(incoming) : undefined,
    duplex: 'half',
  } as RequestInit);
}

async function send(response: Response, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  // Answered before the body was read (a 413, a 401): the rest of the body is still on the
  // connection, so it cannot carry another request.
  if (!incoming.complete) headers.connection = 'close';
  outgoing.writeHead(response.status, headers);
  if (!response.body) {
    outgoing.end();
    return;
  }
  // Streamed as the function produces it, as Vercel does (the LiteLLM map is several MB).
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), outgoing);
}

/**
 * Serves public/ and the functions under api/ on localhost with vercel.json's rewrites and
 * headers, and (unless
 * LOCAL_CRON=off) emulates its crons: a first tick LOCAL_CRON_FIRST_DELAY_SECONDS (30) after
 * start, then on schedule, each sent over HTTP with the cron secret as Vercel sends it.
 */
export async function startLocalRunner(options: LocalRunnerOptions): Promise<LocalRunner> {
  const store = options.store ?? (await openStore(storageConfigFromEnv(options.env)));
  const context = createAppContext({ env: options.env, store, logger: options.logger });
  setAppContext(context);
  const logger = context.logger;

  const server = createServer((incoming, outgoing) => {
    let path: string;
    let request: Request;
    try {
      const base = `http://${incoming.headers.host ?? '127.0.0.1'}`;
      path = new URL(incoming.url ?? '/', base).pathname;
      request = toRequest(incoming, base);
    } catch {
      // A Host header or target that is not a URL (`Host: a b`): the client's mistake, not ours.
      outgoing.writeHead(400, { 'content-type': 'application/json', connection: 'close' });
      outgoing.end(
        JSON.stringify({ success: false, error: 'bad request: the URL or Host header is invalid' }),
      );
      return;
    }
    answer(path, request)
      .then((response) => send(response, incoming, outgoing))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'local runner: request failed');
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ success: false, error: 'internal error' }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
  }).catch(async (error: unknown) => {
    // A taken port: give the store (and PGlite's folder lock) back before reporting it.
    setAppContext(null);
    if (!options.store) await store.close().catch(() => undefined);
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  let cronTicks = 0;
  const timers = new Set<NodeJS.Timeout>();
  const cronOff = booleanWord(options.env.LOCAL_CRON) === false;
  const syncErrors = configErrorsFor(context.config, 'sync');
  if (!cronOff && syncErrors.length > 0) {
    // Every tick would fail the same way: say so once, instead of announcing a scheduler.
    logger.error(
      { config_errors: syncErrors },
      '❌ Pricing sync scheduler not started: invalid configuration',
    );
  } else if (!cronOff) {
    const firstDelaySeconds = Number(options.env.LOCAL_CRON_FIRST_DELAY_SECONDS ?? 30);
    logger.info(`🔄 Starting pricing sync scheduler (interval: ${context.config.intervalHours}h)...`);
    // The next tick of the sync's cron, for status' next_run_at.
    let nextTickAt: Date | null = new Date(Date.now() + firstDelaySeconds * 1000);
    context.nextCronTick = () => nextTickAt;
    for (const cron of vercelJson.crons) {
      const tick = async () => {
        cronTicks += 1;
        try {
          const started = performance.now();
          const response = await fetch(`${url}${cron.path}`, {
            headers: {
              authorization: `Bearer ${context.config.cronSecret ?? ''}`,
              'user-agent': 'vercel-cron/1.0 (local)',
            },
          });
          const body: unknown = await response.json().catch(() => null);
          // One line, not the whole answer: the details are in the status endpoint.
          logger.info(
            {
              path: cron.path,
              status: response.status,
              duration_ms: Math.round(performance.now() - started),
              ...cronTickSummary(body),
            },
            'local cron tick',
          );
          options.onCronTick?.({ path: cron.path, status: response.status, body });
        } catch (error) {
          logger.error({ err: error, path: cron.path }, 'local cron tick failed');
        }
      };
      const schedule = () => {
        const next = nextCronTime(cron.schedule, new Date());
        nextTickAt = next;
        const delay = Math.max(0, next.getTime() - Date.now());
        const timer = setTimeout(() => {
          timers.delete(timer);
          void tick().finally(schedule);
        }, delay);
        timers.add(timer);
      };
      const first = setTimeout(() => {
        timers.delete(first);
        void tick().finally(schedule);
      }, firstDelaySeconds * 1000);
      timers.add(first);
    }
    logger.info('✅ Pricing sync scheduler started');
  }

  return {
    url,
    port,
    context,
    get cronTicks() {
      return cronTicks;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      setAppContext(null);
      if (!options.store) await store.close();
      logger.info('Pricing sync scheduler stopped');
    },
  };
}

/** The few fields of a cron answer worth a log line: what happened and how much. */
export function cronTickSummary(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const answer = body as Record<string, unknown>;
  const pick = (name: string) => (answer[name] === undefined ? {} : { [name]: answer[name] });
  return {
    ...pick('skipped'),
    ...pick('run_id'),
    ...(answer.status === undefined ? {} : { run_status: answer.status }),
    ...pick('total_models_updated'),
    ...pick('total_errors'),
    ...pick('error'),
  };
}
