import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '../../api/metrics.js';
import { request, startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';
import { settleStatistics, type TestDatabase } from '../support/test-database.js';

/**
 * Rows Postgres itself counted as read (sequential tuples read plus index tuples fetched) from
 * every table of the database.
 */
async function rowsReadSoFar(database: TestDatabase): Promise<number> {
  await settleStatistics(database);
  const { admin } = database;
  const result = await admin.query<{ reads: string }>(
    `select coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::text as reads
       from pg_stat_user_tables`,
  );
  return Number(result.rows[0]?.reads ?? 0);
}

async function rowsReadBy(database: TestDatabase, action: () => Promise<void>): Promise<number> {
  const before = await rowsReadSoFar(database);
  await action();
  return (await rowsReadSoFar(database)) - before;
}

/** Finished cron runs straight into the table, hourly back in time from a day ago. */
async function insertRuns(database: TestDatabase, count: number): Promise<void> {
  await database.admin.query(
    `insert into pricing_sync_runs (trigger, status, providers, started_at, finished_at, duration_seconds, results)
     select 'cron', case when n % 10 = 0 then 'failed' else 'success' end, '{openrouter,nearai}',
            now() - interval '1 day' - n * interval '1 hour',
            now() - interval '1 day' - n * interval '1 hour' + interval '12 seconds', 12,
            '{"providers": {}}'::jsonb
       from generate_series(1, $1::int) as n`,
    [count],
  );
}

describe('the cost of a scrape', () => {
  let harness: FunctionHarness;
  const scrape = async () => {
    const response = await GET(request('/metrics'));
    expect(response.status).toBe(200);
    await response.text();
  };
  const runCount = async () =>
    Number(
      (await harness.database.admin.query<{ n: string }>('select count(*)::text as n from pricing_sync_runs'))
        .rows[0]?.n,
    );

  beforeAll(async () => {
    harness = await startFunctionHarness();
    const context = harness.configure();
    expect(
      (await context.sync({ trigger: 'cron', triggeredBy: null, dryRun: false, force: false })).kind,
    ).toBe('finished');
  });
  afterAll(async () => {
    await harness.close();
  });

  it('reads no more rows with 100,000 stored runs than with 100', async () => {
    await insertRuns(harness.database, 99);
    expect(await runCount()).toBe(100);
    await scrape(); // warm: the pool connects, the catalog is cached
    const withHundred = await rowsReadBy(harness.database, scrape);

    await insertRuns(harness.database, 99_900);
    await harness.database.admin.query('analyze pricing_sync_runs');
    expect(await runCount()).toBe(100_000);
    await scrape();
    const withHundredThousand = await rowsReadBy(harness.database, scrape);

    expect(withHundred).toBeGreaterThan(0);
    expect(withHundred).toBeLessThan(1_000);
    expect(withHundredThousand).toBeLessThanOrEqual(withHundred);
  });

  it('would see a scrape that read the runs (the measurement is not blind)', async () => {
    const read = await rowsReadBy(harness.database, async () => {
      // Another connection, like the store's pool: its reads count once it has gone.
      const other = new pg.Client({ connectionString: harness.database.url });
      await other.connect();
      await other.query('select count(*) from pricing_sync_runs');
      await other.end();
    });
    expect(read).toBeGreaterThanOrEqual(100_000);
  });
});
