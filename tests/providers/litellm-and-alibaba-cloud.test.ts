import { describe, expect, it } from 'vitest';
import { createAlibabaCloudSource } from '../../lib/providers/alibaba-cloud/alibaba-cloud-source.js';
import { createLiteLlmSource } from '../../lib/providers/litellm/litellm-source.js';
import { FetchBudget } from '../../lib/providers/fetch-budget.js';
import { normalizeLiteLlmCostMap } from '../../lib/providers/litellm/normalize-litellm.js';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import { useReplayServer } from '../support/replay-fixture.js';
import {
  readSharedFixture,
  SHARED_ABSENT_MESSAGE,
  sharedFixturesPresent,
  testClient,
} from './provider-test-helpers.js';

const replay = useReplayServer();

/** Hand-written in LiteLLM's format: costs per token as JSON numbers, often in exponent form. */
const COST_MAP = `{
  "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "one of: chat, embedding"},
  "acme-chat": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 3e-07,
    "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
    "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
    "output_cost_per_reasoning_token": 1.25e-7, "input_cost_per_audio_token": 1e-6, "output_cost_per_second": 0.0001,
    "search_context_cost_per_query": {"search_context_size_low": 0.01, "search_context_size_high": 0.03},
    "max_input_tokens": 200000, "max_tokens": 64000, "mode": "chat"},
  "dashscope/qwen3-max": {"max_input_tokens": 258048, "mode": "chat", "tiered_pricing": [
    {"input_cost_per_token": 1.2e-06, "output_cost_per_token": 6e-06, "range": [0, 32000.0]},
    {"input_cost_per_token": 2.4e-06, "output_cost_per_token": 1.2e-05, "range": [32000.0, 128000.0]}]},
  "dashscope/qwen-plus": {"input_cost_per_token": 4e-07, "output_cost_per_token": 1.2e-06, "max_input_tokens": 129024},
  "dashscope/qwen3-30b-a3b": {"max_input_tokens": 129024, "mode": "chat"},
  "dashscope/qwen-broken": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-6},
  "__proto__": {"input_cost_per_token": 1e-6},
  "constructor": {"input_cost_per_token": 1e-6}
}`;

function byId(records: PriceRecord[], id: string): PriceRecord {
  const record = records.find((candidate) => candidate.modelId === id);
  if (!record) throw new Error(`no record ${id}`);
  return record;
}

describe('litellm', () => {
  it('fetches the cost map once and normalizes every entry keyed by its id, skipping sample_spec', async () => {
    replay.setScenario('litellm', { body: JSON.parse(COST_MAP) });
    const source = createLiteLlmSource({
      pricesUrl: replay.baseUrls.LITELLM_PRICES_URL,
      http: testClient('litellm').http,
    });
    const { records, invalid } = await source.fetchCatalog();
    expect(replay.requests.map((request) => request.path)).toEqual([
      '/litellm/model_prices_and_context_window.json',
    ]);
    expect(records.map((record) => record.modelId)).toEqual([
      'acme-chat',
      'dashscope/qwen3-max',
      'dashscope/qwen-plus',
      'dashscope/qwen3-30b-a3b',
    ]);
    expect(invalid).toEqual([
      { id: 'dashscope/qwen-broken', reason: 'input_cost_per_token: not a decimal number: "cheap"' },
      { id: '__proto__', reason: 'model id is a reserved object key' },
      { id: 'constructor', reason: 'model id is a reserved object key' },
    ]);
    expect(byId(records, 'acme-chat')).toEqual({
      provider: 'litellm',
      modelId: 'acme-chat',
      state: 'active',
      inputUsdPerMillionTokens: '3',
      outputUsdPerMillionTokens: '15',
      cacheReadUsdPerMillionTokens: '0.3',
      cacheWriteUsdPerMillionTokens: '3.75',
      requestUsd: null,
      imageUsd: null,
      extraPrices: {
        cache_write_1h_per_1m_tokens: '6',
        internal_reasoning_per_1m_tokens: '0.125',
        audio_input_per_1m_tokens: '1',
        output_cost_per_second: '0.0001',
        web_search_low_context_per_request: '0.01',
        web_search_high_context_per_request: '0.03',
      },
      // "above 200k tokens" is more than 200,000.
      tiers: [{ min_prompt_tokens: 200001, input_per_1m_tokens: '6', output_per_1m_tokens: '22.5' }],
      contextLength: 200000,
      aliasOf: null,
    });
  });
});

