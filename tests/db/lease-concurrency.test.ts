import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLY_CHUNK_ROWS,
  type ApplyRequest,
  type PricingStore,
  type StagedApply,
  type StagedLiteLlmEntries,
} from '../../lib/db/pricing-store.js';
import { OperatorStore } from '../../lib/db/operator-store.js';
import { manyRecords } from '../support/store-fixtures.js';
import type { TestDatabase } from '../support/test-database.js';
import { applyRecords, openTestStore, postgresStore, type TestStore } from '../support/test-store.js';

const lease = (leaseSeconds: number) =>
  ({
    trigger: 'cron',
    triggeredBy: null,
    dryRun: false,
    forced: false,
    providers: ['openrouter'],
    leaseSeconds,
  }) as const;

describe('the lease on real Postgres with separate connections', () => {
  let fixture: TestStore;
  let database: TestDatabase;
  const stores: PricingStore[] = [];
  beforeAll(async () => {
    fixture = await openTestStore('postgres');
    database = fixture.database!;
    for (let index = 0; index < 20; index += 1) {
      stores.push(postgresStore(database.url, { maxConnections: 1 }));
    }
    // Open every connection first, so the attempts below really start together.
    await Promise.all(stores.map((store) => store.ping()));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await fixture.close();
  });

  it('gives exactly one of 20 concurrent attempts the lease', async () => {
    const results = await Promise.all(stores.map((store) => store.takeLease(lease(60))));
    const winners = results.filter((result) => result.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    if (!winner.acquired) return;
    for (const result of results.filter((candidate) => !candidate.acquired)) {
      expect(result).toMatchObject({ acquired: false, holder: { runId: winner.runId } });
    }
    const running = await database.admin.query(`select id from pricing_sync_runs where status = 'running'`);
    expect(running.rows).toHaveLength(1);
    await stores[0]!.finishRun(winner.runId, 'success', { providers: {} }, null);
  });

  it('takes over an expired lease, marks the old run abandoned and counts it', async () => {
    const first = await stores[1]!.takeLease(lease(2));
    expect(first.acquired).toBe(true);
    if (!first.acquired) return;
    const tooEarly = await stores[2]!.takeLease(lease(60));
    expect(tooEarly.acquired).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const second = await stores[2]!.takeLease(lease(60));
    expect(second).toMatchObject({ acquired: true, abandonedRunId: first.runId });

    const old = await database.admin.query<{ status: string; error: string }>(
      'select status, error from pricing_sync_runs where id = $1',
      [first.runId],
    );
    expect(old.rows[0]?.status).toBe('abandoned');
    expect(old.rows[0]?.error).toMatch(/lease expired/);
    const totals = await stores[3]!.readMetrics();
    expect(totals.totals).toContainEqual(['runs', 'cron', 'abandoned', '1']);

    // The abandoned run can no longer finish or apply: its late answer changes nothing.
    const late = await stores[1]!.finishRun(first.runId, 'success', { providers: {} }, null);
    expect(late).toMatchObject({ finished: false, status: 'abandoned' });
    await expect(
      applyRecords(stores[1]!, first.runId, [], { provider: 'openrouter', source: 'x' }),
    ).rejects.toThrow(/does not hold the sync lease/);
  });

  it("stages LiteLLM entries while another call holds the lease row's lock, and commits them only once it is free", async () => {
    const holder = await database.admin.query<{ run_id: string | null }>(
      'select run_id from pricing_sync_lease where id = 1',
    );
    const held = holder.rows[0]?.run_id;
    if (held) await stores[4]!.finishRun(Number(held), 'success', { providers: {} }, null);
    const taken = await stores[4]!.takeLease(lease(60));
    if (!taken.acquired) throw new Error('lease');
    const entries = Object.fromEntries(
      Array.from({ length: APPLY_CHUNK_ROWS + 1 }, (_, index) => [`staged/model-${index}`, { mode: 'chat' }]),
    );
    // Something holds the lease row FOR UPDATE until it ends (an operator action; a commit holds it
    // FOR SHARE, pricing_share_lease, and a commit of this run waits for either).
    await database.admin.query('begin');
    await database.admin.query('select run_id from pricing_sync_lease where id = 1 for update');
    let staged: StagedLiteLlmEntries;
    try {
      // Resolves (one chunk staged, one kept for the commit) though the lock is held.
      staged = await stores[5]!.stageLiteLlmEntries(taken.runId, entries);
      expect(Object.keys(staged.last)).toHaveLength(1);
    } finally {
      await database.admin.query('rollback');
    }
    await expect(
      applyRecords(stores[5]!, taken.runId, [], {
        provider: 'litellm',
        source: 'x',
        liteLlmEntries: { staged, heldModelIds: [] },
      }),
    ).resolves.toMatchObject({ entriesWritten: APPLY_CHUNK_ROWS + 1 });
    await stores[4]!.finishRun(taken.runId, 'success', { providers: {} }, null);
  });

  it("reads a provider's operator state while another provider's commit holds the lease row, and locks it only to remove expired pins", async () => {
    const taken = await stores[9]!.takeLease(lease(60));
    if (!taken.acquired) throw new Error('lease');
    const operator = new OperatorStore(stores[10]!);
    await expect(operator.readOperatorState(taken.runId + 1, 'nearai')).rejects.toThrow(
      /does not hold the sync lease/,
    );
    const timeout = (what: string) =>
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what} waited for the lease row`)), 5_000),
      );
    await database.admin.query(
      `insert into pricing_pins (provider, model_id, prices, reason, pinned_by, run_id, expires_at)
       values ('featherless', 'old/pin', '{}', 'x', 'test', 0, now() - interval '1 minute')`,
    );
    // The lease row held FOR UPDATE until the transaction ends (an operator action, or what a commit's
    // FOR SHARE would also block: an exclusive lock on it).
    await database.admin.query('begin');
    await database.admin.query('select run_id from pricing_sync_lease where id = 1 for update');
    let expiring: Promise<unknown>;
    let settled = false;
    try {
      await expect(
        Promise.race([operator.readOperatorState(taken.runId, 'nearai'), timeout('reading')]),
      ).resolves.toMatchObject({ pins: [], expiredPins: [] });
      // An expired pin is removed under the lock: that read waits for the commit.
      expiring = operator.readOperatorState(taken.runId, 'featherless');
      void expiring.finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
    } finally {
      await database.admin.query('rollback');
    }
    await expect(expiring).resolves.toMatchObject({ expiredPins: ['old/pin'] });
    await stores[9]!.finishRun(taken.runId, 'success', { providers: {} }, null);
  });

  it("stages a provider's rows while another provider's commit holds the lease row, and only for the holder", async () => {
    const taken = await stores[6]!.takeLease(lease(60));
    if (!taken.acquired) throw new Error('lease');
    const records = manyRecords(APPLY_CHUNK_ROWS + 1, 'featherless');
    const request: ApplyRequest = {
      runId: taken.runId,
      provider: 'featherless',
      records,
      missing: [],
      catalogHash: null,
      held: [],
      source: 'x',
    };
    // A run that does not hold the lease stages nothing.
    await expect(stores[7]!.stageApply({ ...request, runId: taken.runId + 1 })).rejects.toThrow(
      /does not hold the sync lease/,
    );
    // The lease row held FOR UPDATE until the transaction ends (an operator action, or what a commit's
    // FOR SHARE would also block: an exclusive lock on it).
    await database.admin.query('begin');
    await database.admin.query('select run_id from pricing_sync_lease where id = 1 for update');
    let staged: StagedApply;
    try {
      // Resolves (one chunk staged, the rest kept for the commit) though the lock is held.
      staged = await Promise.race([
        stores[7]!.stageApply(request),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('staging waited for the lease row')), 5_000),
        ),
      ]);
      const chunks = await database.admin.query<{ n: string }>(
        `select count(*)::text as n from pricing_apply_stage where run_id = $1 and provider = 'featherless'`,
        [taken.runId],
      );
      expect(chunks.rows[0]?.n).toBe('1');
    } finally {
      await database.admin.query('rollback');
    }
    await expect(staged.commit()).resolves.toMatchObject({ added: APPLY_CHUNK_ROWS + 1 });
    const written = await database.admin.query<{ n: string }>(
      `select count(*)::text as n from model_pricing where provider = 'featherless'`,
    );
    expect(written.rows[0]?.n).toBe(String(APPLY_CHUNK_ROWS + 1));
    await stores[6]!.finishRun(taken.runId, 'success', { providers: {} }, null);
  });
});
