import { describe, expect, it } from 'vitest';
import { createFeatherlessSource } from '../../lib/providers/featherless/featherless-source.js';
import { normalizeFeatherlessCatalog } from '../../lib/providers/featherless/normalize-featherless.js';
import { useReplayServer } from '../support/replay-fixture.js';
import {
  readSharedFixture,
  SHARED_ABSENT_MESSAGE,
  sharedFixturesPresent,
  testClient,
} from './provider-test-helpers.js';

const replay = useReplayServer();

const source = (pageSize?: number) =>
  createFeatherlessSource({
    baseUrl: `${replay.baseUrls.FEATHERLESS_BASE_URL}/`,
    http: testClient('featherless').http,
    ...(pageSize === undefined ? {} : { pageSize }),
  });

describe('featherless', () => {
  it('reads optional pricing as USD per 1M (JSON numbers, exactly), else unpriced with context length', () => {
    const items = JSON.parse(`[
      {"id": "unsloth/Llama-3.3-70B-Instruct", "context_length": 32768, "pricing": {"input": 2.6, "output": 3}},
      {"id": "RWKV/v6-Finch-14B-HF", "context_length": 16384, "pricing": {"input": 0.10775, "output": 0.28}},
      {"id": "vicgalle/Roleplay-Llama-3-8B", "model_class": "llama3-8b-8k", "context_length": 8192, "max_completion_tokens": 4096},
      {"id": "acme/tiny", "context_length": 2048, "pricing": {"input": 1e-7, "output": 2.5e-7}},
      {"id": "acme/nan", "context_length": 2048, "pricing": {"input": "NaN", "output": 1}}
    ]`) as unknown[];
    const { records, invalid } = normalizeFeatherlessCatalog(items);
    expect(
      records.map((record) => [
        record.modelId,
        record.state,
        record.inputUsdPerMillionTokens,
        record.outputUsdPerMillionTokens,
        record.contextLength,
      ]),
    ).toEqual([
      ['unsloth/Llama-3.3-70B-Instruct', 'active', '2.6', '3', 32768],
      ['RWKV/v6-Finch-14B-HF', 'active', '0.10775', '0.28', 16384],
      ['vicgalle/Roleplay-Llama-3-8B', 'unpriced', null, null, 8192],
      ['acme/tiny', 'active', '0.0000001', '0.00000025', 2048],
    ]);
    expect(invalid).toEqual([{ id: 'acme/nan', reason: 'pricing.input: not a decimal number: "NaN"' }]);
  });

  it('pages with page/per_page until the last page (trailing slash in the base URL is fine)', async () => {
    replay.setScenario('featherless', { size: 2500, seed: 3 });
    const { records, invalid } = await source(1000).fetchCatalog();
    expect(invalid).toEqual([]);
    expect(records).toHaveLength(2500);
    expect(replay.requests.map((request) => [request.path, request.query])).toEqual([
      ['/featherless/models', { page: '1', per_page: '1000' }],
      ['/featherless/models', { page: '2', per_page: '1000' }],
      ['/featherless/models', { page: '3', per_page: '1000' }],
    ]);
    expect(replay.requests[0]?.headers.authorization).toBeUndefined();
    expect(records.filter((record) => record.state === 'active').length).toBeGreaterThan(0);
    expect(records.filter((record) => record.state === 'unpriced').length).toBeGreaterThan(
      records.length / 2,
    );
  });

  it('stops after one response when the server ignores paging and sends everything', async () => {
    replay.setScenario('featherless', { body: { data: [{ id: 'a/b', context_length: 4096 }] } });
    const { records } = await source().fetchCatalog();
    expect(records).toHaveLength(1);
    expect(replay.requests).toHaveLength(1);
  });

  it('skips one invalid item, counted and reported, and passes the rest', async () => {
    replay.setScenario('featherless', {
      body: {
        data: [
          { id: 'a/ok', context_length: 4096 },
          { id: 'a/bad', context_length: 'long' },
          { id: 'a/also-ok' },
        ],
      },
    });
    const { records, invalid } = await source().fetchCatalog();
    expect(records.map((record) => record.modelId)).toEqual(['a/ok', 'a/also-ok']);
    expect(invalid).toEqual([{ id: 'a/bad', reason: expect.stringMatching(/^context_length: /) as unknown }]);
  });
});

describe.skipIf(!sharedFixturesPresent)(`featherless, shared sample ${SHARED_ABSENT_MESSAGE}`, () => {
  it('reads the documented example item as unpriced', () => {
    const sample = readSharedFixture('featherless_models.json') as {
      documented_example: { data: unknown[] };
    };
    const { records, invalid } = normalizeFeatherlessCatalog(sample.documented_example.data);
    expect(invalid).toEqual([]);
    expect(records).toMatchObject([
      { modelId: 'vicgalle/Roleplay-Llama-3-8B', state: 'unpriced', contextLength: 8192 },
    ]);
  });
});
