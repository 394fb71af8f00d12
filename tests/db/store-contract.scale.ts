import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLY_CHUNK_ROWS,
  type PricingStore,
  type StagedLiteLlmEntries,
} from '../../lib/db/pricing-store.js';
import { StoreError } from '../../lib/db/store-error.js';
import { manyRecords, priceRecord } from '../support/store-fixtures.js';
import {
  applyRecords,
  contentHash,
  failingStore,
  holdLease,
  openTestStore,
  STORE_KIND_NAMES,
  TEST_STORE_KINDS,
  type TestStore,
} from '../support/test-store.js';

/**
 * The store contract's cases that need thousands of rows (several staged chunks) on each adapter:
 * all-or-nothing when a chunk or the commit is lost, 25,000 rows applied twice, and LiteLLM
 * entries staged in chunks. They run in `npm run test:reliability` (`*.scale.ts`), beside the
 * load and fault suites; `store-contract.test.ts` keeps the same contract on a few rows.
 */
const PRICE_TABLES = ['model_pricing', 'model_pricing_history'];

describe.each(TEST_STORE_KINDS.map((kind) => [STORE_KIND_NAMES[kind], kind] as const))(
  'store contract at scale: %s',
  (_name, kind) => {
    let fixture: TestStore;
    beforeAll(async () => {
      fixture = await openTestStore(kind);
    });
    afterAll(async () => {
      await fixture.close();
    });

    it.each([
      ['the third chunk is lost', 'stage', 'featherless'],
      ['the commit fails', 'commit', 'openrouter'],
    ] as const)('leaves the provider byte-for-byte as it was when %s', async (_case, where, provider) => {
      const baseline = manyRecords(12_000, provider);
      const first = await holdLease(fixture.store);
      await applyRecords(fixture.store, first, baseline, { provider });
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      const before = [
        await contentHash(fixture.inspect, 'model_pricing'),
        await contentHash(fixture.inspect, 'model_pricing_history'),
      ];

      const changed = manyRecords(16_000, provider, 7);
      const second = await holdLease(fixture.store);
      let stageCalls = 0;
      let store: PricingStore;
      if (where === 'stage') {
        store = failingStore(fixture, (name) => name === 'pricing_stage_chunk' && ++stageCalls === 3);
      } else {
        // A value Postgres rejects, in the last chunk: the commit's transaction aborts as a whole.
        changed[15_999] = { ...changed[15_999]!, inputUsdPerMillionTokens: 'not-a-number' };
        store = fixture.store;
      }
      await expect(applyRecords(store, second, changed, { provider })).rejects.toThrow(StoreError);
      await fixture.store.finishRun(second, 'failed', { providers: {} }, 'apply failed');
      expect([
        await contentHash(fixture.inspect, 'model_pricing'),
        await contentHash(fixture.inspect, 'model_pricing_history'),
      ]).toEqual(before);

      // The next run applies cleanly over whatever the failed one left staged.
      const third = await holdLease(fixture.store);
      const applied = await applyRecords(fixture.store, third, manyRecords(16_000, provider, 7), {
        provider,
      });
      await fixture.store.finishRun(third, 'success', { providers: {} }, null);
      expect(applied.added).toBe(4_000);
      expect(applied.changed).toBe(12_000);
    });

    it('applies 25,000 rows and writes no rows when the same 25,000 are applied again', async () => {
      const records = manyRecords(25_000, 'litellm');
      const first = await holdLease(fixture.store);
      const added = await applyRecords(fixture.store, first, records, { provider: 'litellm' });
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      expect(added.added).toBe(25_000);
      const stored = await fixture.inspect.query<{ n: string }>(
        `select count(*)::text as n from model_pricing where provider = 'litellm'`,
      );
      expect(stored[0]?.n).toBe('25000');

      const before = await fixture.writes(PRICE_TABLES);
      const second = await holdLease(fixture.store);
      const again = await applyRecords(fixture.store, second, records, { provider: 'litellm' });
      await fixture.store.finishRun(second, 'success', { providers: {} }, null);
      expect(again.rowsWritten).toBe(0);
      expect(await fixture.writes(PRICE_TABLES)).toBe(before);
      expect(await fixture.store.readModels('litellm')).toHaveLength(25_000);
    });

    it('writes staged LiteLLM entries with the litellm commit, all or nothing; held models keep theirs', async () => {
      // One chunk staged on its own, the last one sent with the commit.
      const count = APPLY_CHUNK_ROWS + 3;
      const ids = Array.from({ length: count }, (_, index) => `staged/model-${index}`);
      const entriesOf = (mode: string) =>
        Object.fromEntries(ids.map((id, index) => [id, { mode, max_tokens: index }]));
      const recordsOf = (input: string) =>
        ids.map((id) => priceRecord(id, input, '2', { provider: 'litellm' }));
      const apply = (
        runId: number,
        input: string,
        staged: StagedLiteLlmEntries,
        heldModelIds: string[] = [],
      ) =>
        applyRecords(fixture.store, runId, recordsOf(input), {
          provider: 'litellm',
          liteLlmEntries: { staged, heldModelIds },
        });
      const stagedRows = async () =>
        Number(
          (
            await fixture.inspect.query<{ n: string }>(
              'select count(*) as n from pricing_litellm_entries_stage',
            )
          )[0]!.n,
        );
      const storedEntry = async (id: string) => (await fixture.store.readLiteLlmMap(null)).entries[id];

      const first = await holdLease(fixture.store);
      const staged = await fixture.store.stageLiteLlmEntries(first, entriesOf('chat'));
      expect(Object.keys(staged.last)).toEqual(ids.slice(APPLY_CHUNK_ROWS));
      expect(await stagedRows()).toBe(1);
      // Staged only: nothing is written before the commit.
      expect(await storedEntry(ids[0]!)).toBeUndefined();
      expect(await apply(first, '1', staged)).toMatchObject({ added: count, entriesWritten: count });
      expect(await stagedRows()).toBe(0);
      await fixture.store.finishRun(first, 'success', { providers: {} }, null);
      expect(await storedEntry(ids[0]!)).toEqual({ mode: 'chat', max_tokens: 0 });
      expect(await storedEntry(ids[count - 1]!)).toEqual({ mode: 'chat', max_tokens: count - 1 });

      // The last call fails while writing the entries (a staged model sent again): the provider's
      // rows and every entry stay as they were.
      const second = await holdLease(fixture.store);
      const restaged = await fixture.store.stageLiteLlmEntries(second, entriesOf('embedding'));
      const before = [
        await contentHash(fixture.inspect, 'model_pricing'),
        await contentHash(fixture.inspect, 'pricing_litellm_entries'),
      ];
      const twice = { runId: second, last: { ...restaged.last, [ids[0]!]: { mode: 'embedding' } } };
      await expect(apply(second, '1.5', twice)).rejects.toBeInstanceOf(StoreError);
      expect([
        await contentHash(fixture.inspect, 'model_pricing'),
        await contentHash(fixture.inspect, 'pricing_litellm_entries'),
      ]).toEqual(before);

      // Applied again, with one model held: it keeps its entry, the others take the new one.
      expect(await apply(second, '1.5', restaged, [ids[1]!])).toMatchObject({
        changed: count,
        entriesWritten: count - 1,
      });
      expect(await storedEntry(ids[0]!)).toEqual({ mode: 'embedding', max_tokens: 0 });
      expect(await storedEntry(ids[1]!)).toEqual({ mode: 'chat', max_tokens: 1 });
      await fixture.store.finishRun(second, 'success', { providers: {} }, null);
      await expect(fixture.store.stageLiteLlmEntries(second, entriesOf('chat'))).rejects.toThrow(/lease/);
    });
  },
);
