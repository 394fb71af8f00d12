import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../support/embedded-server.js';
import { scenario } from './support/scenario.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  startReliabilityRunner,
  type ReliabilityRunner,
} from './support/reliability-runner.js';
import { applyInFlight, leaseExpired, providerHash, waitFor } from './support/wait-for.js';

const AREA = 'Database faults';
/** Large enough that staging and committing take a while to catch in flight. */
const CATALOG = 24_000;

describe('database faults on a dedicated Postgres server', () => {
  let server: EmbeddedServer;
  let admin: pg.Client;
  let fixture: ReliabilityRunner;

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    const adapter = new PostgresAdapter({ connectionString: server.url });
    await adapter.migrate();
    await adapter.close();
    fixture = await startReliabilityRunner({
      databaseUrl: server.url,
      replaySize: CATALOG,
      env: { PRICING_SYNC_PROVIDERS: 'openrouter', PRICING_SYNC_LEASE_SECONDS: '3' },
    });
  });
  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await fixture.close();
    await server.dispose();
  });

  async function connectAdmin(): Promise<void> {
    admin = new pg.Client({ connectionString: server.url });
    admin.on('error', () => undefined);
    await admin.connect();
  }

  it('Postgres unreachable at start: 503 everywhere, no lease leaked, the first run after it is back succeeds', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      'trigger, status, cron and health answer 503 naming the database; after Postgres is back the lease is free and a trigger succeeds',
    );
    await server.stop();
    const answers: Record<string, number> = {};
    const bodies: string[] = [];
    for (const [name, path, init] of [
      ['trigger', '/admin/pricing/scheduler/trigger', { method: 'POST', headers: fixture.admin }],
      ['status', '/admin/pricing/scheduler/status', { headers: fixture.admin }],
      ['cron', '/api/cron/pricing-sync', { headers: { authorization: `Bearer ${CRON_SECRET}` } }],
      ['health', '/health', {}],
    ] as const) {
      const response = await fetch(`${fixture.url}${path}`, init);
      answers[name] = response.status;
      bodies.push(await response.text());
    }
    await server.start();
    await connectAdmin();
    const lease = await admin.query<{ run_id: string | null }>('select run_id::text from pricing_sync_lease');
    const next = await fixture.trigger();
    record.observe(
      `${Object.entries(answers)
        .map(([name, status]) => `${name} ${status}`)
        .join(
          ', ',
        )}; lease holder after restart: ${lease.rows[0]?.run_id ?? 'none'}; next trigger ${next.status} ${String(next.body.status)}`,
    );
    expect(answers).toEqual({ trigger: 503, status: 503, cron: 503, health: 503 });
    expect(bodies.every((body) => body.includes('database'))).toBe(true);
    expect(lease.rows[0]?.run_id).toBeNull();
    expect(next).toMatchObject({ status: 200, body: { status: 'success' } });
  });

  it('Postgres stopped in the middle of an apply: the run ends failed or abandoned, prices as before, the next run succeeds', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      "the interrupted run is recorded failed or abandoned; the provider's rows keep the same content hash; the next run succeeds and applies",
    );
    const before = await providerHash(admin, 'openrouter');
    const databaseName = 'postgres';
    // Every priced model changes: one large apply, staged in chunks then committed.
    fixture.replay.setScenario('openrouter', { size: CATALOG, priceChangeFraction: 1 });
    const answer = fixture.trigger();
    const caught = await waitFor(() => applyInFlight(admin, databaseName), 3_000, 5);
    await admin.end();
    await server.stop();
    const interrupted = await answer;
    await server.start();
    await connectAdmin();
    const afterRestart = await providerHash(admin, 'openrouter');
    const expired = await leaseExpired(admin);
    const next = await fixture.trigger();
    const runs = await admin.query<{ id: string; status: string }>(
      'select id::text, status from pricing_sync_runs order by id',
    );
    const interruptedRun = runs.rows.at(-2);
    const afterNext = await providerHash(admin, 'openrouter');
    const openrouter = (interrupted.body.providers as Record<string, { error: { reason: string } | null }>)
      .openrouter;
    record.observe(
      `stopped while ${caught ?? 'NOT CAUGHT IN FLIGHT'}; the trigger answered ${interrupted.status} ${String(interrupted.body.status)} (openrouter: ${openrouter?.error?.reason}); after restart prices ${afterRestart === before ? 'unchanged (same hash)' : 'CHANGED'}; interrupted run ${interruptedRun?.status}; next run ${String(next.body.status)}, prices ${afterNext === before ? 'NOT applied' : 'applied'}`,
    );
    expect(caught).not.toBeNull();
    expect(interrupted).toMatchObject({ status: 200, body: { status: 'failed' } });
    expect(afterRestart).toBe(before);
    expect(expired).toBe(true);
    expect(['failed', 'abandoned']).toContain(interruptedRun?.status);
    expect(next).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(afterNext).not.toBe(before);
  });
});

