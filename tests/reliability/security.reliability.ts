import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTally, scenario, tally } from './support/scenario.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  PROVIDER_KEYS,
  startReliabilityRunner,
  type ReliabilityRunner,
} from './support/reliability-runner.js';

const AREA = 'Security';
const STATUS = '/admin/pricing/scheduler/status';
const TRIGGER = '/admin/pricing/scheduler/trigger';
const CRON = '/api/cron/pricing-sync';

/** Every answer body and header, and every log line, seen in this file: scanned for secrets at the end. */
const answers: string[] = [];
const logs: string[] = [];

async function call(base: string, path: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(`${base}${path}`, init);
  response.headers.forEach((value, name) => answers.push(`${name}: ${value}`));
  answers.push(await response.text());
  return response.status;
}

/** POSTs `body` chunked (no Content-Length) on a connection of its own; the status, or how it failed. */
function streamedPost(url: string, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise((resolve) => {
    const request = httpRequest(url, { method: 'POST', headers, agent: false }, (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    request.on('error', () => resolve('connection dropped'));
    for (let offset = 0; offset < body.length; offset += 64 * 1024) {
      request.write(body.slice(offset, offset + 64 * 1024));
    }
    request.end();
  });
}

// The local runner serves one app context per process: the runner without secrets gets its own block.
describe('with no admin key and no cron secret configured', () => {
  let unconfigured: ReliabilityRunner;
  beforeAll(async () => {
    unconfigured = await startReliabilityRunner({
      env: { ADMIN_API_KEY: undefined, ADMIN_API_KEYS: undefined, CRON_SECRET: undefined },
    });
  });
  afterAll(async () => {
    logs.push(...unconfigured.logs);
    await unconfigured.close();
  });

  it('unset secrets fail closed: with no admin key and no cron secret configured, nothing gets in', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      '401 for every request to status, trigger and cron, whatever is sent',
    );
    const statuses: number[] = [];
    for (const [path, method] of [
      [STATUS, 'GET'],
      [TRIGGER, 'POST'],
      [CRON, 'GET'],
    ] as const) {
      for (const authorization of [
        undefined,
        'Bearer ',
        'Bearer undefined',
        'Bearer null',
        `Bearer ${ADMIN_KEY}`,
      ]) {
        statuses.push(
          await call(unconfigured.url, path, {
            method,
            headers: authorization === undefined ? {} : { authorization },
          }),
        );
      }
    }
    record.observe(describeTally(tally(statuses)));
    expect(tally(statuses)).toEqual({ 401: 15 });
  });
});

