import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../lib/provider-http/provider-error.js';
import { normalizeOpenRouterCatalog } from '../../lib/providers/openrouter/normalize-openrouter.js';
import { FetchBudget } from '../../lib/providers/fetch-budget.js';
import { createOpenRouterSource } from '../../lib/providers/openrouter/openrouter-source.js';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import { useReplayServer } from '../support/replay-fixture.js';
import {
  readOwnFixture,
  readSharedFixture,
  SHARED_ABSENT_MESSAGE,
  sharedFixturesPresent,
  testClient,
} from './provider-test-helpers.js';

const replay = useReplayServer();

async function fetchServed(body: unknown) {
  replay.setScenario('openrouter', { body });
  replay.requests.length = 0;
  const source = createOpenRouterSource({
    baseUrl: replay.baseUrls.OPENROUTER_BASE_URL,
    http: testClient('openrouter').http,
  });
  return source.fetchCatalog();
}

function byId(records: PriceRecord[], id: string): PriceRecord {
  const record = records.find((candidate) => candidate.modelId === id);
  if (!record) throw new Error(`no record ${id}`);
  return record;
}

describe('openrouter, hand-written fixture', () => {
  it('asks for every output modality, with our User-Agent, once (no pagination)', async () => {
    await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(replay.requests).toHaveLength(1);
    expect(replay.requests[0]).toMatchObject({
      path: '/openrouter/models',
      query: { output_modalities: 'all' },
      headers: {
        'user-agent': expect.stringMatching(/^pricing-sync\/\d+\.\d+\.\d+/) as unknown,
        authorization: undefined,
      },
    });
  });

  it('converts per-token strings to exact per-1M prices and keeps request and image as given', async () => {
    const { records } = await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(byId(records, 'acme/plain-1')).toEqual({
      provider: 'openrouter',
      modelId: 'acme/plain-1',
      state: 'active',
      inputUsdPerMillionTokens: '0.7',
      outputUsdPerMillionTokens: '2.8',
      cacheReadUsdPerMillionTokens: '0.07',
      cacheWriteUsdPerMillionTokens: null,
      requestUsd: null,
      imageUsd: null,
      extraPrices: {},
      tiers: [],
      contextLength: 131072,
      aliasOf: null,
    });
    const everyKind = byId(records, 'acme/every-kind');
    expect(everyKind).toMatchObject({
      inputUsdPerMillionTokens: '1.25',
      outputUsdPerMillionTokens: '10',
      cacheReadUsdPerMillionTokens: '0.125',
      cacheWriteUsdPerMillionTokens: '1.625',
      requestUsd: '0.0004',
      imageUsd: '0.001238',
    });
    expect(everyKind.extraPrices).toEqual({
      web_search_per_request: '0.014',
      internal_reasoning_per_1m_tokens: '10',
      audio_input_per_1m_tokens: '3',
      audio_input_cache_read_per_1m_tokens: '0.3',
      audio_output_per_1m_tokens: '64',
      image_output_per_1m_tokens: '30',
      image_token_per_1m_tokens: '2.5',
      cache_write_1h_per_1m_tokens: '2.5',
      // A key we have never seen is kept, unconverted, under a name that says so.
      video_second_as_given: '0.1',
    });
  });

  it('marks routers with "-1" as variable, with no prices', async () => {
    const { records } = await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(byId(records, 'openrouter/auto')).toMatchObject({
      state: 'variable',
      inputUsdPerMillionTokens: null,
      outputUsdPerMillionTokens: null,
      tiers: [],
      contextLength: 2000000,
    });
  });

  it('stores ~ aliases as their own rows with their own prices and alias_of', async () => {
    const { records } = await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(byId(records, '~acme/plain-latest')).toMatchObject({
      state: 'active',
      inputUsdPerMillionTokens: '0.8',
      outputUsdPerMillionTokens: '3.2',
      aliasOf: 'acme/plain-1',
    });
  });

  it('turns prompt-size and time-of-day overrides into tiers; the top level stays the base', async () => {
    const { records } = await fetchServed(readOwnFixture('openrouter-models.json'));
    const longContext = byId(records, 'acme/long-context');
    expect(longContext.inputUsdPerMillionTokens).toBe('2');
    expect(longContext.tiers).toEqual([
      {
        min_prompt_tokens: 200000,
        input_per_1m_tokens: '4',
        output_per_1m_tokens: '18',
        extra_prices: { audio_input_per_1m_tokens: '4', cache_write_1h_per_1m_tokens: '12' },
      },
    ]);
    expect(byId(records, 'acme/off-peak').tiers).toEqual([
      { utc_start: '16:30', utc_end: '00:30', input_per_1m_tokens: '0.135', output_per_1m_tokens: '0.55' },
      { utc_start: '00:30', utc_end: '16:30', input_per_1m_tokens: '0.27', output_per_1m_tokens: '1.1' },
    ]);
  });

  it('keeps free models active at "0", and a model without pricing unpriced', async () => {
    const { records } = await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(byId(records, 'acme/free')).toMatchObject({
      state: 'active',
      inputUsdPerMillionTokens: '0',
      outputUsdPerMillionTokens: '0',
    });
    expect(byId(records, 'acme/unpriced')).toMatchObject({
      state: 'unpriced',
      inputUsdPerMillionTokens: null,
      contextLength: 4096,
    });
  });

  it('skips items with a bad price into invalid, naming id and field; the rest pass', async () => {
    const { records, invalid } = await fetchServed(readOwnFixture('openrouter-models.json'));
    expect(records.map((record) => record.modelId)).not.toContain('acme/broken-price');
    expect(records).toHaveLength(8);
    expect(invalid).toEqual([
      { id: 'acme/broken-price', reason: 'pricing.prompt: not a decimal number: "abc"' },
      { id: 'acme/negative-price', reason: 'pricing.prompt: a price cannot be negative: "-0.5"' },
    ]);
  });

  it('fails the whole fetch with a schema error when the payload has the wrong shape', async () => {
    const error = await fetchServed({ models: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ reason: 'schema', provider: 'openrouter', retryable: false });
    expect((error as Error).message).toMatch(
      /payload from .*\/openrouter\/models\?output_modalities=all has the wrong shape: data: /,
    );
  });

  it('parses its one document only when built, and a skip counts the items it held against the budget', async () => {
    replay.setScenario('openrouter', { body: readOwnFixture('openrouter-models.json') });
    const { http } = testClient('openrouter');
    let parsed = 0;
    const counting: typeof http = {
      ...http,
      getDigestedBody: async (url, options) => {
        const body = await http.getDigestedBody(url, options);
        return { digest: body.digest, json: () => (parsed++, body.json()) };
      },
    };
    const source = createOpenRouterSource({ baseUrl: replay.baseUrls.OPENROUTER_BASE_URL, http: counting });
    const budget = new FetchBudget('openrouter', 10_000_000, 5);
    const fetched = await source.fetchSource!({ budget });
    expect(fetched.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed).toBe(0);
    // Skipped as unchanged: the items they held last time count, and over the cap they fail.
    expect(() => fetched.skip!(6)).toThrow(/more than 5 items in this run \(PRICING_PROVIDER_MAX_ITEMS\)/);
    expect(parsed).toBe(0);

    const again = await source.fetchSource!({});
    const { records } = await again.build();
    expect(parsed).toBe(1);
    expect(records.length).toBeGreaterThan(0);
    expect((await fetchServed(readOwnFixture('openrouter-models.json'))).records).toEqual(records);
  });
});

