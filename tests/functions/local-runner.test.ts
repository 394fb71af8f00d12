import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/logger.js';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { ADMIN_KEY, CRON_SECRET } from '../support/function-harness.js';
import { expectNpmStartServes, waitFor } from '../support/npm-start.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

/** Sends raw bytes (written in pieces, with pauses) and resolves with everything the server answers. */
async function rawExchange(port: number, pieces: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => resolve(Buffer.concat(received).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
    socket.on('connect', () => {
      void (async () => {
        for (const piece of pieces) {
          if (socket.destroyed) break;
          socket.write(piece);
          await new Promise((done) => setTimeout(done, 5));
        }
        setTimeout(() => socket.end(), 200);
      })().catch(reject);
    });
  });
}

describe('the local runner over HTTP (the seed URLs through vercel.json rewrites)', () => {
  let database: TestDatabase;
  let replay: ReplayServer;
  let runner: LocalRunner;
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    database = await createTestDatabase();
    replay = await startReplayServer({ defaults: { size: 30 } });
    runner = await startLocalRunner({
      env: {
        ...replay.baseUrls,
        DATABASE_URL: database.url,
        PRICING_SYNC_PROVIDERS: 'openrouter,featherless,nearai,alibaba-cloud',
        ADMIN_API_KEY: ADMIN_KEY,
        CRON_SECRET,
        LOCAL_CRON_FIRST_DELAY_SECONDS: '0.5',
      },
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await runner.close();
    await replay.close();
    await database.drop();
  });

  it('fires the emulated cron once after start, and the next tick is not due', async () => {
    const status = await waitFor(async () => {
      const answer = (await (
        await fetch(`${runner.url}/admin/pricing/scheduler/status`, { headers: auth })
      ).json()) as {
        last_run: { trigger: string; status: string } | null;
      };
      return answer.last_run?.trigger === 'cron' ? answer : null;
    }, 'the first cron run');
    expect(status.last_run?.status).toBe('success');
    expect(runner.cronTicks).toBe(1);
    const next = await fetch(`${runner.url}/api/cron/pricing-sync`, {
      headers: { authorization: `Bearer ${CRON_SECRET}` },
    });
    expect(await next.json()).toMatchObject({ skipped: 'not_due' });
    const runs = await database.admin.query(`select id from pricing_sync_runs where trigger = 'cron'`);
    expect(runs.rows).toHaveLength(1);
  });

  it("serves the seed's Step 2: health, status, trigger and metrics", async () => {
    const health = await fetch(`${runner.url}/health`);
    expect(health.status).toBe(200);

    const status = await fetch(`${runner.url}/admin/pricing/scheduler/status`, { headers: auth });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      success: true,
      scheduler: {
        enabled: true,
        interval_hours: 6,
        running: true,
        providers: ['openrouter', 'featherless', 'nearai', 'alibaba-cloud'],
      },
    });

    const trigger = await fetch(`${runner.url}/admin/pricing/scheduler/trigger`, {
      method: 'POST',
      headers: auth,
    });
    expect(trigger.status).toBe(200);
    expect(await trigger.json()).toMatchObject({
      success: true,
      status: 'success',
      total_errors: 0,
      triggered_by: 'admin',
    });

    const metrics = await fetch(`${runner.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^pricing_scheduled_sync_runs_total\{status="success"\} 1$/m);
    expect(text).toMatch(/^pricing_last_sync_timestamp\{provider="openrouter"\} \d+/m);
  });

  it('answers 400 to a Host header that is not a host, and keeps serving', async () => {
    const answer = await rawExchange(runner.port, [
      'GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${runner.url}/health`)).status).toBe(200);
  });

  it('answers 413 to an authenticated chunked body over the cap, and keeps serving', async () => {
    const chunk = 'x'.repeat(4096);
    const answer = await rawExchange(runner.port, [
      `POST /admin/pricing/scheduler/trigger HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 40 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
      '0\r\n\r\n',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    await new Promise((done) => setTimeout(done, 300));
    expect((await fetch(`${runner.url}/health`)).status).toBe(200);
  });

  it('answers 401, 405 and 404 where it should', async () => {
    expect((await fetch(`${runner.url}/admin/pricing/scheduler/status`)).status).toBe(401);
    const wrongMethod = await fetch(`${runner.url}/admin/pricing/scheduler/trigger`, { headers: auth });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await fetch(`${runner.url}/admin/pricing/scheduler/../../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${runner.url}/nothing-here`)).status).toBe(404);
  });

  it("serves the operator's endpoints at /admin/pricing/{held,pins,runs,prices}", async () => {
    for (const path of ['held', 'pins', 'runs', 'prices']) {
      expect((await fetch(`${runner.url}/admin/pricing/${path}`)).status, path).toBe(401);
      const answer = await fetch(`${runner.url}/admin/pricing/${path}`, { headers: auth });
      expect(answer.status, path).toBe(200);
      expect(((await answer.json()) as { success: boolean }).success, path).toBe(true);
    }
    const pinWithoutBody = await fetch(`${runner.url}/admin/pricing/pins`, { method: 'PUT', headers: auth });
    expect(pinWithoutBody.status).toBe(400);
    const wrongMethod = await fetch(`${runner.url}/admin/pricing/prices`, { method: 'POST', headers: auth });
    expect(wrongMethod.status).toBe(405);
  });

  it('serves the change feed at /prices/changes from the /prices function (a rewrite, no new function)', async () => {
    expect((await fetch(`${runner.url}/prices/changes`)).status).toBe(401);
    const answer = await fetch(`${runner.url}/prices/changes?limit=1`, { headers: auth });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { success: boolean; changes: unknown[]; next_cursor: unknown };
    expect(body).toMatchObject({ success: true, next_cursor: expect.any(String) });
    expect(body.changes.length).toBeLessThanOrEqual(1);
    // /prices itself still answers its own shape.
    const prices = (await (await fetch(`${runner.url}/prices?limit=1`, { headers: auth })).json()) as object;
    expect(prices).toHaveProperty('prices');
  });

  it('lists in Allow only the methods an endpoint serves, for HEAD and unknown methods too', async () => {
    for (const [path, method, allow] of [
      ['/admin/pricing/held', 'HEAD', 'GET, POST'],
      ['/admin/pricing/runs', 'OPTIONS', 'GET, POST'],
      ['/admin/pricing/pins', 'HEAD', 'DELETE, GET, PUT'],
      ['/admin/pricing/prices', 'HEAD', 'GET'],
      ['/admin/pricing/scheduler/trigger', 'HEAD', 'POST'],
      ['/admin/pricing/scheduler/status', 'HEAD', 'GET'],
    ]) {
      const answer = await fetch(`${runner.url}${path}`, { method, headers: auth });
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });
});

describe('npm start', () => {
  let directory: string;
  let replay: ReplayServer;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-start-'));
    replay = await startReplayServer({ defaults: { size: 20 } });
  });
  afterAll(async () => {
    await replay.close();
    await rm(directory, { recursive: true, force: true });
  });

  // On a migrated copy of the run's template; on an empty folder (PGlite's initdb in the child, 5-8 s
  // of one core) in local-runner.scale.ts.
  it('serves on PORT with PGlite and generated local secrets, never printing them, and fires the cron once', async () => {
    await copyMigratedPgliteDir(join(directory, 'pglite'));
    await expectNpmStartServes(directory, replay);
  });
});
