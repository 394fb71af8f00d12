import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

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
  let database: TestDatabase;
  const stores: PricingStore[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    for (let index = 0; index < 20; index += 1) {
      stores.push(
        new PricingStore(new PostgresAdapter({ connectionString: database.url, maxConnections: 1 })),
      );
    }
    // Open every connection first, so the attempts below really start together.
    await Promise.all(stores.map((store) => store.ping()));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
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
      stores[1]!.applyProvider({
        runId: first.runId,
        provider: 'openrouter',
        records: [],
        missing: [],
        catalogHash: null,
        held: [],
        source: 'x',
      }),
    ).rejects.toThrow(/does not hold the sync lease/);
  });
});
