import { describe, expect, it } from 'vitest';
import { normalizeFeatherlessCatalog } from '../../lib/providers/featherless/normalize-featherless.js';
import { normalizeLiteLlmCostMap } from '../../lib/providers/litellm/normalize-litellm.js';
import { normalizeOpenRouterCatalog } from '../../lib/providers/openrouter/normalize-openrouter.js';

// context_length is a Postgres integer: one absurd value must skip its item, not fail the
// provider's whole apply on every run.
describe('a context length beyond a Postgres integer', () => {
  it('skips that Featherless item and keeps the rest', () => {
    const catalog = normalizeFeatherlessCatalog([
      { id: 'ok/model', context_length: 32768 },
      { id: 'huge/model', context_length: 3_000_000_000 },
    ]);
    expect(catalog.records.map((record) => [record.modelId, record.contextLength])).toEqual([
      ['ok/model', 32768],
    ]);
    expect(catalog.invalid.map((item) => item.id)).toEqual(['huge/model']);
  });

  it('skips that OpenRouter item and keeps the rest', () => {
    const catalog = normalizeOpenRouterCatalog([
      { id: 'a/ok', context_length: 2_147_483_647, pricing: { prompt: '0.000001', completion: '0.000002' } },
      {
        id: 'a/huge',
        context_length: 2_147_483_648,
        pricing: { prompt: '0.000001', completion: '0.000002' },
      },
    ]);
    expect(catalog.records.map((record) => record.modelId)).toEqual(['a/ok']);
    expect(catalog.invalid.map((item) => item.id)).toEqual(['a/huge']);
  });

  it('skips that LiteLLM entry and keeps the rest', () => {
    const catalog = normalizeLiteLlmCostMap('litellm', {
      'ok-model': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, max_input_tokens: 128000 },
      'huge-model': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, max_input_tokens: 1e12 },
    });
    expect(catalog.records.map((record) => record.modelId)).toEqual(['ok-model']);
    expect(catalog.invalid.map((item) => item.id)).toEqual(['huge-model']);
  });
});
