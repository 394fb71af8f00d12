import { describe, expect, it } from 'vitest';
import type { NormalizedCatalog, PriceRecord } from '../../lib/providers/price-record.js';
import { createProviderSources } from '../../lib/providers/registry.js';
import {
  generateFeatherlessModels,
  generateLiteLlmCostMap,
  generateModelSpecs,
  generateNearAiModels,
  generateOpenRouterCatalog,
} from '../../dev/replay/generate-catalog.js';
import { useReplayServer } from '../support/replay-fixture.js';

const replay = useReplayServer({ defaults: { size: 400, seed: 11 } });

function sources(extraEnv: Record<string, string> = {}) {
  return createProviderSources(
    {
      PRICING_SYNC_PROVIDERS: 'openrouter,nearai,featherless,alibaba-cloud,litellm',
      ...replay.baseUrls,
      DASHSCOPE_API_KEY: 'sk-replay',
      ...extraEnv,
    },
    { sleep: async () => undefined },
  );
}

async function fetchAll(extraEnv: Record<string, string> = {}): Promise<Map<string, NormalizedCatalog>> {
  const catalogs = new Map<string, NormalizedCatalog>();
  for (const source of sources(extraEnv)) catalogs.set(source.slug, await source.fetchCatalog());
  return catalogs;
}

function prices(records: PriceRecord[]): Map<string, string | null> {
  return new Map(records.map((record) => [record.modelId, record.inputUsdPerMillionTokens]));
}

describe('seeded catalog generator', () => {
  it('generates 25,000 models per provider, deterministically', () => {
    for (const generate of [
      generateOpenRouterCatalog,
      generateNearAiModels,
      generateFeatherlessModels,
      generateLiteLlmCostMap,
    ]) {
      const catalog = generate({ seed: 42, size: 25_000 });
      expect(JSON.stringify(generate({ seed: 42, size: 50 }))).toBe(
        JSON.stringify(generate({ seed: 42, size: 50 })),
      );
      expect(JSON.stringify(catalog).length).toBeGreaterThan(1_000_000);
    }
  });

  it('follows the real shapes: 1–12 significant digits, routers at "-1", aliases, overrides, unpriced items', () => {
    const specs = generateModelSpecs({ seed: 5, size: 5000 });
    const digits = specs
      .filter((spec) => spec.kind === 'priced')
      .map((spec) => spec.inputPerMillion.replace('.', '').replace(/^0+/, '').length);
    expect(Math.min(...digits)).toBe(1);
    expect(Math.max(...digits)).toBe(12);
    const openRouter = generateOpenRouterCatalog({ seed: 5, size: 5000 }).data;
    const pricing = (model: Record<string, unknown>) => model.pricing as Record<string, unknown>;
    expect(openRouter.some((model) => pricing(model).prompt === '-1')).toBe(true);
    expect(openRouter.some((model) => String(model.id).startsWith('~') && model.alias_target)).toBe(true);
    expect(openRouter.some((model) => Array.isArray(pricing(model).overrides))).toBe(true);
    expect(
      generateNearAiModels({ seed: 5, size: 5000 }).some((model) => !('inputCostPerToken' in model)),
    ).toBe(true);
  });
});