describe('security, over HTTP against the local runner', () => {
  let fixture: ReliabilityRunner;
  const storedRuns = async () =>
    Number(
      (
        await fixture.database!.admin.query<{ n: string }>(
          'select count(*)::text as n from pricing_sync_runs',
        )
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    fixture = await startReliabilityRunner();
  });
  afterAll(async () => {
    logs.push(...fixture.logs);
    await fixture.close();
  });

  it('admin and cron endpoints deny a missing, wrong, empty, 1 MB, query-string or cross-endpoint key', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      "401 for every attempt (431 from Node's HTTP parser for the 1 MB header); no run started; the server still answers",
    );
    const endpoints: [string, string, string][] = [
      [STATUS, 'GET', ADMIN_KEY],
      [TRIGGER, 'POST', ADMIN_KEY],
      [CRON, 'GET', CRON_SECRET],
    ];
    const statuses: Record<string, number[]> = {};
    for (const [path, method, key] of endpoints) {
      const other = key === ADMIN_KEY ? CRON_SECRET : ADMIN_KEY;
      const attempts: [string, string, Record<string, string>][] = [
        ['no key', path, {}],
        ['wrong key', path, { authorization: 'Bearer not-the-key' }],
        ['empty key', path, { authorization: 'Bearer ' }],
        ['the key without Bearer', path, { authorization: key }],
        ["the other endpoint's secret", path, { authorization: `Bearer ${other}` }],
        ['1 MB key', path, { authorization: `Bearer ${'k'.repeat(1024 * 1024)}` }],
        ['key in ?key=', `${path}?key=${key}`, {}],
        ['key in ?access_token=', `${path}?access_token=${key}`, {}],
        ['key in ?authorization=', `${path}?authorization=${encodeURIComponent(`Bearer ${key}`)}`, {}],
      ];
      for (const [name, target, headers] of attempts) {
        const status = await call(fixture.url, target, { method, headers });
        (statuses[name] ??= []).push(status);
      }
    }
    const health = await call(fixture.url, '/health');
    const runs = await storedRuns();
    record.observe(
      `${Object.entries(statuses)
        .map(([name, codes]) => `${name}: ${codes.join('/')}`)
        .join('; ')} (status/trigger/cron); health afterwards ${health}; runs started ${runs}`,
    );
    for (const [name, codes] of Object.entries(statuses)) {
      expect({ name, codes }).toEqual({
        name,
        codes: name === '1 MB key' ? [431, 431, 431] : [401, 401, 401],
      });
    }
    expect(health).toBe(200);
    expect(runs).toBe(0);
  });

  it('an injection-like providers value gives 400 and touches nothing', async ({ task }) => {
    const record = scenario(task, AREA, '400 for each, no run started, model_pricing intact');
    const values: unknown[] = [
      "openrouter'; drop table model_pricing; --",
      ['openrouter', 'nearai" or 1=1 --'],
      { $ne: null },
      '../../etc/passwd',
      'openrouter,,nearai',
      ['__proto__'],
    ];
    const statuses: number[] = [];
    for (const providers of values) {
      statuses.push(
        await call(fixture.url, TRIGGER, {
          method: 'POST',
          headers: { ...fixture.admin, 'content-type': 'application/json' },
          body: JSON.stringify({ providers }),
        }),
      );
    }
    statuses.push(
      await call(fixture.url, `${TRIGGER}?providers=${encodeURIComponent("openrouter') or ('1'='1")}`, {
        method: 'POST',
        headers: fixture.admin,
      }),
    );
    const table = await fixture.database!.admin.query<{ present: boolean }>(
      `select to_regclass('public.model_pricing') is not null as present`,
    );
    const runs = await storedRuns();
    record.observe(
      `${describeTally(tally(statuses))}; model_pricing present: ${table.rows[0]?.present}; runs started ${runs}`,
    );
    expect(tally(statuses)).toEqual({ 400: values.length + 1 });
    expect(table.rows[0]?.present).toBe(true);
    expect(runs).toBe(0);
  });

  it('an oversized trigger body gives 413', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      '413 for a 1 MB body with Content-Length; a 1 MB chunked body without it is refused (413 or the connection dropped); no run starts; the server keeps serving',
    );
    const big = JSON.stringify({ dry_run: true, padding: 'x'.repeat(1024 * 1024) });
    const declared = await call(fixture.url, TRIGGER, {
      method: 'POST',
      headers: { ...fixture.admin, 'content-type': 'application/json' },
      body: big,
    });
    const streamed = await streamedPost(`${fixture.url}${TRIGGER}`, fixture.admin, big);
    const health = await call(fixture.url, '/health');
    const runs = await storedRuns();
    record.observe(
      `declared: ${declared}; streamed (chunked, own connection): ${streamed}; health afterwards ${health}; runs started ${runs}`,
    );
    expect(declared).toBe(413);
    expect(['413', 'connection dropped']).toContain(streamed);
    expect(health).toBe(200);
    expect(runs).toBe(0);
  });

  it('a wrong method gives 405 with Allow', async ({ task }) => {
    const record = scenario(task, AREA, '405 with an Allow header naming the method that works');
    const cases: [string, string][] = [
      [TRIGGER, 'GET'],
      [TRIGGER, 'PUT'],
      [TRIGGER, 'PATCH'],
      [TRIGGER, 'DELETE'],
      [STATUS, 'POST'],
      [CRON, 'POST'],
      ['/metrics', 'POST'],
      ['/health', 'DELETE'],
    ];
    const seen: string[] = [];
    for (const [path, method] of cases) {
      const response = await fetch(`${fixture.url}${path}`, { method, headers: fixture.admin });
      answers.push(await response.text());
      seen.push(`${method} ${path}: ${response.status} (Allow: ${response.headers.get('allow')})`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toMatch(/^(GET|POST)$/);
    }
    record.observe(seen.join('; '));
  });

  it('hostile provider items (__proto__ and constructor ids and keys, non-string ids, huge strings, deep nesting) are skipped and counted, without pollution', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      'the run applies the one valid model; every hostile item is counted invalid; Object.prototype untouched; no crash',
    );
    let deep: unknown = 'bottom';
    for (let depth = 0; depth < 3_000; depth += 1) deep = { nested: deep };
    const items = JSON.parse(`[
      {"id": "__proto__", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": "constructor", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": "acme/proto-price", "pricing": {"__proto__": {"polluted": "yes"}, "prompt": "0.000001", "completion": "0.000001"}},
      {"id": "acme/constructor-price", "pricing": {"constructor": {"prototype": {"polluted": "yes"}}, "prompt": "0.000001", "completion": "0.000001"}},
      {"id": 42, "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": null},
      {"id": {"toString": "x"}},
      {"id": ["acme/array-id"]},
      {"id": "acme/huge-price", "pricing": {"prompt": "0.${'1'.repeat(100_000)}", "completion": "0.000001"}},
      {"id": "${'x'.repeat(1_000_000)}", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": "acme/fine", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    ]`) as Record<string, unknown>[];
    items.push({ id: 'acme/deep', pricing: { prompt: deep, completion: '0.000001' } });
    fixture.replay.setScenario('openrouter', { body: { data: items } });
    const answer = await fixture.trigger({ providers: ['openrouter'] });
    answers.push(JSON.stringify(answer.body));
    const openrouter = (answer.body.providers as Record<string, { counts: Record<string, number> }>)
      .openrouter!;
    const stored = await fixture.database!.admin.query<{ model_id: string }>(
      `select model_id from model_pricing where provider = 'openrouter'`,
    );
    const polluted =
      Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>).polluted !== undefined;
    record.observe(
      `${answer.status}, run ${String(answer.body.status)}; fetched ${openrouter.counts.fetched}, invalid ${openrouter.counts.invalid} of ${items.length} items; stored: ${stored.rows.map((row) => row.model_id).join(', ')}; prototype polluted: ${polluted}; health ${await call(fixture.url, '/health')}`,
    );
    expect(answer.status).toBe(200);
    expect(openrouter.counts.invalid).toBe(items.length - 1);
    expect(stored.rows).toEqual([{ model_id: 'acme/fine' }]);
    expect(polluted).toBe(false);
  });

  it('a whole provider payload nested 3,000 levels deep fails that provider as a schema error; the others apply', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      "run partial: openrouter failed (schema), nearai applied, openrouter's stored row kept",
    );
    let deep: unknown = [];
    for (let depth = 0; depth < 3_000; depth += 1) deep = { nested: deep };
    fixture.replay.setScenario('openrouter', { body: { data: deep } });
    const answer = await fixture.trigger();
    answers.push(JSON.stringify(answer.body));
    fixture.replay.setScenario('openrouter', {});
    const providers = answer.body.providers as Record<
      string,
      { applied: boolean; error: { reason: string } | null }
    >;
    const stored = await fixture.database!.admin.query<{ model_id: string }>(
      `select model_id from model_pricing where provider = 'openrouter'`,
    );
    record.observe(
      `${answer.status}, run ${String(answer.body.status)}; openrouter ${providers.openrouter?.error?.reason}; nearai applied ${providers.nearai?.applied}; openrouter rows: ${stored.rows.map((row) => row.model_id).join(', ')}`,
    );
    expect(answer.body.status).toBe('partial');
    expect(providers.openrouter?.error?.reason).toBe('schema');
    expect(providers.nearai?.applied).toBe(true);
    expect(stored.rows).toEqual([{ model_id: 'acme/fine' }]);
  });

  it('nothing secret appears in the logs or in any answer', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      'the admin key, cron secret, provider API keys and database URL appear in none of the captured log lines or answers (the provider keys did reach the providers)',
    );
    const secrets = {
      ADMIN_API_KEY: ADMIN_KEY,
      CRON_SECRET,
      ...PROVIDER_KEYS,
      DATABASE_URL: fixture.database!.url,
    };
    const sentToProviders = fixture.replay.requests.some(
      (request) => request.headers.authorization === `Bearer ${PROVIDER_KEYS.OPENROUTER_API_KEY}`,
    );
    const corpus = [...logs, ...fixture.logs, ...answers];
    const leaks = Object.entries(secrets)
      .filter(([, value]) => corpus.some((text) => text.includes(value)))
      .map(([name]) => name);
    record.observe(
      `scanned ${logs.length + fixture.logs.length} log lines and ${answers.length} answers; leaks: ${leaks.length === 0 ? 'none' : leaks.join(', ')}; provider key sent to the provider: ${sentToProviders}`,
    );
    expect(sentToProviders).toBe(true);
    expect(fixture.logs.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});
