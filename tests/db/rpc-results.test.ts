import { describe, expect, it } from 'vitest';
import {
  commitResult,
  decodeResult,
  leaseResult,
  liteLlmMapSource,
  MALFORMED_RESULT,
  storedModelRows,
} from '../../lib/db/rpc-results.js';
import { StoreError } from '../../lib/db/store-error.js';

describe('SQL function results, checked at the port', () => {
  it('turns a result camelCase', () => {
    expect(
      decodeResult('pricing_take_lease', leaseResult, {
        acquired: true,
        run: { id: 7, started_at: '2026-12-01T06:00:00+00:00' },
        abandoned_run_id: null,
        added_by_a_later_migration: true,
      }),
    ).toEqual({ acquired: true, runId: 7, startedAt: '2026-12-01T06:00:00+00:00', abandonedRunId: null });
    expect(
      decodeResult('pricing_read_models', storedModelRows, [
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
  });

  it.each([
    [
      'pricing_commit_provider',
      commitResult,
      { added: -1, changed: 0, restored: 0, missing: 0, rows_written: 0 },
      /added/,
    ],
    [
      'pricing_commit_provider',
      commitResult,
      { added: 1, changed: 0, restored: 0, missing: 0 },
      /rows_written/,
    ],
    ['pricing_take_lease', leaseResult, { acquired: 'yes' }, /acquired/],
    [
      'pricing_read_litellm_map',
      liteLlmMapSource,
      { version: 3, prices: [['openrouter', 'm', '1']] },
      /prices\.0: expected an array of 11 items/,
    ],
    [
      'pricing_read_litellm_map',
      liteLlmMapSource,
      { version: 3, prices: [['openrouter', 'm', 1.5, null, null, null, null, null, null, {}, []]] },
      /prices\.0\.2: expected text or null, got 1\.5/,
    ],
    [
      'pricing_read_models',
      storedModelRows,
      [['m', 'active', null, null, null, null, null, null, {}, [], 1.5, null]],
      /0\.10: expected integer or null/,
    ],
    ['pricing_read_models', storedModelRows, null, /expected array/],
  ] as const)('refuses %s answering %j (%s)', (name, schema, value, detail) => {
    let thrown: unknown = null;
    try {
      decodeResult(name, schema, value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect(thrown).toMatchObject({ code: MALFORMED_RESULT });
    expect((thrown as Error).message).toMatch(detail);
  });
});
