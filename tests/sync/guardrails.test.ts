import { describe, expect, it } from 'vitest';
import type { StoredModel } from '../../lib/domain/stored-model.js';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import { diffCatalog } from '../../lib/sync/diff-catalog.js';
import { applyGuardrails } from '../../lib/sync/guardrails.js';
import { priceRecord } from '../support/store-fixtures.js';

const settings = { maxShrink: 0.5, maxPriceRatio: '10' };

function storedCatalog(n: number): StoredModel[] {
  return Array.from({ length: n }, (_, index) => {
    const { provider: _provider, ...record } = priceRecord(`m${index}`, '1', '2');
    return record;
  });
}

function guard(stored: StoredModel[], fetched: PriceRecord[], force = false) {
  return applyGuardrails(stored, fetched.length, diffCatalog(stored, fetched), settings, force);
}

describe('guardrails', () => {
  it('holds the whole provider when the catalog is empty', () => {
    const result = guard(storedCatalog(10), []);
    expect(result.providerHold?.reason).toBe('empty_catalog');
    expect(result.apply).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.heldModels).toBe(10);
  });

  it.each([
    { kept: 4, held: true },
    { kept: 5, held: false },
    { kept: 10, held: false },
  ])('with 10 active stored and $kept listed, holds the provider: $held', ({ kept, held }) => {
    const fetched = Array.from({ length: kept }, (_, index) => priceRecord(`m${index}`, '1', '2'));
    const result = guard(storedCatalog(10), fetched);
    expect(result.providerHold?.reason ?? null).toBe(held ? 'catalog_shrank' : null);
    expect(result.missing).toHaveLength(held ? 0 : 10 - kept);
  });

  it.each([
    { name: 'exactly 10x up is allowed', input: '10', output: '2', held: false },
    { name: 'more than 10x up is held', input: '10.01', output: '2', held: true },
    { name: 'more than 10x down on output is held', input: '1', output: '0.19', held: true },
    { name: 'exactly 10x down is allowed', input: '1', output: '0.2', held: false },
    { name: 'to zero is held', input: '0', output: '2', held: true },
    { name: 'a small change is allowed', input: '1.1', output: '2', held: false },
  ])('$name', ({ input, output, held }) => {
    const stored = storedCatalog(3);
    const fetched = [
      priceRecord('m0', input, output),
      priceRecord('m1', '1', '2'),
      priceRecord('m2', '1.5', '2'),
    ];
    const result = guard(stored, fetched);
    expect(result.held.map((change) => change.model_id)).toEqual(held ? ['m0'] : []);
    expect(result.apply.map((change) => change.modelId)).toEqual(
      held ? ['m2'] : ['m0', 'm2'].filter((id) => id !== 'm0' || input !== '1' || output !== '2'),
    );
    if (held) {
      expect(result.held[0]).toMatchObject({
        reason: 'price_swing',
        old: { input_per_1m: '1', output_per_1m: '2' },
        new: { input_per_1m: input, output_per_1m: output },
      });
    }
  });

  it.each([
    {
      name: 'an input price that disappears',
      fetched: priceRecord('m0', null, '2'),
      detail: /input price 1 USD per 1M tokens disappeared/,
    },
    {
      name: 'a priced model that becomes variable',
      fetched: priceRecord('m0', null, null, { state: 'variable' }),
      detail: /became variable/,
    },
    {
      name: 'a priced model that becomes unpriced',
      fetched: priceRecord('m0', null, null, { state: 'unpriced' }),
      detail: /became unpriced/,
    },
  ])('holds $name', ({ fetched, detail }) => {
    const stored = storedCatalog(2);
    const result = guard(stored, [fetched, priceRecord('m1', '1', '2')]);
    expect(result.held.map((change) => change.model_id)).toEqual(['m0']);
    expect(result.held[0]?.detail).toMatch(detail);
  });

  it('lets an unpriced model gain a price', () => {
    const { provider: _provider, ...unpriced } = priceRecord('u', null, null, { state: 'unpriced' });
    const result = applyGuardrails(
      [unpriced],
      1,
      diffCatalog([unpriced], [priceRecord('u', '1', '2')]),
      settings,
      false,
    );
    expect(result.held).toEqual([]);
    expect(result.apply.map((change) => change.modelId)).toEqual(['u']);
  });

  it('checks a restored model against the prices it had before it went missing', () => {
    const stored = storedCatalog(3).map((model) =>
      model.modelId === 'm0' ? { ...model, state: 'missing' as const } : model,
    );
    const result = guard(stored, [
      priceRecord('m0', '100', '2'),
      priceRecord('m1', '1', '2'),
      priceRecord('m2', '1', '2'),
    ]);
    expect(result.held.map((change) => change.model_id)).toEqual(['m0']);
    const calm = guard(stored, [
      priceRecord('m0', '1.2', '2'),
      priceRecord('m1', '1', '2'),
      priceRecord('m2', '1', '2'),
    ]);
    expect(calm.held).toEqual([]);
    expect(calm.apply.map((change) => [change.modelId, change.kind])).toEqual([['m0', 'restored']]);
  });

  it('counts unpriced models when deciding that a catalog shrank', () => {
    const stored = Array.from({ length: 10 }, (_, index) => {
      const { provider: _provider, ...record } = priceRecord(`u${index}`, null, null, { state: 'unpriced' });
      return record;
    });
    const fetched = Array.from({ length: 3 }, (_, index) =>
      priceRecord(`u${index}`, null, null, { state: 'unpriced' }),
    );
    expect(
      applyGuardrails(stored, 3, diffCatalog(stored, fetched), settings, false).providerHold?.reason,
    ).toBe('catalog_shrank');
  });

  it('holds a move from zero', () => {
    const { provider: _provider, ...free } = priceRecord('free', '0', '0');
    const result = applyGuardrails(
      [free],
      1,
      diffCatalog([free], [priceRecord('free', '0.5', '0')]),
      settings,
      false,
    );
    expect(result.held.map((change) => change.model_id)).toEqual(['free']);
  });

  it('with force, holds nothing and applies everything', () => {
    const empty = guard(storedCatalog(10), [], true);
    expect(empty.providerHold).toBeNull();
    expect(empty.missing).toHaveLength(10);
    const swing = guard(storedCatalog(1), [priceRecord('m0', '100', '2')], true);
    expect(swing.held).toEqual([]);
    expect(swing.apply.map((change) => change.modelId)).toEqual(['m0']);
  });
});