describe('the process killed in the middle of a run', () => {
  let fixture: ReliabilityRunner;
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-killed-'));
    fixture = await startReliabilityRunner({
      replaySize: CATALOG,
      env: { PRICING_SYNC_PROVIDERS: 'openrouter', PRICING_SYNC_LEASE_SECONDS: '3' },
    });
  });
  afterAll(async () => {
    await fixture.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('npm start killed with SIGKILL mid-apply: the next run takes over, marks it abandoned and applies everything', async ({
    task,
  }) => {
    const record = scenario(
      task,
      AREA,
      'the provider is all or nothing after the kill; after the lease expires the next run marks the killed one abandoned and succeeds; no staged rows left',
    );
    const database = fixture.database!;
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        ...fixture.replay.baseUrls,
        PORT: String(port),
        DATABASE_URL: database.url,
        PRICING_SYNC_PROVIDERS: 'openrouter',
        PRICING_SYNC_LEASE_SECONDS: '3',
        ADMIN_API_KEY: ADMIN_KEY,
        CRON_SECRET,
        LOCAL_CRON: 'off',
        LOCAL_SECRETS_FILE: join(directory, 'secrets.json'),
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      const serving = await waitFor(async () => ((await fetch(`${url}/health`)).ok ? true : null), 300, 200);
      expect(serving).toBe(true);
      const answer = fetch(`${url}/admin/pricing/scheduler/trigger`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      }).then(
        (response) => `answered ${response.status}`,
        () => 'connection dropped',
      );
      const caught = await waitFor(() => applyInFlight(database.admin, database.name), 3_000, 5);
      child.kill('SIGKILL');
      const signal = await exited;
      const client = await answer;
      const rows = await database.admin.query<{ n: string }>(
        `select count(*)::text as n from model_pricing where provider = 'openrouter'`,
      );
      const afterKill = Number(rows.rows[0]?.n);
      const expired = await leaseExpired(database.admin);
      const next = await fixture.trigger();
      const runs = await database.admin.query<{ status: string }>(
        'select status from pricing_sync_runs order by id',
      );
      const recovered = await database.admin.query<{ n: string }>(
        `select count(*)::text as n from model_pricing where provider = 'openrouter'`,
      );
      const staged = await database.admin.query<{ n: string }>(
        'select count(*)::text as n from pricing_apply_stage',
      );
      const fetched = (next.body.providers as Record<string, { counts: { fetched: number } }>).openrouter
        ?.counts.fetched;
      record.observe(
        `killed (${signal}) while ${caught ?? 'NOT CAUGHT IN FLIGHT'}; client: ${client}; openrouter rows after the kill: ${afterKill}; runs: ${runs.rows.map((run) => run.status).join(' → ')}; rows after recovery: ${recovered.rows[0]?.n} of ${fetched}; staged rows left: ${staged.rows[0]?.n}`,
      );
      expect(caught).not.toBeNull();
      expect(signal).toBe('SIGKILL');
      expect([0, fetched]).toContain(afterKill);
      expect(expired).toBe(true);
      expect(next).toMatchObject({ status: 200, body: { status: 'success' } });
      expect(runs.rows.map((run) => run.status)).toEqual(['abandoned', 'success']);
      expect(Number(recovered.rows[0]?.n)).toBe(fetched);
      expect(staged.rows[0]?.n).toBe('0');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
