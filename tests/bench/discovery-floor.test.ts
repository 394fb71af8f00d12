import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERY_TABLE, runDiscoveryFloor, storeDiscoveryDigests } from '../../bench/discovery-floor.js';
import type { FetchPlan } from '../../bench/floors.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('the discovery floor (bench:profile --discovery)', () => {
  let database: TestDatabase;
  let replay: ReplayServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    replay = await startReplayServer({ defaults: { seed: 7, latencyMs: 0 } });
  });
  afterAll(async () => {
    await replay?.close();
    await database?.drop();
  });

  const serve = (priceChangeFraction?: number) => {
    replay.setScenario('openrouter', { size: 120, ...(priceChangeFraction ? { priceChangeFraction } : {}) });
    replay.setScenario('nearai', { size: 150, ...(priceChangeFraction ? { priceChangeFraction } : {}) });
  };
  /** One OpenRouter page, and NEAR AI's in two pages (the second short). */
  const plan = (): FetchPlan => ({
    openrouter: [{ url: `${replay.baseUrls.OPENROUTER_BASE_URL}/models` }],
    nearai: [0, 100].map((offset) => ({
      url: `${replay.baseUrls.NEARAI_BASE_URL}/model/list?offset=${offset}&limit=100`,
    })),
  });

  /** Each route's items as JSON text by id: what the floor must tell apart. */
  async function itemsById(): Promise<Map<string, string>> {
    const items = new Map<string, string>();
    for (const [route, pages] of Object.entries(plan())) {
      for (const page of pages) {
        const payload = (await (await fetch(page.url)).json()) as Record<string, Record<string, unknown>[]>;
        for (const item of payload[route === 'nearai' ? 'models' : 'data']!)
          items.set(`${route}:${String(item[route === 'nearai' ? 'modelId' : 'id'])}`, JSON.stringify(item));
      }
    }
    return items;
  }

  it('stores the digests of every item, and then finds none changed', async () => {
    serve();
    expect(await storeDiscoveryDigests(database.admin, plan())).toBe(270);
    const { rows } = await database.admin.query<{ provider: string; count: string }>(
      `select provider, count(*) from ${DISCOVERY_TABLE} group by provider order by provider`,
    );
    expect(rows).toEqual([
      { provider: 'nearai', count: '150' },
      { provider: 'openrouter', count: '120' },
    ]);
    const found = await runDiscoveryFloor(plan(), database.url);
    expect(found).toMatchObject({ items: 270, changed: 0 });
    expect(found.seconds).toBeGreaterThan(0);
  });

  it('counts exactly the items whose JSON differs from the stored ones', async () => {
    serve();
    await storeDiscoveryDigests(database.admin, plan());
    const before = await itemsById();
    serve(0.1);
    const after = await itemsById();
    const differing = [...after].filter(([id, json]) => before.get(id) !== json).length;
    expect(differing).toBeGreaterThan(0);
    expect(differing).toBeLessThan(270);
    expect(await runDiscoveryFloor(plan(), database.url)).toMatchObject({ items: 270, changed: differing });
  });

  it('fails, not guesses, when a page does not hold its items', async () => {
    serve();
    await storeDiscoveryDigests(database.admin, plan());
    const wrong: FetchPlan = { nearai: [{ url: `${replay.baseUrls.OPENROUTER_BASE_URL}/models` }] };
    await expect(runDiscoveryFloor(wrong, database.url)).rejects.toThrow(
      /a nearai page without its "models" items/,
    );
  });
});
