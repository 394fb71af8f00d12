import { describe, expect, it } from 'vitest';
import type { NormalizedCatalog, PriceRecord } from '../../lib/providers/price-record.js';
import { catalogHash } from '../../lib/sync/catalog-hash.js';
import { planProvider, withCommittedCounts, type PlanInput } from '../../lib/sync/plan-provider.js';
import type { StoredModel } from '../../lib/domain/stored-model.js';
import { emptyCounts } from '../../lib/sync/sync-result.js';
import { priceRecord } from '../support/store-fixtures.js';

const settings = { maxShrink: 0.5, maxPriceRatio: '10' };

function stored(record: PriceRecord, state: StoredModel['state'] = record.state): StoredModel {
  const { provider: _provider, ...model } = record;
  return { ...model, state };
}

function plan(catalog: NormalizedCatalog, options: Partial<Omit<PlanInput, 'catalog'>> = {}) {
  return planProvider({
    provider: 'openrouter',
    catalog,
    hash: catalogHash(
      catalog.records,
      catalog.liteLlmEntries ? { entries: catalog.liteLlmEntries } : undefined,
    ),
    stored: [],
    settings,
    dryRun: false,
    force: false,
    ...options,
  });
}

const a = priceRecord('a', '1', '2');
const b = priceRecord('b', '3', '4');
const c = priceRecord('c', '5', '6');
const catalogOf = (...records: PriceRecord[]): NormalizedCatalog => ({ records, invalid: [] });

