import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import { priceRecord } from '../support/store-fixtures.js';
import type { TestDatabase } from '../support/test-database.js';
import { applyRecords, holdLease, openTestStore, type TestStore } from '../support/test-store.js';

// The SQL functions run as their owner. A role that may create in `public` must not be able to
// slip its own objects into them by name: every object they use is schema-qualified, and their
// temp table is pg_temp.pricing_commit_rows (pg_temp.pricing_incoming_digests before, and
// pg_temp.pricing_incoming before item digests).
describe('SECURITY DEFINER functions and a role that may create in public', () => {
  let fixture: TestStore;
  let database: TestDatabase;
  let store: PricingStore;
  const intruder = `intruder_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    fixture = await openTestStore('postgres');
    database = fixture.database!;
    store = fixture.store;
    await database.admin.query(`create role ${intruder} nologin`);
    await database.admin.query(`grant create, usage on schema public to ${intruder}`);
  });
  afterAll(async () => {
    await fixture.close();
    const { default: pg } = await import('pg');
    const root = new pg.Client({ connectionString: new URL('/postgres', database.url).toString() });
    await root.connect();
    await root.query(`drop role if exists ${intruder}`);
    await root.end();
  });

  it.each(['pricing_incoming', 'pricing_incoming_digests', 'pricing_commit_rows'])(
    'ignores a public.%s table whose trigger rewrites prices',
    async (table) => {
      await database.admin.query('begin');
      await database.admin.query(`set local role ${intruder}`);
      await database.admin.query(`
      create table public.${table} (
        model_id text primary key, state text not null,
        input numeric, output numeric, cache_read numeric, cache_write numeric,
        request numeric, image numeric, extra jsonb not null, tiers jsonb not null,
        context_length integer, alias_of text, source_digest text
      );
      create function public.${table}_rewrite() returns trigger language plpgsql as $$
      begin
        new.input := 0.0000001;
        return new;
      end $$;
      create trigger rewrite before insert on public.${table}
        for each row execute function public.${table}_rewrite();
    `);
      await database.admin.query('commit');

      const runId = await holdLease(store, { triggeredBy: 't', providers: [], leaseSeconds: 30 });
      const model = `m/${table}`;
      await applyRecords(store, runId, [priceRecord(model, '5', '7')], {
        provider: 'openrouter',
        source: 't',
      });
      await store.finishRun(runId, 'success', { providers: {} }, null);

      const models = await store.readModels('openrouter');
      expect(models.find((stored) => stored.modelId === model)?.inputUsdPerMillionTokens).toBe('5');
      const history = await database.admin.query<{ input: string }>(
        `select new_input_price_per_1m_tokens::text as input from public.model_pricing_history where model_id = $1`,
        [model],
      );
      expect(history.rows).toEqual([{ input: '5' }]);
      const shadow = await database.admin.query(`select 1 from public.${table}`);
      expect(shadow.rows).toEqual([]);
    },
  );
});

describe('pricing_finish_run and hostile results', () => {
  let fixture: TestStore;
  let database: TestDatabase;
  let store: PricingStore;
  beforeAll(async () => {
    fixture = await openTestStore('postgres');
    database = fixture.database!;
    store = fixture.store;
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('records the run whatever its results contain', async () => {
    const runId = await holdLease(store, { triggeredBy: 't', providers: [], leaseSeconds: 30 });
    const results = {
      providers: {
        openrouter: {
          applied: 'maybe',
          counts: { added: 'many', changed: '1e999999', unchanged: { n: 1 }, held: 2 },
          error: { message: 'no reason given \u2028 "quoted" \\ back' },
          held_changes: { not: 'an array' },
        },
        nearai: 'not an object',
      },
    };
    const finished = await store.finishRun(runId, 'partial', results, 'a message; drop table x; --');
    expect(finished).toMatchObject({ finished: true });
    const runs = await database.admin.query<{ status: string; error: string }>(
      'select status, error from public.pricing_sync_runs where id = $1',
      [runId],
    );
    expect(runs.rows).toEqual([{ status: 'partial', error: 'a message; drop table x; --' }]);
    const totals = await database.admin.query<{
      metric: string;
      label1: string;
      label2: string;
      value: string;
    }>(
      `select metric, label1, label2, value::text from public.pricing_metric_totals
        where metric in ('models', 'provider_errors') order by metric, label2`,
    );
    expect(totals.rows).toEqual([
      { metric: 'models', label1: 'openrouter', label2: 'held', value: '2' },
      { metric: 'provider_errors', label1: 'openrouter', label2: 'unknown', value: '1' },
    ]);
  });
});
