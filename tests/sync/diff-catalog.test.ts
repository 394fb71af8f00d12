import { describe, expect, it } from 'vitest';
import type { StoredModel } from '../../lib/domain/stored-model.js';
import { diffCatalog } from '../../lib/sync/diff-catalog.js';
import { priceRecord } from '../support/store-fixtures.js';

function stored(
  modelId: string,
  input: string | null,
  output: string | null,
  overrides: Partial<StoredModel> = {},
): StoredModel {
  const { provider: _provider, ...record } = priceRecord(modelId, input, output);
  return { ...record, ...overrides };
}

describe('diffCatalog', () => {
  it.each([
    {
      name: 'a new model is added',
      stored: [],
      fetched: [priceRecord('m', '1', '2')],
      expected: { added: ['m'], changed: [], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'an equal price written differently is unchanged ("3.0" vs "3")',
      stored: [stored('m', '3', '15')],
      fetched: [priceRecord('m', '3.0', '15.00')],
      expected: { added: [], changed: [], restored: [], missing: [], unchanged: 1 },
    },
    {
      name: 'an input price change is a change, direction down',
      stored: [stored('m', '3', '15')],
      fetched: [priceRecord('m', '2.5', '15')],
      expected: { added: [], changed: ['m:down'], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'an output-only rise is a change, direction up',
      stored: [stored('m', '3', '15')],
      fetched: [priceRecord('m', '3', '16')],
      expected: { added: [], changed: ['m:up'], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'a new extra price kind is a change',
      stored: [stored('m', '3', '15')],
      fetched: [priceRecord('m', '3', '15', { extraPrices: { web_search_per_request: '0.01' } })],
      expected: { added: [], changed: ['m:none'], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'a tier change is a change',
      stored: [stored('m', '3', '15', { tiers: [{ min_prompt_tokens: 200000, input_per_1m_tokens: '6' }] })],
      fetched: [
        priceRecord('m', '3', '15', { tiers: [{ min_prompt_tokens: 200000, input_per_1m_tokens: '6.5' }] }),
      ],
      expected: { added: [], changed: ['m:none'], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'a state change (priced to variable) is a change',
      stored: [stored('m', '3', '15')],
      fetched: [priceRecord('m', null, null, { state: 'variable' })],
      expected: { added: [], changed: ['m:none'], restored: [], missing: [], unchanged: 0 },
    },
    {
      name: 'a model gone from the catalog is missing; one already missing is not missing again',
      stored: [
        stored('gone', '1', '1'),
        stored('long-gone', '1', '1', { state: 'missing' }),
        stored('kept', '1', '1'),
      ],
      fetched: [priceRecord('kept', '1', '1')],
      expected: { added: [], changed: [], restored: [], missing: ['gone'], unchanged: 1 },
    },
    {
      name: 'a missing model that is listed again is restored',
      stored: [stored('back', '1', '1', { state: 'missing' })],
      fetched: [priceRecord('back', '1', '1')],
      expected: { added: [], changed: [], restored: ['back'], missing: [], unchanged: 0 },
    },
    {
      name: 'a duplicate id counts once',
      stored: [],
      fetched: [priceRecord('dup', '1', '1'), priceRecord('dup', '9', '9')],
      expected: { added: ['dup'], changed: [], restored: [], missing: [], unchanged: 0 },
    },
  ])('$name', ({ stored: storedModels, fetched, expected }) => {
    const diff = diffCatalog(storedModels, fetched);
    expect({
      added: diff.added.map((change) => change.modelId),
      changed: diff.changed.map((change) => `${change.modelId}:${change.direction ?? 'none'}`),
      restored: diff.restored.map((change) => change.modelId),
      missing: diff.missing.map((model) => model.modelId),
      unchanged: diff.unchanged,
    }).toEqual(expected);
  });
});