describe('alibaba-cloud', () => {
  it('takes dashscope/* entries without the prefix; tiered-only entries use the first tier as base', async () => {
    replay.setScenario('litellm', { body: JSON.parse(COST_MAP) });
    const source = createAlibabaCloudSource({
      pricesUrl: replay.baseUrls.LITELLM_PRICES_URL,
      pricesHttp: testClient('alibaba-cloud').http,
    });
    const { records, invalid } = await source.fetchCatalog();
    expect(
      records.map((record) => [
        record.modelId,
        record.state,
        record.inputUsdPerMillionTokens,
        record.outputUsdPerMillionTokens,
      ]),
    ).toEqual([
      ['qwen3-max', 'active', '1.2', '6'],
      ['qwen-plus', 'active', '0.4', '1.2'],
      ['qwen3-30b-a3b', 'unpriced', null, null],
    ]);
    expect(byId(records, 'qwen3-max').tiers).toEqual([
      {
        min_prompt_tokens: 0,
        max_prompt_tokens: 32000,
        input_per_1m_tokens: '1.2',
        output_per_1m_tokens: '6',
      },
      {
        min_prompt_tokens: 32001,
        max_prompt_tokens: 128000,
        input_per_1m_tokens: '2.4',
        output_per_1m_tokens: '12',
      },
    ]);
    expect(invalid.map((item) => item.id)).toEqual(['qwen-broken', '__proto__', 'constructor']);
    // Without a DashScope key, nothing goes to DashScope.
    expect(replay.requests.every((request) => request.route === 'litellm')).toBe(true);
  });

  it('with DASHSCOPE_API_KEY, lists the account models and reports those without a price as unpriced', async () => {
    replay.setScenario('litellm', { body: JSON.parse(COST_MAP) });
    replay.setScenario('dashscope', {
      body: {
        object: 'list',
        data: [
          { id: 'qwen-plus', object: 'model' },
          { id: 'qwen-secret-preview', object: 'model' },
        ],
      },
    });
    const source = createAlibabaCloudSource({
      pricesUrl: replay.baseUrls.LITELLM_PRICES_URL,
      pricesHttp: testClient('alibaba-cloud').http,
      dashScope: {
        baseUrl: replay.baseUrls.DASHSCOPE_BASE_URL,
        http: testClient('alibaba-cloud', 'sk-dash').http,
      },
    });
    const { records } = await source.fetchCatalog();
    expect(byId(records, 'qwen-secret-preview')).toMatchObject({
      state: 'unpriced',
      inputUsdPerMillionTokens: null,
    });
    expect(records.filter((record) => record.modelId === 'qwen-plus')).toHaveLength(1);
    const [pricesRequest, listRequest] = replay.requests;
    expect(pricesRequest?.headers.authorization).toBeUndefined();
    expect(listRequest).toMatchObject({
      path: '/dashscope/models',
      headers: { authorization: 'Bearer sk-dash' },
    });
  });
});