describe('planProvider', () => {
  it('counts what was fetched: records, invalid items, unpriced and variable models', () => {
    const { result } = plan({
      records: [
        a,
        priceRecord('u', null, null, { state: 'unpriced' }),
        priceRecord('v', null, null, { state: 'variable' }),
      ],
      invalid: [{ id: 'x', reason: 'bad' }],
    });
    expect(result.counts).toMatchObject({ fetched: 3, invalid: 1, unpriced: 1, variable: 1, added: 3 });
    expect(result.invalid_examples).toEqual([{ id: 'x', reason: 'bad' }]);
  });

  it('plans the unchanged-catalog shortcut as a write of the hash alone: no model, nothing held', () => {
    const planned = plan(catalogOf(a, b), { stored: null });
    expect(planned.result).toMatchObject({ outcome: 'unchanged', applied: true });
    expect(planned.result.counts).toMatchObject({ fetched: 2, unchanged: 2, added: 0 });
    expect(planned.write).toEqual({
      records: [],
      missing: [],
      catalogHash: catalogHash([a, b]),
      storesHash: true,
      held: [],
      heldCount: 0,
    });
    expect(planned.holds).toBeNull();
  });

  it.each([
    { name: 'nothing unreadable', unreadable: [], storesHash: true },
    { name: 'an unreadable model listed', unreadable: ['z'], storesHash: false },
  ])('diffs the stored models and stores the hash with $name: $storesHash', ({ unreadable, storesHash }) => {
    const catalog = { ...catalogOf(a, b), unreadableIds: unreadable };
    const planned = plan(catalog, { stored: [stored(a), stored(b)] });
    expect(planned.result.outcome).toBe('applied');
    expect(planned.result.counts.unchanged).toBe(2);
    expect(planned.write?.catalogHash).toBe(storesHash ? catalogHash([a, b]) : null);
    expect(planned.write?.storesHash).toBe(storesHash);
  });

  it('plans without a hash (hashed while committing), and says the hash is still to store', () => {
    const catalog = catalogOf(a, b);
    const planned = plan(catalog, { hash: null });
    expect(planned.result.counts.added).toBe(2);
    expect(planned.write).toMatchObject({ catalogHash: null, storesHash: true });
    const held = plan(catalogOf(a, priceRecord('b', '300', '4')), { hash: null, stored: [stored(b)] });
    expect(held.write).toMatchObject({ catalogHash: null, storesHash: false });
  });

  it('holds an empty catalog', () => {
    const planned = plan(catalogOf(), { stored: [stored(a)] });
    expect(planned.result).toMatchObject({ outcome: 'held', applied: false });
    expect(planned.result.held_changes[0]?.reason).toBe('empty_catalog');
    expect(planned.write).toBeNull();
  });

  it('writes nothing on a dry run of an unchanged catalog, and says dry_run', () => {
    const planned = plan(catalogOf(a), { stored: null, dryRun: true });
    expect(planned.result).toMatchObject({ outcome: 'dry_run', counts: { unchanged: 1 } });
    expect(planned.write).toBeNull();
  });

  it('plans added, changed (up and down), restored and missing models, and writes only those', () => {
    const cheaper = priceRecord('b', '2', '4');
    const dearer = priceRecord('c', '6', '6');
    const back = priceRecord('d', '1', '1');
    const gone = priceRecord('e', '1', '1');
    const planned = plan(catalogOf(a, cheaper, dearer, back), {
      stored: [stored(b), stored(c), stored(back, 'missing'), stored(gone)],
    });
    expect(planned.result.counts).toMatchObject({
      fetched: 4,
      added: 1,
      changed: 2,
      restored: 1,
      missing: 1,
      unchanged: 0,
      price_up: 1,
      price_down: 1,
    });
    expect(planned.write?.records.map((record) => record.modelId)).toEqual(['a', 'b', 'c', 'd']);
    expect(planned.write?.missing).toEqual(['e']);
    expect(planned.write?.catalogHash).toBe(catalogHash([a, cheaper, dearer, back]));
  });

  it('holds a model whose price swings, applies the rest, and forgets the hash', () => {
    const swing = priceRecord('b', '300', '4');
    const planned = plan(catalogOf(a, swing), { stored: [stored(b)] });
    expect(planned.result).toMatchObject({
      outcome: 'applied',
      applied: true,
      counts: { added: 1, held: 1 },
    });
    expect(planned.write?.records.map((record) => record.modelId)).toEqual(['a']);
    expect(planned.write).toMatchObject({ catalogHash: null, heldCount: 1 });
    expect(planned.write?.held).toEqual(planned.result.held_changes);
    expect(planned.result.held_changes[0]).toMatchObject({
      scope: 'model',
      reason: 'price_swing',
      model_id: 'b',
    });
  });

  it('applies what would be held when forced', () => {
    const planned = plan(catalogOf(priceRecord('b', '300', '4')), { stored: [stored(b)], force: true });
    expect(planned.result.counts).toMatchObject({ changed: 1, held: 0 });
    expect(planned.write?.records).toHaveLength(1);
  });

  it('holds the whole provider when its catalog shrank by more than half, and writes nothing', () => {
    const planned = plan(catalogOf(a), { stored: [stored(a), stored(b), stored(c)] });
    expect(planned.result).toMatchObject({ outcome: 'held', applied: false, counts: { held: 2 } });
    expect(planned.result.held_changes[0]?.reason).toBe('catalog_shrank');
    expect(planned.write).toBeNull();
  });

  it('lists the changes a dry run would make, and writes nothing', () => {
    const planned = plan(catalogOf(a, priceRecord('b', '3.5', '4')), {
      stored: [stored(b), stored(c)],
      dryRun: true,
    });
    expect(planned.write).toBeNull();
    expect(planned.result.outcome).toBe('dry_run');
    // Every price field, in the one shape the API uses (GET /prices, held rows' current/proposed).
    expect(planned.result.changes?.[0]?.new).toEqual({
      state: 'active',
      input_price_per_1m_tokens: '1',
      output_price_per_1m_tokens: '2',
      cache_read_price_per_1m_tokens: a.cacheReadUsdPerMillionTokens,
      cache_write_price_per_1m_tokens: a.cacheWriteUsdPerMillionTokens,
      request_price: a.requestUsd,
      image_price: a.imageUsd,
      extra: a.extraPrices,
      tiers: a.tiers,
      context_length: a.contextLength,
      alias_of: a.aliasOf,
    });
    expect(planned.result.changes).toEqual([
      {
        model_id: 'a',
        kind: 'added',
        old: null,
        new: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '1',
          output_price_per_1m_tokens: '2',
        }),
      },
      {
        model_id: 'b',
        kind: 'changed',
        old: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '3',
          output_price_per_1m_tokens: '4',
        }),
        new: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '3.5',
          output_price_per_1m_tokens: '4',
        }),
      },
      {
        model_id: 'c',
        kind: 'missing',
        old: expect.objectContaining({
          state: 'active',
          input_price_per_1m_tokens: '5',
          output_price_per_1m_tokens: '6',
        }),
        new: null,
      },
    ]);
  });

  it("keeps a held model's LiteLLM entry out of the entries to store", () => {
    const catalog = {
      ...catalogOf(a, priceRecord('b', '300', '4')),
      liteLlmEntries: { a: { input_cost_per_token: 1e-6 }, b: { input_cost_per_token: 3e-4 } },
    };
    const planned = plan(catalog, { stored: [stored(b)] });
    expect(planned.liteLlmEntries).toEqual({ heldModelIds: ['b'] });
  });

  it('writes held details that Postgres can store, whatever text the feed sent', () => {
    const planned = plan(catalogOf(priceRecord('b\u0000', '300', '4')), {
      stored: [stored(priceRecord('b\u0000', '3', '4'))],
    });
    expect(planned.result.held_changes[0]?.model_id).toBe('b\\u0000');
  });
});

describe('withCommittedCounts', () => {
  it('reports what the database committed in place of the planned change counts', () => {
    const planned = { ...emptyCounts(), fetched: 5, added: 2, changed: 1, price_up: 1 };
    expect(withCommittedCounts(planned, { added: 1, changed: 1, restored: 0, missing: 3 })).toEqual({
      ...planned,
      added: 1,
      missing: 3,
    });
  });
});
