import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import {
  HOSTILE_INVALID_COUNT,
  hostileFeed,
  hostileFeedBaseline,
  LISTED_UNREADABLE,
} from '../support/hostile-feed.js';
import { scenario } from './support/scenario.js';
import { ADMIN_KEY, startReliabilityRunner, type ReliabilityRunner } from './support/reliability-runner.js';

const AREA = 'Hostile input';

interface ProviderAnswer {
  outcome: string;
  error: { reason: string } | null;
  counts: Record<string, number>;
}

/** Sends raw bytes in pieces and resolves with the first line of the answer (or '' if none). */
function rawStatusLine(port: number, pieces: string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const done = () => resolve(Buffer.concat(received).toString('latin1').split('\r\n')[0] ?? '');
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      void (async () => {
        for (const piece of pieces) {
          if (socket.destroyed) break;
          socket.write(piece);
          await new Promise((wait) => setTimeout(wait, 5));
        }
        setTimeout(() => socket.end(), 200);
      })();
    });
  });
}

describe('hostile input: feeds, requests and keys, end to end over HTTP', () => {
  let fixture: ReliabilityRunner;
  const query = async <Row extends Record<string, unknown>>(sql: string) =>
    (await fixture.database!.admin.query<Row>(sql)).rows;
  const health = async () => (await fetch(`${fixture.url}/health`)).status;

  beforeAll(async () => {
    fixture = await startReliabilityRunner({ env: { PRICING_SYNC_PROVIDERS: 'openrouter' } });
    fixture.replay.setScenario('openrouter', { body: hostileFeedBaseline() });
    expect((await fixture.trigger()).body.status).toBe('success');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('one 200,000-item feed of NUL ids, lone surrogates, unreadable and absurd prices', async ({ task }) => {
    const record = scenario(
      task,
      AREA,
      `run recorded as success, lease free; ${HOSTILE_INVALID_COUNT} items invalid; every good update applied; the ${LISTED_UNREADABLE.length} listed-but-unreadable models unchanged (not missing); no absurd price stored`,
    );
    const { data, newModels } = hostileFeed(200_000);
    fixture.replay.setScenario('openrouter', { body: { data } });
    const answer = await fixture.trigger();
    const openrouter = (answer.body.providers as Record<string, ProviderAnswer>).openrouter!;
    const stored = await query<{ run_status: string; lease: string | null; kept: string; absurd: string }>(
      `select (select status from pricing_sync_runs order by id desc limit 1) as run_status,
              (select run_id::text from pricing_sync_lease) as lease,
              (select count(*)::text from model_pricing where model_id like 'listed/%'
                 and state = 'active' and input_price_per_1m_tokens = 1) as kept,
              (select count(*)::text from model_pricing where input_price_per_1m_tokens > 1000000
                 or length(input_price_per_1m_tokens::text) > 32 or model_id !~ '^(good|new|listed)/') as absurd`,
    );
    const row = stored[0]!;
    record.observe(
      `${answer.status}, run ${row.run_status}, lease ${row.lease === null ? 'free' : `held by ${row.lease}`}; openrouter ${openrouter.outcome}: +${openrouter.counts.added} ~${openrouter.counts.changed} invalid ${openrouter.counts.invalid} missing ${openrouter.counts.missing}; listed-but-unreadable kept: ${row.kept}/${LISTED_UNREADABLE.length}; absurd rows stored: ${row.absurd}`,
    );
    expect(answer.status).toBe(200);
    expect(row.run_status).toBe('success');
    expect(row.lease).toBeNull();
    expect(openrouter.counts).toMatchObject({
      added: newModels,
      changed: 100,
      invalid: HOSTILE_INVALID_COUNT,
      missing: 0,
    });
    expect(row.kept).toBe(String(LISTED_UNREADABLE.length));
    expect(row.absurd).toBe('0');
  }, 300_000);

  it('a Host header that is not a host gets 400, and the process keeps serving', async ({ task }) => {
    const record = scenario(task, AREA, '400; /health then 200');
    const line = await rawStatusLine(fixture.runner.port, [
      'GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n',
    ]);
    const after = await health();
    record.observe(`${line}; /health then ${after}`);
    expect(line).toMatch(/ 400 /);
    expect(after).toBe(200);
  });

  it('an authenticated chunked body over the cap gets 413, and the process keeps serving', async ({
    task,
  }) => {
    const record = scenario(task, AREA, '413; /health then 200');
    const chunk = 'x'.repeat(4096);
    const line = await rawStatusLine(fixture.runner.port, [
      `POST /admin/pricing/scheduler/trigger HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 40 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
      '0\r\n\r\n',
    ]);
    await new Promise((wait) => setTimeout(wait, 300));
    const after = await health();
    record.observe(`${line}; /health then ${after}`);
    expect(line).toMatch(/ 413 /);
    expect(after).toBe(200);
  });

  it('a repeated query parameter (dry_run=true&dry_run=false) gets 400 and starts no run', async ({
    task,
  }) => {
    const record = scenario(task, AREA, '400 naming dry_run; no run started');
    const runsBefore = await query<{ n: string }>('select count(*)::text as n from pricing_sync_runs');
    const response = await fetch(
      `${fixture.url}/admin/pricing/scheduler/trigger?dry_run=true&dry_run=false`,
      {
        method: 'POST',
        headers: fixture.admin,
      },
    );
    const body = (await response.json()) as { error?: string };
    const runsAfter = await query<{ n: string }>('select count(*)::text as n from pricing_sync_runs');
    record.observe(`${response.status} (${body.error}); runs ${runsBefore[0]?.n} -> ${runsAfter[0]?.n}`);
    expect(response.status).toBe(400);
    expect(runsAfter).toEqual(runsBefore);
  });

  it('hostile requests (a forged ETag, NUL parameters, unstorable instants, repeated keys, __proto__ prices, HEAD) get 4xx or 200, never a 500', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      'a forged ETag 200; NUL parameters, unstorable instants, repeated body keys and __proto__ price keys 400; HEAD 405 with the real Allow; no run started, no pin stored',
    );
    const runsBefore = await query<{ n: string }>('select count(*)::text as n from pricing_sync_runs');
    const send = (path: string, init: RequestInit = {}) =>
      fetch(`${fixture.url}${path}`, { ...init, headers: { ...fixture.admin, ...init.headers } });
    const etag = (await send('/prices')).headers.get('etag')!;
    const pin = (prices: string, rest = '') =>
      `{"provider":"openrouter","model_id":"acme/x","prices":${prices},"reason":"r"${rest}}`;
    const cursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const cases: [string, () => Promise<Response>][] = [
      [
        'forged prices ETag',
        () =>
          send('/prices', { headers: { 'if-none-match': etag.replace(/-v\d+-/, '-v9999999999999999999-') } }),
      ],
      ['model_id=%00', () => send('/prices?model_id=%00')],
      ['provider=%00', () => send('/prices?provider=%00')],
      ['cursor of a NUL', () => send(`/prices?cursor=${cursor(['openrouter', '\u0000'])}`)],
      ['cursor of a lone surrogate', () => send(`/prices?cursor=${cursor(['\ud800', 'a'])}`)],
      ['updated_since=0000-01-01T00:00:00Z', () => send('/prices?updated_since=0000-01-01T00:00:00Z')],
      ['at=0000-01-01T00:00:00Z', () => send('/admin/pricing/prices?at=0000-01-01T00:00:00Z')],
      [
        'dry_run given twice in the body',
        () =>
          send('/admin/pricing/scheduler/trigger', {
            method: 'POST',
            body: '{"dry_run":true,"dry_run":false}',
          }),
      ],
      [
        'expires_at given twice',
        () =>
          send('/admin/pricing/pins', {
            method: 'PUT',
            body: pin('{"input":"1"}', ',"expires_at":"2099-01-01T00:00:00Z","expires_at":null'),
          }),
      ],
      [
        'expires_at past year 9999 UTC',
        () =>
          send('/admin/pricing/pins', {
            method: 'PUT',
            body: pin('{"input":"1"}', ',"expires_at":"9999-12-31T23:00:00-02:00"'),
          }),
      ],
      [
        'extra {"__proto__":"5"}',
        () =>
          send('/admin/pricing/pins', {
            method: 'PUT',
            body: pin('{"input":"1","extra":{"__proto__":"5"}}'),
          }),
      ],
      ['HEAD /admin/pricing/held', () => send('/admin/pricing/held', { method: 'HEAD' })],
    ];
    const answers: string[] = [];
    const statuses: Record<string, number> = {};
    for (const [name, call] of cases) {
      const response = await call();
      statuses[name] = response.status;
      const allow = response.headers.get('allow');
      answers.push(`${name}: ${response.status}${allow ? ` (Allow: ${allow})` : ''}`);
      await response.body?.cancel();
    }
    const runsAfter = await query<{ n: string }>('select count(*)::text as n from pricing_sync_runs');
    const pins = await query<{ n: string }>(
      "select count(*)::text as n from model_pricing where model_id = 'acme/x'",
    );
    record.observe(
      `${answers.join('; ')}; runs ${runsBefore[0]?.n} -> ${runsAfter[0]?.n}; acme/x rows ${pins[0]?.n}`,
    );
    expect(statuses['forged prices ETag']).toBe(200);
    for (const [name, status] of Object.entries(statuses)) {
      if (name.startsWith('forged') || name.startsWith('HEAD')) continue;
      expect(status, name).toBe(400);
    }
    expect(statuses['HEAD /admin/pricing/held']).toBe(405);
    expect(answers.at(-1)).toContain('Allow: GET, POST');
    expect(runsAfter).toEqual(runsBefore);
    expect(pins[0]?.n).toBe('0');
  });

  it('weak or comma-cut keys are config errors naming the variable, and authenticate nothing', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      "'x:y' and 'ops:key,with,comma' authenticate nothing; errors name ADMIN_API_KEYS, never a value",
    );
    const config = readConfig({ ADMIN_API_KEYS: 'ops:Abc,x:y', CRON_SECRET: 'short', METRICS_TOKEN: 'abc' });
    const cut = readConfig({ ADMIN_API_KEYS: 'ops:key,with,comma' });
    record.observe(
      `keys accepted: ${config.adminKeys.length + cut.adminKeys.length}; cron secret ${config.cronSecret === null ? 'refused' : 'ACCEPTED'}; errors: ${[...config.errors, ...cut.errors].length}`,
    );
    expect(config.adminKeys).toEqual([]);
    expect(cut.adminKeys).toEqual([]);
    expect(config.cronSecret).toBeNull();
    for (const name of ['ADMIN_API_KEYS', 'CRON_SECRET', 'METRICS_TOKEN']) {
      expect(config.errors.join('\n')).toContain(name);
    }
    expect([...config.errors, ...cut.errors].join('\n')).not.toMatch(/Abc|:y|\bkey\b,/);
  });
  it('a provider over its run budget fails alone, as too_large', async ({ task }) => {
    const record = scenario(task, AREA, 'openrouter failed (too_large), run failed and recorded, lease free');
    // Last in the file: the local runner serves one app context per process, so this one replaces the fixture's.
    const limited = await startReliabilityRunner({
      env: { PRICING_SYNC_PROVIDERS: 'openrouter', PRICING_PROVIDER_MAX_ITEMS: '1000' },
    });
    try {
      limited.replay.setScenario('openrouter', { body: hostileFeed(5_000) });
      const answer = await limited.trigger();
      const openrouter = (answer.body.providers as Record<string, ProviderAnswer>).openrouter!;
      record.observe(
        `${answer.status}, run ${String(answer.body.status)}; openrouter ${openrouter.error?.reason}`,
      );
      expect(openrouter.error?.reason).toBe('too_large');
      expect(answer.body.status).toBe('failed');
    } finally {
      await limited.close();
    }
  });
});
