import { describe, expect, it } from 'vitest';
import { planOperatorEffects } from '../../lib/sync/operator-effects.js';
import type { OperatorState } from '../../lib/db/operator-store.js';
import { diffCatalog } from '../../lib/sync/diff-catalog.js';
import { applyGuardrails } from '../../lib/sync/guardrails.js';
import type { StoredModel } from '../../lib/domain/stored-model.js';
import { priceRecord } from '../support/store-fixtures.js';

const SETTINGS = { maxShrink: 0.5, maxPriceRatio: '10' };

function stored(modelId: string, input: string, output: string): StoredModel {
  const { provider: _provider, ...record } = priceRecord(modelId, input, output);
  return record;
}

const STORED = [
  stored('m/a', '1', '2'),
  stored('m/b', '3', '4'),
  stored('m/c', '5', '6'),
  stored('m/d', '7', '8'),
];

function plan(
  fetched: ReturnType<typeof priceRecord>[],
  state: Partial<OperatorState>,
  force = false,
  storedModels = STORED,
) {
  const diff = diffCatalog(storedModels, fetched);
  const guarded = applyGuardrails(storedModels, fetched.length, diff, SETTINGS, force);
  return planOperatorEffects(
    guarded,
    diff,
    fetched,
    { pins: [], expiredPins: [], rolledBack: [], ...state },
    force,
  );
}

describe('planOperatorEffects', () => {
  it('never writes a pinned model, forced or not, and reports its feed price for drift', () => {
    for (const force of [false, true]) {
      const result = plan(
        [priceRecord('m/a', '100', '2'), priceRecord('m/b', '3.5', '4'), priceRecord('m/c', '5', '6')],
        { pins: ['m/a', 'm/b', 'm/d'] },
        force,
      );
      expect(result.guarded.apply.map((change) => change.modelId)).toEqual([]);
      expect(result.guarded.missing.map((model) => model.modelId)).toEqual([]);
      expect(result.guarded.held).toEqual([]);
      expect(result.holds).toEqual([]);
      expect(result.pinned.map((record) => [record.modelId, record.inputUsdPerMillionTokens])).toEqual([
        ['m/a', '100'],
        ['m/b', '3.5'],
      ]);
    }
  });

  it('holds a rolled-back value with reason rolled_back unless forced, and applies any other value', () => {
    const rolledBack: OperatorState['rolledBack'] = [
      [
        'm/b',
        {
          state: 'active',
          input_price_per_1m_tokens: '3.50',
          output_price_per_1m_tokens: '4',
          extra_prices: {},
          pricing_tiers: [],
        },
      ],
    ];
    const fetched = [
      priceRecord('m/a', '1.1', '2'),
      priceRecord('m/b', '3.5', '4'),
      priceRecord('m/c', '5', '6'),
      priceRecord('m/d', '7', '8'),
    ];
    const held = plan(fetched, { rolledBack });
    expect(held.guarded.apply.map((change) => change.modelId)).toEqual(['m/a']);
    expect(held.holds).toMatchObject([
      { scope: 'model', reason: 'rolled_back', record: { modelId: 'm/b', inputUsdPerMillionTokens: '3.5' } },
    ]);
    expect(held.guarded.heldModels).toBe(1);

    const forced = plan(fetched, { rolledBack }, true);
    expect(forced.guarded.apply.map((change) => change.modelId)).toEqual(['m/a', 'm/b']);
    expect(forced.holds).toEqual([]);

    const other = plan([...fetched.slice(0, 1), priceRecord('m/b', '3.6', '4'), ...fetched.slice(2)], {
      rolledBack,
    });
    expect(other.guarded.apply.map((change) => change.modelId)).toEqual(['m/a', 'm/b']);
  });

  it('neither applies nor holds again a value an admin rejected, unless forced', () => {
    const rejected: OperatorState['rejected'] = [
      [
        'm/a',
        {
          state: 'active',
          input_price_per_1m_tokens: '100',
          output_price_per_1m_tokens: '2',
          extra_prices: {},
          pricing_tiers: [],
        },
      ],
    ];
    const fetched = [
      priceRecord('m/a', '100', '2'),
      priceRecord('m/b', '3', '4'),
      priceRecord('m/c', '5', '6'),
      priceRecord('m/d', '7', '8'),
    ];
    const kept = plan(fetched, { rejected });
    expect(kept.guarded.apply).toEqual([]);
    expect(kept.guarded.held).toEqual([]);
    expect(kept.holds).toEqual([]);
    const another = plan([priceRecord('m/a', '200', '2'), ...fetched.slice(1)], { rejected });
    expect(another.holds).toMatchObject([
      { reason: 'price_swing', record: { modelId: 'm/a', inputUsdPerMillionTokens: '200' } },
    ]);
    const forced = plan(fetched, { rejected }, true);
    expect(forced.guarded.apply.map((change) => change.modelId)).toEqual(['m/a']);
  });

  it('records a guardrail hold with the exact proposed prices, and a provider hold with the models it would mark missing', () => {
    const swing = plan(
      [
        priceRecord('m/a', '100', '2'),
        priceRecord('m/b', '3', '4'),
        priceRecord('m/c', '5', '6'),
        priceRecord('m/d', '7', '8'),
      ],
      {},
    );
    expect(swing.holds).toMatchObject([
      {
        reason: 'price_swing',
        record: { modelId: 'm/a', inputUsdPerMillionTokens: '100', outputUsdPerMillionTokens: '2' },
      },
    ]);

    const shrunk = plan([priceRecord('m/a', '1', '2')], { pins: ['m/c'] });
    expect(shrunk.holds).toEqual([
      { scope: 'provider', reason: 'catalog_shrank', detail: expect.any(String), missing: ['m/b', 'm/d'] },
    ]);
    expect(shrunk.guarded.apply).toEqual([]);
  });
});
