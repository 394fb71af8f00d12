import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const CATALOG = 12_000;

describe('a run killed with SIGKILL in the middle of an apply', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'featherless' });
    harness.replay.setScenario('featherless', { size: CATALOG });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('is marked abandoned by the next run, which completes; the provider is never half-applied', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sync.ts'], {
      env: { ...process.env, ...harness.env },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let killedDuring: string | null = null;
    for (let attempt = 0; attempt < 3_000 && killedDuring === null; attempt += 1) {
      const active = await harness.database.admin.query<{ query: string }>(
        `select query from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state = 'active'
            and (query like '%pricing_stage_chunk%' or query like '%pricing_commit_provider%')`,
        [harness.database.name],
      );
      if (active.rows.length > 0) {
        child.kill('SIGKILL');
        killedDuring = active.rows[0]!.query.includes('stage') ? 'stage' : 'commit';
      } else {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    expect(killedDuring).not.toBeNull();
    expect(await exited).toBe('SIGKILL');

    // Whatever the server finished for the dead client, the provider is all or nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterKill = await harness.database.admin.query<{ n: string }>(
      `select count(*)::text as n from model_pricing where provider = 'featherless'`,
    );
    expect(['0', String(CATALOG)]).toContain(afterKill.rows[0]?.n);
    const killed = await harness.database.admin.query<{ id: string; status: string }>(
      'select id::text, status from pricing_sync_runs order by id desc limit 1',
    );
    const killedRunId = killed.rows[0]!.id;

    // The lease (3 s here) runs out; the next run takes it over and does the work.
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const next = await harness.sync();
    expect(next.code).toBe(0);
    const runs = await harness.database.admin.query<{ id: string; status: string }>(
      'select id::text, status from pricing_sync_runs order by id',
    );
    expect(runs.rows.find((run) => run.id === killedRunId)?.status).toBe('abandoned');
    expect(runs.rows.at(-1)?.status).toBe('success');
    const afterRecovery = await harness.database.admin.query<{ n: string }>(
      `select count(*)::text as n from model_pricing where provider = 'featherless'`,
    );
    expect(afterRecovery.rows[0]?.n).toBe(String(CATALOG));
    const staged = await harness.database.admin.query<{ n: string }>(
      'select count(*)::text as n from pricing_apply_stage',
    );
    expect(staged.rows[0]?.n).toBe('0');
  });
});