describe('replay server with all five providers', () => {
  it('serves every source through the registry, with env-ready base URLs', async () => {
    const catalogs = await fetchAll();
    expect([...catalogs.keys()]).toEqual(['openrouter', 'nearai', 'featherless', 'alibaba-cloud', 'litellm']);
    for (const [slug, catalog] of catalogs) {
      expect(catalog.invalid, slug).toEqual([]);
      expect(catalog.records.length, slug).toBeGreaterThan(0);
    }
    expect(catalogs.get('openrouter')?.records).toHaveLength(400);
    expect(catalogs.get('nearai')?.records).toHaveLength(400);
    expect(catalogs.get('litellm')?.records).toHaveLength(400);
    // alibaba-cloud: every fourth cost-map entry is dashscope/*, plus the account's unpriced extras.
    expect(
      catalogs
        .get('alibaba-cloud')
        ?.records.filter((record) => record.state === 'unpriced')
        .map((record) => record.modelId),
    ).toEqual(expect.arrayContaining(['qwen-unlisted-preview', 'qwen-account-only']));
    // 400 models in one page of up to 1,000 (paging itself: tests/providers/nearai.test.ts).
    expect(
      replay.requests
        .filter((request) => request.route === 'nearai')
        .map((request) => [request.query.limit, request.query.offset]),
    ).toEqual([['1000', '0']]);
  });

  it('changes a fraction of prices, swings one model 10x, halves or empties a catalog on request', async () => {
    const before = prices((await sources()[0]!.fetchCatalog()).records);

    replay.setScenario('openrouter', {
      size: 400,
      seed: 11,
      priceChangeFraction: 0.1,
      priceChangeFactor: '1.5',
    });
    const changed = prices((await sources()[0]!.fetchCatalog()).records);
    const moved = [...before].filter(
      ([id, price]) => price !== null && price !== '0' && changed.get(id) !== price,
    );
    expect(moved.length).toBeGreaterThan(20);
    expect(moved.length).toBeLessThan(70);

    replay.setScenario('openrouter', { size: 400, seed: 11, swingModelIndex: 3 });
    const swung = prices((await sources()[0]!.fetchCatalog()).records);
    const swungIds = [...before].filter(([id, price]) => swung.get(id) !== price).map(([id]) => id);
    expect(swungIds).toHaveLength(1);
    const [swungId] = swungIds as [string];
    expect(swung.get(swungId)).toBe(timesTen(before.get(swungId) ?? ''));

    replay.setScenario('openrouter', { size: 400, seed: 11, keepFraction: 0.5 });
    const halved = (await sources()[0]!.fetchCatalog()).records;
    expect(halved.length).toBeGreaterThan(160);
    expect(halved.length).toBeLessThan(240);
    expect(halved.every((record) => before.has(record.modelId))).toBe(true);

    replay.setScenario('openrouter', { empty: true });
    expect((await sources()[0]!.fetchCatalog()).records).toEqual([]);
  });

  it('takes scenarios over HTTP on the control endpoint, and fails the first N requests as asked', async () => {
    const response = await fetch(`${replay.url}/_control/scenario`, {
      method: 'POST',
      body: JSON.stringify({ route: 'nearai', size: 10, failFirst: 2, errorStatus: 503, retryAfter: '2' }),
    });
    expect(response.status).toBe(200);
    const sleeps: number[] = [];
    const [nearai] = createProviderSources(
      { PRICING_SYNC_PROVIDERS: 'nearai', ...replay.baseUrls },
      { sleep: async (milliseconds) => void sleeps.push(milliseconds) },
    );
    expect((await nearai!.fetchCatalog()).records).toHaveLength(10);
    expect(sleeps).toEqual([2000, 2000]);

    const rejected = await fetch(`${replay.url}/_control/scenario`, {
      method: 'POST',
      body: JSON.stringify({ route: 'nope' }),
    });
    expect(rejected.status).toBe(400);
  });

  it('hangs when asked, and the source times out with a typed error', async () => {
    replay.setScenario('featherless', { hang: true });
    const [featherless] = createProviderSources(
      { PRICING_SYNC_PROVIDERS: 'featherless', ...replay.baseUrls },
      { timeoutMs: 100, maxAttempts: 1 },
    );
    await expect(featherless!.fetchCatalog()).rejects.toMatchObject({
      reason: 'timeout',
      provider: 'featherless',
    });
  });
});

/** Test-only: a decimal string times ten, by moving the point one place. */
function timesTen(decimal: string): string {
  const [whole = '', fraction = ''] = decimal.split('.');
  const integer = `${whole}${fraction.slice(0, 1).padEnd(1, '0')}`.replace(/^0+(?=\d)/, '');
  const rest = fraction.slice(1);
  return rest ? `${integer}.${rest}` : integer;
}