describe('litellm and alibaba-cloud in one run', () => {
  const sources = () => ({
    litellm: createLiteLlmSource({
      pricesUrl: replay.baseUrls.LITELLM_PRICES_URL,
      http: testClient('litellm').http,
    }),
    alibaba: createAlibabaCloudSource({
      pricesUrl: replay.baseUrls.LITELLM_PRICES_URL,
      pricesHttp: testClient('alibaba-cloud').http,
    }),
  });
  const costMapRequests = () =>
    replay.requests.filter((request) => request.path === '/litellm/model_prices_and_context_window.json');

  it('download and parse the cost map once between them, each charged every byte and entry', async () => {
    replay.setScenario('litellm', { body: JSON.parse(COST_MAP) });
    const { litellm, alibaba } = sources();
    const run = new AbortController();
    const budgets = [
      new FetchBudget('litellm', 1e9, 1e9),
      new FetchBudget('alibaba-cloud', 1e9, 1e9),
    ] as const;
    const [all, dashscope] = await Promise.all([
      litellm.fetchCatalog({ signal: run.signal, budget: budgets[0] }),
      alibaba.fetchCatalog({ signal: run.signal, budget: budgets[1] }),
    ]);
    expect(costMapRequests()).toHaveLength(1);
    expect(all.records.map((record) => record.modelId)).toContain('dashscope/qwen-plus');
    expect(dashscope.records.map((record) => record.modelId)).toEqual([
      'qwen3-max',
      'qwen-plus',
      'qwen3-30b-a3b',
    ]);
    // Each budget is charged as if it had downloaded the map alone: a byte cap still caps both.
    const bytes = Buffer.byteLength(JSON.stringify(JSON.parse(COST_MAP)));
    for (const budget of budgets) expect(budget).toMatchObject({ bytes, items: 8 });

    // A later run reads the map afresh; so does a caller with no run signal.
    const next = new AbortController();
    await Promise.all([
      litellm.fetchCatalog({ signal: next.signal }),
      alibaba.fetchCatalog({ signal: next.signal }),
    ]);
    await Promise.all([litellm.fetchCatalog(), alibaba.fetchCatalog()]);
    expect(costMapRequests()).toHaveLength(4);
  });

  it('when the one download fails, both fail, each error naming its own provider', async () => {
    replay.setScenario('litellm', { failFirst: 10, errorStatus: 404 });
    const { litellm, alibaba } = sources();
    const run = new AbortController();
    const [first, second] = await Promise.allSettled([
      litellm.fetchCatalog({ signal: run.signal }),
      alibaba.fetchCatalog({ signal: run.signal }),
    ]);
    expect(costMapRequests()).toHaveLength(1);
    expect(first).toMatchObject({
      status: 'rejected',
      reason: {
        provider: 'litellm',
        reason: 'http',
        status: 404,
        message: expect.stringMatching(/^litellm: HTTP 404/),
      },
    });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: {
        provider: 'alibaba-cloud',
        reason: 'http',
        status: 404,
        message: expect.stringMatching(/^alibaba-cloud: HTTP 404/),
      },
    });
  });
});

describe.skipIf(!sharedFixturesPresent)(
  `litellm and alibaba-cloud, shared sample ${SHARED_ABSENT_MESSAGE}`,
  () => {
    it('reads the real entries exactly, exponent forms included', () => {
      const sample = readSharedFixture('litellm_model_prices_sample.json') as Record<string, unknown>;
      const { records, invalid } = normalizeLiteLlmCostMap('litellm', sample);
      // `_note` is ours, not LiteLLM's: a string, so not a model.
      expect(invalid).toEqual([{ id: '_note', reason: 'entry: expected an object' }]);
      expect(byId(records, 'deepseek-chat')).toMatchObject({
        inputUsdPerMillionTokens: '0.28',
        outputUsdPerMillionTokens: '0.42',
        cacheReadUsdPerMillionTokens: '0.028',
      });
      expect(byId(records, 'claude-sonnet-4-5').tiers).toEqual([
        {
          min_prompt_tokens: 200001,
          input_per_1m_tokens: '6',
          output_per_1m_tokens: '22.5',
          cache_read_per_1m_tokens: '0.6',
          cache_write_per_1m_tokens: '7.5',
          extra_prices: { cache_write_1h_per_1m_tokens: '12' },
        },
      ]);
      expect(byId(records, 'dashscope/qwen3-max')).toMatchObject({
        inputUsdPerMillionTokens: '1.2',
        outputUsdPerMillionTokens: '6',
      });
      expect(byId(records, 'dashscope/qwen3-max').tiers).toHaveLength(3);
      expect(byId(records, 'dashscope/qwen-turbo').extraPrices).toEqual({
        internal_reasoning_per_1m_tokens: '0.5',
      });
    });
  },
);
