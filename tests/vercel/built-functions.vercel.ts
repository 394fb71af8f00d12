import { execFile, spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import {
  buildCleanCopy,
  filesUnder,
  PLANTED_CONTENT,
  PLANTED_LOCAL_FILES,
  type VercelBuild,
} from './vercel-build.js';

const run = promisify(execFile);
const REPOSITORY = process.cwd();
const CALLER = join(REPOSITORY, 'tests/vercel/call-built-function.mjs');
const RECORDER = join(REPOSITORY, 'tests/vercel/record-resolutions.mjs');
const UPLOAD_LISTER = join(REPOSITORY, 'tests/vercel/list-upload.mjs');
/** A module of OpenTelemetry's NodeSDK, as a resolved URL. */
const SDK_NODE = /\/node_modules\/@opentelemetry\/sdk-node\//;
/** Goal for one function's files (it was 24 MB when PGlite was traced into every function). */
const MAX_FUNCTION_BYTES = 12 * 1024 * 1024;
const ADMIN_KEY = 'admin-key-for-the-vercel-tier';
const CRON_SECRET = 'cron-secret-for-the-vercel-tier';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const CRON = { authorization: `Bearer ${CRON_SECRET}` };
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface Answer extends Omit<Call, 'body'> {
  status: number;
  missing?: boolean;
  contentType: string | null;
  etag: string | null;
  cacheControl: string | null;
  bodyBytes: number;
  body: unknown;
  answeredMs: number;
  importedMs: number;
}
interface BuiltFunction {
  /** `api/health` for `api/health.ts`. */
  name: string;
  directory: string;
  entry: string;
  config: Record<string, unknown>;
}

/** Runs `calls` in a fresh plain-node process that imports one built function. */
async function callBuilt(
  fn: BuiltFunction,
  calls: Call[],
  env: Record<string, string | undefined>,
  options: { recordResolutions?: string; onSettled?: () => void; exitWhenSettled?: boolean } = {},
): Promise<{
  answers: Answer[];
  logs: Record<string, unknown>[];
  firstAnswerMs: number;
  /** performance.now() in this process when the first answer arrived. */
  firstAnswerAt: number;
}> {
  const args = options.recordResolutions ? ['--import', RECORDER] : [];
  const exitWhenSettled = options.exitWhenSettled ?? true;
  const startedAt = performance.now();
  let firstAnswerMs = NaN;
  let firstAnswerAt = NaN;
  const child = spawn(
    process.execPath,
    [...args, CALLER, JSON.stringify({ entry: fn.entry, calls, exitWhenSettled })],
    {
      cwd: fn.directory,
      env: { PATH: process.env.PATH, ...env, RESOLUTION_LOG: options.recordResolutions },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const answers: Answer[] = [];
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.settled) options.onSettled?.();
      else if ('method' in parsed && 'path' in parsed) {
        if (answers.length === 0) firstAnswerMs = performance.now() - startedAt;
        if (answers.length === 0) firstAnswerAt = performance.now();
        answers.push(parsed as unknown as Answer);
      } else logs.push(parsed);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${fn.name} exited with ${code}: ${stderr}`);
  return { answers, logs, firstAnswerMs, firstAnswerAt };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

describe('what `vercel build` ships (Vercel CLI, offline, clean copy)', () => {
  let build: VercelBuild;
  let functions: BuiltFunction[];
  let vercelJson: {
    crons: unknown[];
    rewrites: { source: string; destination: string }[];
    functions: Record<string, { maxDuration?: number }>;
  };
  let harness: SyncHarness;
  const called = new Set<string>();
  const scratch: string[] = [];

  beforeAll(async () => {
    const cli = process.env.PRICING_SYNC_VERCEL_CLI;
    if (!cli)
      throw new Error('run this tier with `npm run test:vercel`, which installs the pinned Vercel CLI');
    vercelJson = JSON.parse(readFileSync(join(REPOSITORY, 'vercel.json'), 'utf8'));
    [build, harness] = await Promise.all([
      buildCleanCopy(REPOSITORY, cli),
      startSyncHarness({ LOG_LEVEL: 'silent' }),
    ]);
    const sources = (await filesUnder(join(build.root, 'api'))).filter((file) => /\.[cm]?ts$/.test(file));
    functions = await Promise.all(
      sources.map(async (file) => {
        const name = `api/${file.replace(/\.[cm]?ts$/, '')}`;
        const directory = join(build.output, 'functions', `${name}.func`);
        const config = JSON.parse(await readFile(join(directory, '.vc-config.json'), 'utf8'));
        return { name, directory, entry: join(directory, config.handler as string), config };
      }),
    );
  }, 20 * 60_000);

  afterAll(async () => {
    await harness?.close();
    if (build) await rm(build.root, { recursive: true, force: true });
    for (const directory of scratch) await rm(directory, { recursive: true, force: true });
  });

  it('builds one function per api/**/*.ts and nothing else, without an engines warning', async () => {
    const built = (await filesUnder(join(build.output, 'functions')))
      .filter((file) => file.endsWith('.func/.vc-config.json'))
      .map((file) => file.replace(/\.func\/\.vc-config\.json$/, ''));
    expect(built.sort()).toEqual(functions.map((fn) => fn.name).sort());
    expect(functions.length).toBeGreaterThanOrEqual(5);
    expect(build.log).toContain('Build Completed');
    expect(build.log).not.toMatch(/engines/i);
  });

  it('publishes no file of the repository: the static output is public/ and only that', async () => {
    const published = await filesUnder(join(build.output, 'static'));
    const intended = await filesUnder(join(build.root, 'public'));
    expect(published).toEqual(intended);
    const everything = await filesUnder(build.output);
    for (const planted of PLANTED_LOCAL_FILES) {
      expect(everything.filter((file) => file.endsWith(planted))).toEqual([]);
    }
    // Nor their content under another name (a function's includeFiles, an env file inlined).
    const carrying: string[] = [];
    for (const file of everything) {
      const bytes = await readFile(join(build.output, file)).catch(() => Buffer.alloc(0));
      if (bytes.includes(PLANTED_CONTENT)) carrying.push(file);
    }
    expect(carrying).toEqual([]);
  });

  it('never uploads .data/ or .env files: what the pinned CLI itself would upload on `vercel deploy`', async () => {
    const cli = realpathSync(process.env.PRICING_SYNC_VERCEL_CLI!);
    const { stdout } = await run(
      process.execPath,
      [UPLOAD_LISTER, join(dirname(cli), 'chunks'), build.root],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const uploaded = JSON.parse(stdout) as string[];
    // Not vacuous: the sources Vercel builds from are uploaded.
    expect(uploaded).toEqual(expect.arrayContaining(['package.json', 'vercel.json', 'api/health.ts']));
    // Not even an empty .data folder, and no .env file of any name.
    expect(uploaded.filter((path) => /(^|\/)\.data(\/|$)|(^|\/)\.env/.test(path))).toEqual([]);
    expect(uploaded.filter((path) => path.startsWith('node_modules/'))).toEqual([]);
  });

  it('keeps the cron and the rewrites of vercel.json in config.json', async () => {
    const config = JSON.parse(await readFile(join(build.output, 'config.json'), 'utf8'));
    expect(config.crons).toEqual(vercelJson.crons);
    const destinations = (config.routes as { dest?: string }[]).map((route) => route.dest);
    for (const rewrite of vercelJson.rewrites) {
      expect(destinations).toContain(rewrite.destination.replace(':action', '$1'));
    }
    // The console's security headers, on every path (as the local runner applies them).
    const headerRoutes = (config.routes as { headers?: Record<string, string> }[]).filter(
      (route) => route.headers?.['Content-Security-Policy'] !== undefined,
    );
    expect(headerRoutes.length).toBeGreaterThan(0);
    expect(headerRoutes[0]!.headers).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    expect(headerRoutes[0]!.headers!['Content-Security-Policy']).toContain("connect-src 'self'");
  });

  it("configures each function: Node runtime from engines, vercel.json's maxDuration", () => {
    const engines = JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')).engines.node as string;
    const newestMajor = Math.max(...[...engines.matchAll(/(\d+)\.x/g)].map((match) => Number(match[1])));
    for (const fn of functions) {
      expect(fn.config, fn.name).toMatchObject({
        runtime: `nodejs${newestMajor}.x`,
        launcherType: 'Nodejs',
        handler: `${fn.name}.js`,
      });
      expect(fn.config.maxDuration, fn.name).toBe(vercelJson.functions[`${fn.name}.ts`]?.maxDuration);
    }
    const byName = new Map(functions.map((fn) => [fn.name, fn.config]));
    expect(byName.get('api/cron/pricing-sync')?.maxDuration).toBe(300);
    expect(byName.get('api/admin/pricing/scheduler/trigger')?.maxDuration).toBe(300);
    expect(byName.get('api/admin/pricing/held')?.maxDuration).toBe(300);
    expect(byName.get('api/admin/pricing/runs')?.maxDuration).toBe(300);
  });

  it('traces PGlite into no function and keeps each within 12 MB', async () => {
    const rows: string[] = [];
    for (const fn of functions) {
      const files = await filesUnder(fn.directory);
      expect(
        files.filter((file) => /electric-sql|pglite\.(wasm|data)/i.test(file)),
        fn.name,
      ).toEqual([]);
      let bytes = 0;
      for (const file of files) bytes += (await stat(join(fn.directory, file))).size;
      rows.push(
        `${fn.name.padEnd(42)} ${(bytes / 1024 / 1024).toFixed(1).padStart(6)} MB  ${files.length} files`,
      );
      expect(bytes, fn.name).toBeLessThanOrEqual(MAX_FUNCTION_BYTES);
    }
    console.log(`function sizes (goal <= 12 MB):\n${rows.join('\n')}`);
  });

  it('answers against a real Postgres when imported in plain node, every function called', async () => {
    const env = { ...harness.env, VERCEL: '1', CRON_SECRET, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent' };
    const byName = new Map(functions.map((fn) => [fn.name, fn]));
    const get = (name: string) => {
      const fn = byName.get(name);
      if (!fn) throw new Error(`${name} was not built`);
      return fn;
    };
    const answer = async (name: string, calls: Call[]) => {
      const { answers } = await callBuilt(get(name), calls, env);
      called.add(name);
      return answers;
    };

    const [health] = await answer('api/health', [{ method: 'GET', path: '/health' }]);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok', store: 'postgres' } });

    const cron = await answer('api/cron/pricing-sync', [
      { method: 'GET', path: '/api/cron/pricing-sync' },
      { method: 'GET', path: '/api/cron/pricing-sync', headers: CRON },
      { method: 'GET', path: '/api/cron/pricing-sync', headers: CRON },
    ]);
    expect(cron.map((call) => call.status)).toEqual([401, 200, 200]);
    expect(cron[1]?.body).toMatchObject({ status: 'success' });
    expect(cron[2]?.body).toMatchObject({ success: true, skipped: 'not_due' });

    const trigger = await answer('api/admin/pricing/scheduler/trigger', [
      {
        method: 'POST',
        path: '/admin/pricing/scheduler/trigger',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: '{}',
      },
      { method: 'GET', path: '/admin/pricing/scheduler/trigger', headers: ADMIN },
    ]);
    expect(trigger.map((call) => call.status)).toEqual([200, 405]);
    expect(trigger[0]?.body).toMatchObject({ status: 'success', dry_run: false, triggered_by: 'admin' });

    const status = await answer('api/admin/pricing/scheduler/status', [
      { method: 'GET', path: '/admin/pricing/scheduler/status' },
      { method: 'GET', path: '/admin/pricing/scheduler/status', headers: ADMIN },
    ]);
    expect(status.map((call) => call.status)).toEqual([401, 200]);
    expect(status[1]?.body).toMatchObject({
      success: true,
      config_errors: [],
      last_run: { trigger: 'manual' },
    });

    const [metrics] = await answer('api/metrics', [{ method: 'GET', path: '/metrics' }]);
    expect(metrics?.status).toBe(200);
    expect(metrics?.body).toMatch(/^pricing_sync_runs_total\{trigger="cron",status="success"\} 1$/m);
    expect(metrics?.body).toMatch(/^pricing_sync_runs_total\{trigger="manual",status="success"\} 1$/m);

    // GET /prices: closed without a key, a page per call with a cursor to the next, 304 on its ETag.
    const prices = await answer('api/prices', [
      { method: 'GET', path: '/prices' },
      { method: 'GET', path: '/prices?limit=5', headers: ADMIN },
    ]);
    expect(prices.map((call) => call.status)).toEqual([401, 200]);
    const firstPage = prices[1]?.body as { prices: { provider: string }[]; next_cursor: string | null };
    expect(firstPage.prices).toHaveLength(5);
    expect(prices[1]?.cacheControl).toBe('private, no-store');
    let cursor = firstPage.next_cursor;
    let seen = firstPage.prices.length;
    while (cursor) {
      const [page] = await answer('api/prices', [
        { method: 'GET', path: `/prices?limit=50&cursor=${encodeURIComponent(cursor)}`, headers: ADMIN },
      ]);
      const body = page?.body as { prices: unknown[]; next_cursor: string | null };
      seen += body.prices.length;
      cursor = body.next_cursor;
    }
    expect(seen).toBeGreaterThan(40);
    const [unchanged] = await answer('api/prices', [
      { method: 'GET', path: '/prices?limit=5', headers: { ...ADMIN, 'if-none-match': prices[1]!.etag! } },
    ]);
    expect(unchanged?.status).toBe(304);

    // The LiteLLM map: 409 without the litellm provider; with it, after a sync, the whole streamed
    // body is LiteLLM's map with our prices layered over it, readable with no headers when public.
    const [noBase] = await answer('api/prices/litellm', [
      { method: 'GET', path: '/prices/model_prices_and_context_window.json', headers: ADMIN },
    ]);
    expect(noBase?.status).toBe(409);
    expect(JSON.stringify(noBase?.body)).toContain('PRICING_SYNC_PROVIDERS');
    const withLiteLlm = {
      ...env,
      PRICING_SYNC_PROVIDERS: 'openrouter,nearai,litellm',
      PRICES_PUBLIC: 'true',
    };
    const [synced] = (
      await callBuilt(
        get('api/admin/pricing/scheduler/trigger'),
        [
          {
            method: 'POST',
            path: '/admin/pricing/scheduler/trigger',
            headers: { ...ADMIN, 'content-type': 'application/json' },
            body: '{}',
          },
        ],
        withLiteLlm,
      )
    ).answers;
    expect(synced).toMatchObject({ status: 200, body: { status: 'success' } });
    const { answers: maps } = await callBuilt(
      get('api/prices/litellm'),
      [{ method: 'GET', path: '/prices/model_prices_and_context_window.json' }],
      withLiteLlm,
    );
    const map = maps[0]?.body as Record<string, { litellm_provider?: string; input_cost_per_token?: number }>;
    expect(maps[0]?.status).toBe(200);
    expect(maps[0]?.cacheControl).toMatch(/^public, /);
    expect(maps[0]?.bodyBytes).toBeGreaterThan(1000);
    const layered = Object.entries(map).filter(([key]) => key.startsWith('openrouter/'));
    expect(layered.length).toBeGreaterThan(0);
    expect(layered.every(([, entry]) => entry.litellm_provider === 'openrouter')).toBe(true);
    expect(Object.keys(map).some((key) => key.startsWith('nearai/'))).toBe(true);

    // Operator control (docs/operator-control.md): each function called for what it does.
    const JSON_ADMIN = { ...ADMIN, 'content-type': 'application/json' };
    const pricesAt = await answer('api/admin/pricing/prices', [
      { method: 'GET', path: '/admin/pricing/prices?limit=2' },
      { method: 'GET', path: '/admin/pricing/prices?limit=2', headers: ADMIN },
      { method: 'GET', path: '/admin/pricing/prices?at=yesterday', headers: ADMIN },
    ]);
    expect(pricesAt.map((call) => call.status)).toEqual([401, 200, 400]);
    const [pinned] = (pricesAt[1]?.body as { prices: { provider: string; model_id: string }[] }).prices;
    const pinQuery = `provider=${encodeURIComponent(pinned!.provider)}&model_id=${encodeURIComponent(pinned!.model_id)}`;
    const pinCalls = await answer('api/admin/pricing/pins', [
      {
        method: 'PUT',
        path: '/admin/pricing/pins',
        headers: JSON_ADMIN,
        body: JSON.stringify({
          provider: pinned!.provider,
          model_id: pinned!.model_id,
          prices: {
            input: '1.25',
            output: '2.5',
            cache_read: null,
            cache_write: null,
            request: null,
            image: null,
          },
          reason: 'vercel tier',
        }),
      },
      { method: 'GET', path: '/admin/pricing/pins', headers: ADMIN },
      { method: 'DELETE', path: `/admin/pricing/pins?${pinQuery}`, headers: ADMIN },
    ]);
    expect(pinCalls.map((call) => call.status)).toEqual([200, 200, 200]);
    expect((pinCalls[1]?.body as { pins: unknown[] }).pins).toHaveLength(1);
    const heldCalls = await answer('api/admin/pricing/held', [
      { method: 'GET', path: '/admin/pricing/held' },
      { method: 'GET', path: '/admin/pricing/held?status=all', headers: ADMIN },
      {
        method: 'POST',
        path: '/admin/pricing/held',
        headers: JSON_ADMIN,
        body: '{"action":"approve","ids":[999999]}',
      },
    ]);
    expect(heldCalls.map((call) => call.status)).toEqual([401, 200, 404]);
    const syncedRunId = (synced?.body as { run_id: number }).run_id;
    const runCalls = await answer('api/admin/pricing/runs', [
      { method: 'GET', path: '/admin/pricing/runs?limit=3', headers: ADMIN },
      {
        method: 'POST',
        path: '/admin/pricing/runs',
        headers: JSON_ADMIN,
        body: JSON.stringify({ action: 'rollback', run_id: syncedRunId, force: true }),
      },
    ]);
    expect(runCalls.map((call) => call.status)).toEqual([200, 200]);
    expect((runCalls[0]?.body as { runs: unknown[] }).runs).toHaveLength(3);
    expect(runCalls[1]?.body).toMatchObject({ success: true, rollback_of: syncedRunId });

    // Functions added later are called too, without editing this test: every exported method,
    // with both keys; a built function must answer, and not with a 500.
    for (const fn of functions.filter((candidate) => !called.has(candidate.name))) {
      const calls = METHODS.map((method) => ({
        method,
        path: `/${fn.name}`,
        headers: { ...ADMIN, 'x-cron': CRON.authorization },
      }));
      const { answers } = await callBuilt(fn, calls, env);
      const answered = answers.filter((call) => !call.missing);
      expect(answered.length, fn.name).toBeGreaterThan(0);
      for (const call of answered) expect(call.status, `${call.method} ${fn.name}`).toBeLessThan(500);
      called.add(fn.name);
    }
    expect([...called].sort()).toEqual(functions.map((fn) => fn.name).sort());
  });

  it('on Vercel without a database: 500 naming the variables, no driver loaded, no connection tried', async () => {
    const env = { VERCEL: '1', CRON_SECRET, ADMIN_API_KEY: ADMIN_KEY, PATH: process.env.PATH };
    const probe = await mkdtemp(join(tmpdir(), 'pricing-sync-resolutions-'));
    scratch.push(probe);
    const rows: string[] = [];
    for (const fn of functions) {
      const log = join(probe, `${fn.name.replaceAll('/', '_')}.log`);
      await writeFile(log, '');
      const calls = METHODS.map((method) => ({
        method,
        path: `/${fn.name}`,
        headers: { ...ADMIN, ...(fn.name.includes('cron') ? CRON : {}) },
      }));
      const { answers, logs } = await callBuilt(fn, calls, env, { recordResolutions: log });
      const answered = answers.filter((call) => !call.missing && call.status !== 405);
      expect(answered.length, fn.name).toBeGreaterThan(0);
      for (const call of answered) {
        expect(call, `${call.method} ${fn.name}`).toMatchObject({
          status: 500,
          body: { error: 'invalid configuration' },
        });
        const configErrors = (call.body as { config_errors: string[] }).config_errors.join('\n');
        expect(configErrors).toMatch(/DATABASE_URL/);
        expect(configErrors).toMatch(/SUPABASE_URL/);
        rows.push(
          `${fn.name.padEnd(42)} ${call.method.padEnd(5)} 500 in ${call.answeredMs.toFixed(1)} ms (import ${call.importedMs.toFixed(0)} ms)`,
        );
      }
      if (fn.name === 'api/cron/pricing-sync') {
        expect(logs.filter((line) => String(line.msg).includes('invalid configuration'))).toHaveLength(1);
      }
      const resolved = (await readFile(log, 'utf8')).split('\n');
      expect(
        resolved.filter((url) =>
          /electric-sql|\/node_modules\/pg\/|@supabase|pglite-adapter|postgres-adapter|supabase-adapter/.test(
            url,
          ),
        ),
        fn.name,
      ).toEqual([]);
      // Tracing is off (no OTLP endpoint): NodeSDK is not even imported, so cold start does not grow.
      expect(
        resolved.filter((url) => SDK_NODE.test(url)),
        fn.name,
      ).toEqual([]);
    }
    console.log(`no database on Vercel (answered without a connection):\n${rows.join('\n')}`);
  });

  it('exports every span of a request before the handler and its waitUntil promises have settled, through NodeSDK and the standard OTEL_* variables', async () => {
    const batches: { at: number; service: string; environment: string; tenant: string; spans: number }[] = [];
    const receiver: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const parsed = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: unknown[] }[];
          }[];
        };
        for (const resourceSpans of parsed.resourceSpans) {
          const attribute = (key: string) =>
            resourceSpans.resource.attributes.find((candidate) => candidate.key === key)?.value.stringValue ??
            '';
          batches.push({
            at: performance.now(),
            service: attribute('service.name'),
            environment: attribute('deployment.environment'),
            tenant: String(request.headers['x-pricing-sync-tier'] ?? ''),
            spans: resourceSpans.scopeSpans.reduce((sum, scope) => sum + scope.spans.length, 0),
          });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const probe = await mkdtemp(join(tmpdir(), 'pricing-sync-tracing-'));
    scratch.push(probe);
    try {
      const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const fn = functions.find((candidate) => candidate.name === 'api/admin/pricing/scheduler/trigger');
      if (!fn) throw new Error('trigger not built');
      const trigger: Call = {
        method: 'POST',
        path: '/admin/pricing/scheduler/trigger',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: '{"force": true}',
      };
      const tracing = {
        ...harness.env,
        VERCEL: '1',
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'silent',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        // The standard variables reach NodeSDK as they are: JSON (so this receiver can count
        // spans), a header on every export, a service name and a resource attribute.
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-pricing-sync-tier=traces-arrive',
        OTEL_SERVICE_NAME: 'pricing-sync-vercel-tier',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=vercel-tier',
      };
      const total = () => batches.reduce((sum, batch) => sum + batch.spans, 0);
      let atSettled = -1;
      let settledAt = NaN;
      const resolutions = join(probe, 'tracing-on.log');
      await writeFile(resolutions, '');
      const { answers, firstAnswerAt } = await callBuilt(fn, [trigger], tracing, {
        recordResolutions: resolutions,
        onSettled: () => {
          atSettled = total();
          settledAt = performance.now();
        },
        // Left to exit by itself, so that NodeSDK's shutdown on beforeExit sends whatever was left.
        exitWhenSettled: false,
      });
      expect(answers[0]).toMatchObject({ status: 200, body: { status: 'success' } });
      // After exit, NodeSDK's shutdown has sent anything left: nothing may be left.
      expect(total()).toBeGreaterThan(0);
      expect(atSettled).toBe(total());
      expect(batches.map(({ service, environment, tenant }) => ({ service, environment, tenant }))).toEqual(
        batches.map(() => ({
          service: 'pricing-sync-vercel-tier',
          environment: 'vercel-tier',
          tenant: 'traces-arrive',
        })),
      );
      // Tracing started through NodeSDK (imported only now: see the no-database test for tracing off).
      expect((await readFile(resolutions, 'utf8')).split('\n').some((url) => SDK_NODE.test(url))).toBe(true);
      const lastBatchAt = Math.max(...batches.map((batch) => batch.at));
      console.log(
        `traces: ${total()} spans in ${batches.length} export(s); the last arrived ${(lastBatchAt - firstAnswerAt).toFixed(0)} ms after the answer, ` +
          `the waitUntil promises settled ${(settledAt - firstAnswerAt).toFixed(0)} ms after it`,
      );

      // OTEL_TRACES_SAMPLER works as operators expect: always_off exports nothing.
      const before = total();
      const { answers: unsampled } = await callBuilt(fn, [trigger], {
        ...tracing,
        OTEL_TRACES_SAMPLER: 'always_off',
      });
      expect(unsampled[0]).toMatchObject({ status: 200 });
      expect(total()).toBe(before);
    } finally {
      receiver.close();
    }
  });

  it('cold start: a fresh node process importing each built function and answering its first request', async () => {
    const env = { ...harness.env, VERCEL: '1', CRON_SECRET, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent' };
    const first: Record<string, Call> = {
      'api/health': { method: 'GET', path: '/health' },
      'api/cron/pricing-sync': { method: 'GET', path: '/api/cron/pricing-sync', headers: CRON },
      'api/admin/pricing/scheduler/trigger': {
        method: 'POST',
        path: '/admin/pricing/scheduler/trigger',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: '{"dry_run": true}',
      },
      'api/admin/pricing/scheduler/status': {
        method: 'GET',
        path: '/admin/pricing/scheduler/status',
        headers: ADMIN,
      },
      'api/metrics': { method: 'GET', path: '/metrics' },
    };
    const bare: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const startedAt = performance.now();
      await run(process.execPath, ['-e', '0']);
      bare.push(performance.now() - startedAt);
    }
    const bareMs = median(bare);
    const rows = [`${'node -e 0'.padEnd(42)} ${bareMs.toFixed(0).padStart(6)} ms`];
    for (const fn of functions) {
      const call = first[fn.name] ?? { method: 'GET', path: `/${fn.name}`, headers: ADMIN };
      const walls: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        const { answers, firstAnswerMs } = await callBuilt(fn, [call], env);
        expect(answers[0]?.status, fn.name).toBeLessThan(500);
        walls.push(firstAnswerMs);
      }
      const wallMs = median(walls);
      rows.push(
        `${fn.name.padEnd(42)} ${wallMs.toFixed(0).padStart(6)} ms  (+${(wallMs - bareMs).toFixed(0)} ms over node -e 0)`,
      );
    }
    console.log(
      `cold start, median of 3 fresh processes, from spawn to the first answer (import + first request against Postgres):\n${rows.join('\n')}`,
    );
  });
});
