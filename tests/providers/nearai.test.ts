import { describe, expect, it } from 'vitest';
import { createNearAiSource } from '../../lib/providers/nearai/nearai-source.js';
import { normalizeNearAiCatalog } from '../../lib/providers/nearai/normalize-nearai.js';
import { useReplayServer } from '../support/replay-fixture.js';
import {
  readOwnFixture,
  readSharedFixture,
  SHARED_ABSENT_MESSAGE,
  sharedFixturesPresent,
  testClient,
} from './provider-test-helpers.js';

const replay = useReplayServer();

function source(pageSize?: number) {
  return createNearAiSource({
    baseUrl: replay.baseUrls.NEARAI_BASE_URL,
    http: testClient('nearai', 'near-key').http,
    ...(pageSize === undefined ? {} : { pageSize }),
  });
}

describe('nearai', () => {
  it('divides nano-USD amounts by 10^scale, exactly, per 1M tokens', async () => {
    replay.setScenario('nearai', { body: readOwnFixture('nearai-model-list.json') });
    const { records, invalid } = await source().fetchCatalog();
    expect(
      records.map((record) => [
        record.modelId,
        record.state,
        record.inputUsdPerMillionTokens,
        record.outputUsdPerMillionTokens,
        record.cacheReadUsdPerMillionTokens,
        record.imageUsd,
        record.contextLength,
      ]),
    ).toEqual([
      ['openai/gpt-oss-120b', 'active', '0.15', '0.55', '0.015', '0', 131000],
      // 1250 / 10^10 per token is 0.125 per 1M; 3 / 10^6 per token is 3 per 1M; 0.04 USD per image.
      ['acme/fine-grained', 'active', '0.125', '3', null, '0.04', 32768],
      ['acme/no-price-yet', 'unpriced', null, null, null, null, 8192],
    ]);
    expect(invalid).toEqual([
      { id: 'acme/euro', reason: 'inputCostPerToken: currency "EUR" is not USD' },
      { id: 'acme/bad-scale', reason: expect.stringMatching(/^inputCostPerToken\.scale: /) as unknown },
    ]);
  });

  it('follows limit/offset pages to the end, sending the key it was given', async () => {
    replay.setScenario('nearai', { size: 250, seed: 7 });
    const { records } = await source(100).fetchCatalog();
    expect(records).toHaveLength(250);
    // Later pages are requested ahead, so they may reach the server in any order.
    expect(
      [...replay.requests]
        .sort((a, b) => Number(a.query.offset) - Number(b.query.offset))
        .map((request) => [request.path, request.query]),
    ).toEqual([
      ['/nearai/model/list', { limit: '100', offset: '0' }],
      ['/nearai/model/list', { limit: '100', offset: '100' }],
      ['/nearai/model/list', { limit: '100', offset: '200' }],
    ]);
    expect(replay.requests[0]?.headers.authorization).toBe('Bearer near-key');
  });

  it('asks for 1,000 models a page by default, the most NEAR AI accepts (it answers 400 above)', async () => {
    replay.setScenario('nearai', { size: 2_500, seed: 3 });
    const { records } = await source().fetchCatalog();
    expect(records).toHaveLength(2_500);
    expect(replay.requests.map((request) => request.query.limit)).toEqual(['1000', '1000', '1000']);
    expect(replay.requests.map((request) => Number(request.query.offset)).sort((a, b) => a - b)).toEqual([
      0, 1000, 2000,
    ]);
  });

  it('stops on an empty page even if total says more', async () => {
    replay.setScenario('nearai', { body: { models: [], limit: 100, offset: 0, total: 50 } });
    const { records } = await source().fetchCatalog();
    expect(records).toEqual([]);
    expect(replay.requests).toHaveLength(1);
  });

  it('fails with a schema error when a page is not a model list', async () => {
    replay.setScenario('nearai', { body: { data: [] } });
    await expect(source().fetchCatalog()).rejects.toMatchObject({ reason: 'schema', provider: 'nearai' });
  });
});

describe.skipIf(!sharedFixturesPresent)(`nearai, shared sample ${SHARED_ABSENT_MESSAGE}`, () => {
  it('reads the published prices: gpt-oss-120b 0.15/0.55 with cache read 0.015, GLM 0.85/3.3', () => {
    const sample = readSharedFixture('nearai_models.json') as Record<string, { models?: unknown[] }>;
    const page = Object.entries(sample).find(([key]) => key.startsWith('GET /v1/model/list'))?.[1];
    const { records, invalid } = normalizeNearAiCatalog(page?.models ?? []);
    expect(invalid).toEqual([]);
    expect(
      records.map((record) => [
        record.modelId,
        record.inputUsdPerMillionTokens,
        record.outputUsdPerMillionTokens,
        record.cacheReadUsdPerMillionTokens,
      ]),
    ).toEqual([
      ['openai/gpt-oss-120b', '0.15', '0.55', '0.015'],
      ['zai-org/GLM-5.1-FP8', '0.85', '3.3', null],
    ]);
  });
});
