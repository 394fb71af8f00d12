import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import type { TestDatabase } from '../support/test-database.js';
import { holdLease, openTestStore, type TestStore } from '../support/test-store.js';

// pricing_commit_provider keeps its incoming table for the session (20261201600000): each call,
// each commit and a call that fails must start from an empty table, or one apply would write
// another's rows.
describe('pricing_commit_provider across calls in one session', () => {
  let fixture: TestStore;
  let database: TestDatabase;
  let store: PricingStore;
  let runId: number;
  const row = (model: string, input: string) => ({
    model_id: model,
    state: 'active',
    input,
    output: '1',
    cache_read: null,
    cache_write: null,
    request: null,
    image: null,
    extra: {},
    tiers: [],
    context_length: null,
    alias_of: null,
  });
  const commit = (provider: string, rows: object[]) =>
    database.admin.query<{ result: { added: number; changed: number } }>(
      `select public.pricing_commit_provider($1, $2, $3::jsonb, '{}', null, '[]'::jsonb, 'test') as result`,
      [runId, provider, JSON.stringify(rows)],
    );

  beforeAll(async () => {
    fixture = await openTestStore('postgres');
    database = fixture.database!;
    store = fixture.store;
    runId = await holdLease(store, { triggeredBy: 't', providers: ['a', 'b'] });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('applies only its own rows: two calls in one transaction, one after another, and after a failed one', async () => {
    await database.admin.query('begin');
    const first = await commit('a', [row('m/1', '1'), row('m/2', '2')]);
    const second = await commit('b', [row('m/1', '5')]);
    await database.admin.query('commit');
    expect(first.rows[0]!.result).toMatchObject({ added: 2 });
    expect(second.rows[0]!.result).toMatchObject({ added: 1, changed: 0 });

    const third = await commit('a', [row('m/2', '3')]);
    expect(third.rows[0]!.result).toMatchObject({ added: 0, changed: 1 });

    // A call that fails (the same model twice) leaves nothing behind for the next one.
    await expect(commit('b', [row('m/9', '1'), row('m/9', '2')])).rejects.toThrow(/duplicate key/);
    const fourth = await commit('b', [row('m/3', '1')]);
    expect(fourth.rows[0]!.result).toMatchObject({ added: 1, changed: 0 });

    // Every incoming row is checked, not only those written: a model listed twice is refused even
    // when one copy is digest-only or holds the stored values, and so is a row without a model id.
    await expect(
      commit('a', [row('m/1', '1'), { ...row('m/1', '1'), source_digest: 'd', digest_only: true }]),
    ).rejects.toThrow(/duplicate key.*m\/1/);
    await expect(commit('a', [row('m/2', '3'), row('m/2', '3'), row('m/4', '1')])).rejects.toThrow(
      /duplicate key.*m\/2/,
    );
    // Refused before the join, even as a digest-only row (which writes nothing else, so nothing
    // later would fail on it), and so is a row without a state, or rows that are not an array.
    await expect(
      commit('a', [{ ...row('m/5', '1'), model_id: null, source_digest: 'd', digest_only: true }]),
    ).rejects.toMatchObject({ code: '23502', message: expect.stringMatching(/model id/) });
    await expect(commit('a', [{ ...row('m/5', '1'), state: null }])).rejects.toMatchObject({
      code: '23502',
      message: expect.stringMatching(/state/),
    });
    await expect(
      database.admin.query(
        `select public.pricing_commit_provider($1, 'a', '{"model_id": "m/6"}'::jsonb, '{}', null, '[]'::jsonb, 'test')`,
        [runId],
      ),
    ).rejects.toMatchObject({ code: '22023' });

    const stored = await database.admin.query<{ key: string; input: string }>(
      `select provider || ':' || model_id as key, input_price_per_1m_tokens::text as input
         from public.model_pricing order by 1`,
    );
    expect(stored.rows).toEqual([
      { key: 'a:m/1', input: '1' },
      { key: 'a:m/2', input: '3' },
      { key: 'b:m/1', input: '5' },
      { key: 'b:m/3', input: '1' },
    ]);
  });
});