describe('openrouter, hostile payloads', () => {
  it('skips prototype keys, non-string ids and huge strings without polluting anything', () => {
    const payload = JSON.parse(`[
      {"id": "__proto__", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": "constructor", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": 42, "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": null},
      "not an object",
      null,
      {"id": "acme/proto-price", "pricing": {"__proto__": {"polluted": "yes"}, "prompt": "0.000001", "completion": "0.000001"}},
      {"id": "acme/long-number", "pricing": {"prompt": "0.${'1'.repeat(5000)}", "completion": "0.000001"}},
      {"id": "${'x'.repeat(100_000)}", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
      {"id": "acme/fine", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
      {"id": "acme/fine", "pricing": {"prompt": "0.000009", "completion": "0.000009"}}
    ]`) as unknown[];
    const { records, invalid } = normalizeOpenRouterCatalog(payload);
    expect(records.map((record) => [record.modelId, record.inputUsdPerMillionTokens])).toEqual([
      ['acme/fine', '1'],
    ]);
    expect(invalid).toHaveLength(10);
    expect(invalid.map((item) => item.reason)).toEqual([
      'model id is a reserved object key',
      'model id is a reserved object key',
      'id: expected a string',
      'id: expected a string',
      'id: expected a string',
      'id: expected a string',
      'pricing: unexpected pricing key "__proto__"',
      expect.stringMatching(
        /^pricing\.prompt: not a decimal number: "0\.1{38}…" \(empty or longer than 100\)$/,
      ) as unknown,
      'model id must be 1..512 characters, got 100000',
      'duplicate model id; the first occurrence was kept',
    ]);
    expect(invalid[8]?.id?.length).toBeLessThanOrEqual(121);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe.skipIf(!sharedFixturesPresent)(
  `openrouter, the real 549-model catalog ${SHARED_ABSENT_MESSAGE}`,
  () => {
    const real = () =>
      readSharedFixture('openrouter-models-all-2026-08-19.json') as { data: Record<string, unknown>[] };

    it('parses with zero schema errors and keeps all 549 ids, aliases included', async () => {
      const payload = real();
      const { records, invalid } = await fetchServed(payload);
      expect(invalid).toEqual([]);
      expect(records).toHaveLength(549);
      expect(new Set(records.map((record) => record.modelId))).toEqual(
        new Set(payload.data.map((model) => model.id)),
      );
      const aliases = records.filter((record) => record.modelId.startsWith('~'));
      expect(aliases).toHaveLength(11);
      expect(byId(records, '~openai/gpt-latest').aliasOf).toBe('openai/gpt-5.6-sol');
      expect(aliases.every((record) => record.aliasOf !== null && record.state === 'active')).toBe(true);
    });

    it('marks exactly the five routers variable', async () => {
      const { records } = await fetchServed(real());
      expect(
        records
          .filter((record) => record.state === 'variable')
          .map((record) => record.modelId)
          .sort(),
      ).toEqual([
        'openrouter/auto',
        'openrouter/auto-beta',
        'openrouter/bodybuilder',
        'openrouter/fusion',
        'openrouter/pareto-code',
      ]);
      expect(byId(records, 'openrouter/free')).toMatchObject({
        state: 'active',
        inputUsdPerMillionTokens: '0',
      });
    });

    it('keeps every web_search, internal_reasoning, audio and image_output price, converted exactly', async () => {
      const payload = real();
      const { records } = await fetchServed(payload);
      const expectations: Array<[wireKey: string, extraKey: string, perToken: boolean]> = [
        ['web_search', 'web_search_per_request', false],
        ['internal_reasoning', 'internal_reasoning_per_1m_tokens', true],
        ['audio', 'audio_input_per_1m_tokens', true],
        ['image_output', 'image_output_per_1m_tokens', true],
      ];
      for (const [wireKey, extraKey, perToken] of expectations) {
        const priced = payload.data.filter(
          (model) => (model.pricing as Record<string, unknown>)[wireKey] !== undefined,
        );
        expect(priced.length, wireKey).toBeGreaterThan(0);
        for (const model of priced) {
          const wire = (model.pricing as Record<string, string>)[wireKey] as string;
          // Independent check: per token × 10^6 by moving the point in the digit string.
          const expected = perToken ? movePointRight(wire, 6) : wire;
          expect(
            byId(records, model.id as string).extraPrices[extraKey],
            `${model.id as string} ${wireKey}`,
          ).toBe(expected);
        }
      }
    });

    it('reads the values the seed got wrong: no extra division by a million', async () => {
      const { records } = await fetchServed(real());
      expect(byId(records, 'qwen/qwen3.8-27b')).toMatchObject({
        inputUsdPerMillionTokens: '0.45',
        outputUsdPerMillionTokens: '3.2',
        cacheReadUsdPerMillionTokens: '0.05',
      });
      expect(byId(records, 'deepseek/deepseek-v4-pro').tiers[0]).toEqual({
        utc_start: '10:00',
        utc_end: '01:00',
        input_per_1m_tokens: '0.66',
        output_per_1m_tokens: '1.98',
        cache_read_per_1m_tokens: '0.022',
      });
    });

    it('reads the 2024 legacy shape: "-1" on every key is variable, zero keys stay "0"', () => {
      const legacy = readSharedFixture('openrouter_models_legacy_2024.json') as { data: unknown[] };
      const { records, invalid } = normalizeOpenRouterCatalog(legacy.data);
      expect(invalid).toEqual([]);
      expect(
        records.map((record) => [
          record.modelId,
          record.state,
          record.inputUsdPerMillionTokens,
          record.requestUsd,
        ]),
      ).toEqual([
        ['openrouter/auto', 'variable', null, null],
        ['lynn/soliloquy-l3', 'active', '0', '0'],
        ['gryphe/mythomax-l2-13b', 'active', '0.18', '0'],
      ]);
    });
  },
);

/** A test-only string conversion: "0.0000032" with the point moved 6 right is "3.2". */
function movePointRight(decimal: string, places: number): string {
  const [whole = '', fraction = ''] = decimal.split('.');
  const digits = `${whole}${fraction.padEnd(places, '0')}`;
  const integer = digits.slice(0, whole.length + places).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(whole.length + places).replace(/0+$/, '');
  return rest ? `${integer}.${rest}` : integer;
}
