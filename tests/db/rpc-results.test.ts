import { describe, expect, it } from 'vitest';
import { MALFORMED_RESULT } from '../../lib/db/rpc-results.js';
import { decodeRpcResult } from '../../lib/db/rpc-catalog.js';
import { OperatorStore } from '../../lib/db/operator-store.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import type { RpcTransport } from '../../lib/db/rpc-transport.js';
import { StoreError } from '../../lib/db/store-error.js';

describe('SQL function results, checked at the port', () => {
  it('turns a result camelCase', () => {
    expect(
      decodeRpcResult('pricing_take_lease', {
        acquired: true,
        run: { id: 7, started_at: '2026-12-01T06:00:00+00:00' },
        abandoned_run_id: null,
        added_by_a_later_migration: true,
      }),
    ).toEqual({ acquired: true, runId: 7, startedAt: '2026-12-01T06:00:00+00:00', abandonedRunId: null });
    expect(
      decodeRpcResult('pricing_read_models', [
        ['a/b', 'missing', '1.5', null, null, null, null, null, { web_search: '0.01' }, [], 8192, null],
      ]),
    ).toEqual([
      {
        modelId: 'a/b',
        state: 'missing',
        inputUsdPerMillionTokens: '1.5',
        outputUsdPerMillionTokens: null,
        cacheReadUsdPerMillionTokens: null,
        cacheWriteUsdPerMillionTokens: null,
        requestUsd: null,
        imageUsd: null,
        extraPrices: { web_search: '0.01' },
        tiers: [],
        contextLength: 8192,
        aliasOf: null,
      },
    ]);
    // Columns in, one row per model out, in the ids' order; '-' is no digest.
    expect(
      decodeRpcResult('pricing_read_source_index', {
        ids: ['a/b', 'c d', ''],
        states: 'active missing unpriced',
        digests: 'q83vEjRWeJA= - -',
      }),
    ).toEqual([
      { modelId: 'a/b', state: 'active', digest: 'q83vEjRWeJA=' },
      { modelId: 'c d', state: 'missing', digest: null },
      { modelId: '', state: 'unpriced', digest: null },
    ]);
    expect(decodeRpcResult('pricing_read_source_index', { ids: [], states: '', digests: '' })).toEqual([]);
  });

  it.each([
    ['pricing_commit_provider', { added: -1, changed: 0, restored: 0, missing: 0, rows_written: 0 }, /added/],
    ['pricing_commit_provider', { added: 1, changed: 0, restored: 0, missing: 0 }, /rows_written/],
    ['pricing_take_lease', { acquired: 'yes' }, /acquired/],
    [
      'pricing_read_litellm_map',
      { version: 3, prices: [['openrouter', 'm', '1']] },
      /prices\.0: expected an array of 11 items/,
    ],
    [
      'pricing_read_litellm_map',
      { version: 3, prices: [['openrouter', 'm', 1.5, null, null, null, null, null, null, {}, []]] },
      /prices\.0\.2: expected text or null, got 1\.5/,
    ],
    [
      'pricing_read_models',
      [['m', 'active', null, null, null, null, null, null, {}, [], 1.5, null]],
      /0\.10: expected integer or null/,
    ],
    ['pricing_read_models', null, /expected array/],
    [
      'pricing_read_source_index',
      { ids: ['a', 'b'], states: 'active', digests: '- -' },
      /expected 2 states and digests, got 1 and 2/,
    ],
    [
      'pricing_read_source_index',
      { ids: ['a'], states: 'active', digests: 'x y' },
      /expected 1 states and digests, got 1 and 2/,
    ],
    [
      'pricing_read_source_index',
      { ids: ['a'], states: 'gone', digests: '-' },
      /states\.0: expected a state/,
    ],
    [
      'pricing_read_source_index',
      { ids: [7], states: 'active', digests: '-' },
      /ids\.0: expected text, got 7/,
    ],
    ['pricing_read_source_index', { ids: 'a', states: 'active', digests: '-' }, /ids: expected an array/],
    ['pricing_read_source_index', { ids: [], states: 'active', digests: '' }, /expected none for no ids/],
    ['pricing_read_source_index', [['a', 'active', null]], /expected object/],
  ] as const)('refuses %s answering %j (%s)', (name, value, detail) => {
    let thrown: unknown = null;
    try {
      decodeRpcResult(name, value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect(thrown).toMatchObject({ code: MALFORMED_RESULT });
    expect((thrown as Error).message).toMatch(detail);
  });
});

function operatorStoreAnswering(result: unknown): OperatorStore {
  const transport: RpcTransport = {
    kind: 'postgres',
    call: async () => result,
    close: async () => undefined,
  };
  return new OperatorStore(new PricingStore(transport));
}

const view = {
  state: 'active',
  input_price_per_1m_tokens: '1.5',
  output_price_per_1m_tokens: '6',
  cache_read_price_per_1m_tokens: null,
  cache_write_price_per_1m_tokens: null,
  request_price: null,
  image_price: null,
  extra: { web_search: '0.01' },
  tiers: [{ min_prompt_tokens: 200000, input_per_1m_tokens: '3' }],
  context_length: 8192,
  alias_of: null,
};

const heldRow = {
  id: 4,
  provider: 'openrouter',
  model_id: 'a/b',
  scope: 'model',
  reason: 'price_jump',
  detail: 'input x4',
  current: view,
  proposed: { ...view, input_price_per_1m_tokens: '6' },
  missing_model_ids: null,
  status: 'pending',
  first_run_id: 2,
  last_run_id: 3,
  first_held_at: '2026-12-01T06:00:00+00:00',
  last_seen_at: '2026-12-01T07:00:00+00:00',
  decided_by: null,
  decided_at: null,
  decided_run_id: null,
  note: null,
};

const pin = {
  provider: 'openrouter',
  model_id: 'a/b',
  prices: view,
  reason: 'contract',
  pinned_by: 'admin',
  pinned_at: '2026-12-01T06:00:00+00:00',
  expires_at: null,
  run_id: 5,
  drift: null,
};

// The operator's reads and actions are checked like every other result: an answer an admin would
// read (a held change, a pin, a price at a time) never carries a price that is not a decimal
// string, or a row missing what the endpoint promises.
describe('operator results, checked at the port', () => {
  it('passes a well-formed held change, pin and history row through as SQL built them', async () => {
    expect(await operatorStoreAnswering({ held: [heldRow] }).readHeld(heldQuery)).toEqual([heldRow]);
    expect(await operatorStoreAnswering({ pins: [pin] }).readPins(null)).toEqual([pin]);
    const history = {
      history: [
        {
          id: 9,
          provider: 'openrouter',
          model_id: 'a/b',
          kind: 'changed',
          run_id: 3,
          effective_at: '2026-12-01T06:00:00+00:00',
          old: null,
          new: view,
        },
      ],
      next_before_id: null,
    };
    expect(
      await operatorStoreAnswering(history).call('pricing_read_price_history', {
        provider: null,
        modelId: 'a/b',
        beforeId: null,
        limit: 10,
      }),
    ).toEqual(history);
  });

  it.each([
    [
      'a held change whose proposed price is a number',
      { held: [{ ...heldRow, proposed: { ...view, input_price_per_1m_tokens: 6 } }] },
    ],
    ['a held change without a status', { held: [{ ...heldRow, status: undefined }] }],
    ['a held change with an unknown status', { held: [{ ...heldRow, status: 'maybe' }] }],
  ])('refuses %s', async (_, answer) => {
    await expect(operatorStoreAnswering(answer).readHeld(heldQuery)).rejects.toMatchObject({
      code: MALFORMED_RESULT,
      message: expect.stringMatching(/pricing_read_held/),
    });
  });

  it('refuses a pin without its prices', async () => {
    await expect(
      operatorStoreAnswering({ pins: [{ ...pin, prices: undefined }] }).readPins(null),
    ).rejects.toMatchObject({ code: MALFORMED_RESULT });
  });

  it('refuses a price at a time whose price is a number', async () => {
    await expect(
      operatorStoreAnswering({
        at: '2026-12-01T06:00:00+00:00',
        prices: [
          {
            provider: 'openrouter',
            model_id: 'a/b',
            ...view,
            output_price_per_1m_tokens: 6,
            effective_at: '2026-12-01T06:00:00+00:00',
            run_id: 3,
            kind: 'changed',
          },
        ],
        next: null,
      }).readPricesAt({ providers: null, modelId: null, at: null, after: null, limit: 10 }),
    ).rejects.toMatchObject({ code: MALFORMED_RESULT });
  });

  it('refuses an approval that does not say what it decided', async () => {
    await expect(
      operatorStoreAnswering({ ok: true, run_id: 7, action: 'approve', models_written: 1 }).call(
        'pricing_decide_held',
        {
          action: 'approve',
          ids: [4],
          decidedBy: 'admin',
          note: null,
        },
      ),
    ).rejects.toMatchObject({ code: MALFORMED_RESULT });
  });
});

const heldQuery = { status: null, provider: null, beforeId: null, limit: 10 };
