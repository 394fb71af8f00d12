import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PricingStore } from '../../lib/db/pricing-store.js';
import * as jsonItems from '../../lib/providers/json-items.js';
import { parseFingerprint } from '../../lib/sync/catalog-fingerprint.js';
import type { ProviderResult } from '../../lib/sync/sync-result.js';
import { startSyncHarness, syncCounting, type SyncHarness } from '../support/sync-harness.js';
import { tableHash } from '../support/test-database.js';
import { postgresStore } from '../support/test-store.js';

// Every scan of a page's bytes counted, the real one run.
vi.mock('../../lib/providers/json-items.js', async (importOriginal) => {
  const original = await importOriginal<typeof jsonItems>();
  return { ...original, scanItems: vi.fn(original.scanItems) };
});
const scans = vi.mocked(jsonItems.scanItems);

/**
 * Known pages (lib/providers/known-page.ts): a paged provider's fingerprint keeps each page's
 * layout, and an unchanged re-sync reads the same pages' envelopes from it instead of scanning
 * them. What a user sees: the same results, prices and history as before, a change on one page
 * still applied, and a stored layout that no longer fits costs a scan, not a result.
 */
describe('known pages (NEAR AI, 2,500 models in pages of 1,000)', () => {
  let harness: SyncHarness;
  let store: PricingStore;
  const scenario = { size: 2500, seed: 11 };

  const sync = (): Promise<ProviderResult> => syncCounting(harness, store, [], 'nearai');
  const storedText = async () =>
    (
      await harness.database.admin.query<{ hash: string }>(
        `select catalog_hash as hash from pricing_providers where provider = 'nearai'`,
      )
    ).rows[0]!.hash;
  const storedPages = async () => parseFingerprint(await storedText())?.source?.pages;

  beforeAll(async () => {
    harness = await startSyncHarness({ PRICING_SYNC_PROVIDERS: 'nearai' });
    store = postgresStore(harness.database.url);
  });
  afterAll(async () => {
    await store.close();
    await harness.close();
  });
  beforeEach(async () => {
    await harness.database.admin.query(
      'truncate model_pricing, model_pricing_history, pricing_providers cascade',
    );
    harness.replay.setScenario('nearai', scenario);
    expect((await sync()).counts.added).toBe(2500);
    scans.mockClear();
  });

  it('stores each page with its layout, and reads the same pages again without a scan', async () => {
    const pages = await storedPages();
    expect(pages?.map((page) => page.count)).toEqual([1000, 1000, 500]);
    const prices = await tableHash(harness.database.admin, 'model_pricing');
    const result = await sync();
    expect(scans).not.toHaveBeenCalled();
    expect(result).toMatchObject({ outcome: 'unchanged', counts: { fetched: 2500, unchanged: 2500 } });
    expect(await tableHash(harness.database.admin, 'model_pricing')).toBe(prices);
    expect(await storedPages()).toEqual(pages);
  });

  it('applies a change on one page, scanning the others only to build the catalog', async () => {
    const before = await storedPages();
    harness.replay.setScenario('nearai', { ...scenario, swingModelIndex: 1500, swingFactor: '2' });
    const result = await sync();
    // The changed page when it arrived; the two known ones when the catalog was built.
    expect(scans).toHaveBeenCalledTimes(3);
    expect(result).toMatchObject({ outcome: 'applied', counts: { changed: 1, unchanged: 2499 } });
    const after = await storedPages();
    expect(after?.map((page, index) => page.key === before?.[index]?.key)).toEqual([true, false, true]);
    scans.mockClear();
    expect((await sync()).outcome).toBe('unchanged');
    expect(scans).not.toHaveBeenCalled();
  });

  it('never trusts an item count edited in the stored text: no page is skipped, no model marked missing', async () => {
    const pages = (await storedPages())!;
    const first = pages[0]!;
    const text = await storedText();
    // NEAR AI asks for the next page at the offset its items reach: 2,000 would skip a page.
    const edited = text.replace(
      `${first.key}:${first.open}:${first.close}:${first.count}:`,
      `${first.key}:${first.open}:${first.close}:2000:`,
    );
    expect(edited).not.toBe(text);
    await harness.database.admin.query(
      `update pricing_providers set catalog_hash = $1 where provider = 'nearai'`,
      [edited],
    );
    const result = await sync();
    expect(scans).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({
      outcome: 'unchanged',
      counts: { fetched: 2500, unchanged: 2500, missing: 0 },
    });
    expect(await storedPages()).toEqual(pages);
  });

  it('scans a page whose stored layout does not fit its bytes, and stores the layout found', async () => {
    const pages = (await storedPages())!;
    const text = await storedText();
    const wrong = `${pages[1]!.key}:${pages[1]!.open + 1}:${pages[1]!.close}:${pages[1]!.count}`;
    await harness.database.admin.query(
      `update pricing_providers set catalog_hash = $1 where provider = 'nearai'`,
      [text.replace(`${pages[1]!.key}:${pages[1]!.open}:`, `${pages[1]!.key}:${pages[1]!.open + 1}:`)],
    );
    expect(await storedText()).toContain(wrong);
    const result = await sync();
    expect(scans).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ outcome: 'unchanged', counts: { fetched: 2500, unchanged: 2500 } });
    expect(await storedPages()).toEqual(pages);
  });
});
