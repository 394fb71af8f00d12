import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import {
  openRouterBody,
  startSyncHarness,
  syncCounting,
  type SyncHarness,
  type SyncOptions,
} from '../support/sync-harness.js';
import { tableHash } from '../support/test-database.js';
import { postgresStore } from '../support/test-store.js';

const MODELS: [string, string, string][] = [
  ['acme/model-1', '0.000003', '0.000015'],
  ['acme/model-2', '0.0000007', '0.0000028'],
  ['acme/model-3', '0.00000045', '0.0000018'],
];

/**
 * The source shortcut (lib/sync/catalog-fingerprint.ts): a provider that sends the very bytes last
 * applied, under the same build and price cap, is not normalized again. What a user sees: the
 * same result and counts as a normalized unchanged catalog, nothing written, and the next change
 * still applied.
 */
describe('the source shortcut', () => {
  let harness: SyncHarness;
  let store: PricingStore;
  /** Providers whose fetched bytes were normalized, one entry per normalization. */
  let built: string[] = [];

  const sync = (options: SyncOptions = {}) => syncCounting(harness, store, built, 'openrouter', options);
  const prices = () => tableHash(harness.database.admin, 'model_pricing');
  const storedFingerprint = async () =>
    (
      await harness.database.admin.query<{ hash: string | null }>(
        `select catalog_hash as hash from pricing_providers where provider = 'openrouter'`,
      )
    ).rows[0]?.hash;

  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'openrouter' });
    store = postgresStore(harness.database.url);
  });
  afterAll(async () => {
    await store.close();
    await harness.close();
  });
  beforeEach(async () => {
    harness.replay.setScenario('openrouter', { body: openRouterBody(MODELS) });
    built = [];
    expect((await sync({ force: true })).error).toBeNull();
    built = [];
  });

  it('skips normalizing the very bytes last applied, and reports the same counts as an unchanged catalog', async () => {
    expect(await storedFingerprint()).toMatch(/^[0-9a-f]{64} source [0-9a-f]{64} 3 0 0$/);
    const before = await prices();
    const result = await sync();
    expect(built).toEqual([]);
    expect(result.outcome).toBe('unchanged');
    expect(result.counts).toMatchObject({
      fetched: 3,
      unchanged: 3,
      added: 0,
      changed: 0,
      missing: 0,
      invalid: 0,
    });
    expect(await prices()).toBe(before);
    const dryRun = await sync({ dryRun: true });
    expect(built).toEqual([]);
    expect(dryRun).toMatchObject({ outcome: 'dry_run', counts: { fetched: 3, unchanged: 3 } });
  });

  it('still refuses the same bytes under a lower PRICING_PROVIDER_MAX_ITEMS, though it never reads them again', async () => {
    const before = await prices();
    const refused = await sync({ settings: { providerMaxItems: 2 } });
    expect(built).toEqual([]);
    expect(refused).toMatchObject({ outcome: 'failed', error: { reason: 'too_large' } });
    expect(refused.error?.message).toMatch(/more than 2 items in this run \(PRICING_PROVIDER_MAX_ITEMS\)/);
    expect(await prices()).toBe(before);
    expect(await sync({ settings: { providerMaxItems: 3 } })).toMatchObject({ outcome: 'unchanged' });
    expect(built).toEqual([]);
  });

  it('normalizes again when the bytes change, and applies a changed price', async () => {
    harness.replay.setScenario('openrouter', {
      body: openRouterBody([['acme/model-1', '0.000004', '0.000015'], ...MODELS.slice(1)]),
    });
    const result = await sync();
    expect(built).toEqual(['openrouter']);
    expect(result.counts).toMatchObject({ changed: 1, unchanged: 2 });
  });

  it('bytes that differ outside the items take the catalog-hash shortcut and store the new key', async () => {
    const before = await storedFingerprint();
    // The items are the same (so is their hash, item-digest.ts); the document is not.
    harness.replay.setScenario('openrouter', { body: { ...openRouterBody(MODELS), generated_at: 'today' } });
    const result = await sync();
    expect(built).toEqual(['openrouter']);
    expect(result.outcome).toBe('unchanged');
    const after = await storedFingerprint();
    expect(after?.split(' ')[0]).toBe(before?.split(' ')[0]);
    expect(after).not.toBe(before);
    await sync();
    expect(built).toEqual(['openrouter']);
  });

  it('items that differ in fields no price comes from are diffed once, nothing but their digests written', async () => {
    const history = async () =>
      (await harness.database.admin.query(`select count(*)::int as n from model_pricing_history`)).rows[0].n;
    const pricesOnly = async () =>
      (
        await harness.database.admin.query(
          `select model_id, state, input_price_per_1m_tokens::text, output_price_per_1m_tokens::text, updated_at
             from model_pricing order by model_id`,
        )
      ).rows;
    const [historyBefore, pricesBefore] = [await history(), await pricesOnly()];
    harness.replay.setScenario('openrouter', {
      body: {
        data: openRouterBody(MODELS).data.map((item) => ({ ...(item as object), description: 'new text' })),
      },
    });
    const result = await sync();
    expect(built).toEqual(['openrouter']);
    expect(result).toMatchObject({ outcome: 'applied', counts: { fetched: 3, unchanged: 3, changed: 0 } });
    expect(await history()).toBe(historyBefore);
    expect(await pricesOnly()).toEqual(pricesBefore);
    // Those bytes again: the source shortcut.
    expect((await sync()).outcome).toBe('unchanged');
    expect(built).toEqual(['openrouter']);
  });

  it('normalizes again when forced, under another build, or under another price cap', async () => {
    await sync({ force: true });
    expect(built).toEqual(['openrouter']);
    await sync({ settings: { buildId: 'another build' } });
    expect(built).toEqual(['openrouter', 'openrouter']);
    await sync({ settings: { maxPricePer1m: '5000' } });
    expect(built).toEqual(['openrouter', 'openrouter', 'openrouter']);
  });

  it('stores no source part for a catalog with a skipped item, so each run normalizes it', async () => {
    const body = openRouterBody(MODELS);
    body.data.push({ name: 'an item without an id' });
    harness.replay.setScenario('openrouter', { body });
    const first = await sync();
    expect(first.counts.invalid).toBe(1);
    expect(await storedFingerprint()).toMatch(/^[0-9a-f]{64}$/);
    const second = await sync();
    expect(built).toEqual(['openrouter', 'openrouter']);
    expect(second).toMatchObject({ outcome: 'unchanged', counts: { invalid: 1, unchanged: 3 } });
  });
});

