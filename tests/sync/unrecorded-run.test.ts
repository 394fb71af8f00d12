import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { StoreError } from '../../lib/db/store-error.js';
import { createLogger } from '../../lib/logging/logger.js';
import { createProviderSources } from '../../lib/providers/registry.js';
import { runSync } from '../../lib/sync/run-sync.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { postgresStore, postgresTransport } from '../support/test-store.js';

/** A store whose finishRun always fails, as when the database drops right at the end of a run. */
class StoreThatCannotFinish extends PricingStore {
  override async finishRun(): Promise<never> {
    throw new StoreError('pricing_finish_run: connection terminated (simulated)', { unavailable: true });
  }
}

describe('a run that cannot be recorded', () => {
  let harness: SyncHarness;
  beforeAll(async () => {
    harness = await startSyncHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('keeps its lease until it expires, and the next run records it as abandoned', async () => {
    const settings = { leaseSeconds: 2, deadlineSeconds: 30, maxShrink: 0.5, maxPriceRatio: '10' };
    const broken = new StoreThatCannotFinish(postgresTransport(harness.database.url));
    const outcome = await runSync(
      {
        store: broken,
        sources: createProviderSources(harness.env),
        settings,
        logger: createLogger({ level: 'silent' }),
      },
      { trigger: 'manual', triggeredBy: 'test', dryRun: false, force: false },
    );
    expect(outcome).toMatchObject({ kind: 'finished', report: { status: 'failed' } });
    if (outcome.kind !== 'finished') return;
    await broken.close();

    const lease = await harness.database.admin.query<{ run_id: string }>(
      'select run_id::text from pricing_sync_lease',
    );
    expect(lease.rows[0]?.run_id).toBe(String(outcome.report.run_id));

    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const store = postgresStore(harness.database.url);
    const next = await runSync(
      {
        store,
        sources: createProviderSources(harness.env),
        settings,
        logger: createLogger({ level: 'silent' }),
      },
      { trigger: 'manual', triggeredBy: 'test', dryRun: false, force: false },
    );
    await store.close();
    expect(next).toMatchObject({ kind: 'finished', report: { status: 'success' } });
    const runs = await harness.database.admin.query<{ id: string; status: string }>(
      'select id::text, status from pricing_sync_runs order by id',
    );
    expect(runs.rows.map((run) => run.status)).toEqual(['abandoned', 'success']);
  });
});