describe('the source shortcut on a paged listing (NEAR AI, pages kept as parsed until the digest is known)', () => {
  let harness: SyncHarness;
  let store: PricingStore;
  const built: string[] = [];

  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'nearai' });
    store = postgresStore(harness.database.url);
  });
  afterAll(async () => {
    await store.close();
    await harness.close();
  });

  it('skips normalizing the same pages, reporting the counts of the catalog they gave', async () => {
    const sync = () => syncCounting(harness, store, built, 'nearai');
    const first = await sync();
    expect(first.counts.added).toBeGreaterThan(0);
    const second = await sync();
    expect(built).toEqual(['nearai']);
    expect(second).toMatchObject({ outcome: 'unchanged', counts: { fetched: first.counts.fetched } });
    expect(second.counts.unchanged).toBe(first.counts.added);
  });
});

describe('unchanged providers touched one at a time', () => {
  let harness: SyncHarness;
  let store: PricingStore;

  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'openrouter,nearai,featherless' });
    store = postgresStore(harness.database.url);
  });
  afterAll(async () => {
    await store.close();
    await harness.close();
  });

  it('never runs two touches at once (a second would open a connection of its own)', async () => {
    const built: string[] = [];
    await syncCounting(harness, store, built, 'openrouter');
    const transport = store.transport;
    const call = transport.call.bind(transport);
    const running = { now: 0, most: 0, touches: 0 };
    transport.call = async (name, args) => {
      if (name !== 'pricing_touch_provider') return call(name, args);
      running.touches += 1;
      running.now += 1;
      running.most = Math.max(running.most, running.now);
      try {
        // Long enough for the other providers' touches to be asked for meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await call(name, args);
      } finally {
        running.now -= 1;
      }
    };
    try {
      built.length = 0;
      expect((await syncCounting(harness, store, built, 'openrouter')).outcome).toBe('unchanged');
    } finally {
      transport.call = call;
    }
    expect(built).toEqual([]);
    expect(running).toEqual({ now: 0, most: 1, touches: 3 });
  });
});
