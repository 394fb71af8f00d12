import { describe, expect, it } from 'vitest';
import {
  HOSTILE_INVALID_COUNT,
  hostileFeed,
  hostileFeedBaseline,
  LISTED_UNREADABLE,
} from '../support/hostile-feed.js';
import { goodModels, useHostileSyncHarness } from '../support/hostile-sync.js';
import { openRouterBody } from '../support/sync-harness.js';

/**
 * The hostile-feed cases at scale: a 200,000-item page, alone and mixed with every kind of bad item.
 * They run in `npm run test:reliability` (`*.scale.ts`); `hostile-feed.test.ts` keeps the per-item
 * cases on a few hundred items.
 */
describe('hostile provider feeds at scale cost one item, never the run, the provider or the lease', () => {
  const { harness, query, openrouter, lastRun, leaseHolder, priceOf } = useHostileSyncHarness();

  it('reads a 200,000-item page, and fails only the provider that sends more than its run budget', async () => {
    const featherlessItems = Array.from({ length: 200_000 }, (_, index) => ({ id: `big/model-${index}` }));
    harness().replay.setScenario('featherless', {
      body: { data: featherlessItems, pagination: { current_page: 1, total_pages: 1 } },
    });
    openrouter(openRouterBody(goodModels()).data);
    const both = { PRICING_SYNC_PROVIDERS: 'openrouter,featherless' };
    // A dry run: reading the page is the point here, not writing 200,000 rows (the end-to-end test below does).
    expect((await harness().sync(['--dry-run'], both)).code).toBe(0);
    const run = await lastRun();
    expect(run.status).toBe('success');
    expect(run.results.providers.featherless).toMatchObject({
      error: null,
      counts: { fetched: 200_000, added: 200_000 },
    });

    const limits: Record<string, string>[] = [
      { PRICING_PROVIDER_MAX_ITEMS: '1000' },
      { PRICING_PROVIDER_MAX_BYTES: '100000' },
    ];
    for (const limit of limits) {
      expect((await harness().sync([], { ...both, ...limit })).code).toBe(2);
      const limited = await lastRun();
      expect(limited.status).toBe('partial');
      expect(limited.results.providers.featherless?.error?.reason).toBe('too_large');
      expect(limited.results.providers.openrouter?.error).toBeNull();
      expect(await leaseHolder()).toBeNull();
    }
  });

  // Writing 200,000 new rows takes about a minute on a shared two-core machine: a longer timeout.
  it('end to end: one feed of NUL ids, lone surrogates, unreadable and absurd prices in a 200,000-item page', async () => {
    harness().replay.setScenario('openrouter', { body: hostileFeedBaseline() });
    expect((await harness().sync()).code).toBe(0);
    const { data, newModels } = hostileFeed(200_000);
    harness().replay.setScenario('openrouter', { body: { data } });

    const result = await harness().sync();
    const run = await lastRun();
    expect(run.status).toBe('success');
    expect(result.code).toBe(0);
    expect(await leaseHolder()).toBeNull();
    const openrouterResult = run.results.providers.openrouter!;
    expect(openrouterResult.error).toBeNull();
    expect(openrouterResult.counts).toMatchObject({
      fetched: 300 + newModels,
      added: newModels,
      changed: 100,
      unchanged: 200,
      missing: 0,
      invalid: HOSTILE_INVALID_COUNT,
      held: 0,
    });
    // Every good update exactly.
    const byPrice = await query<{ input: string; output: string; n: string }>(
      `select input_price_per_1m_tokens::text as input, output_price_per_1m_tokens::text as output, count(*)::text as n
         from model_pricing where provider = 'openrouter' and state = 'active' group by 1, 2 order by 1`,
    );
    expect(byPrice).toEqual([
      { input: '0.3', output: '1.2', n: String(newModels) },
      { input: '1', output: '2', n: String(200 + LISTED_UNREADABLE.length) },
      { input: '1.5', output: '2', n: '100' },
    ]);
    // The listed-but-unreadable models as they were; nothing missing, nothing absurd.
    for (const id of LISTED_UNREADABLE)
      expect(await priceOf(id)).toEqual({ state: 'active', input: '1', output: '2' });
    const others = await query<{ n: string }>(
      `select count(*)::text as n from model_pricing
        where provider = 'openrouter' and (state <> 'active' or model_id !~ '^(good|new|listed)/'
          or input_price_per_1m_tokens > 1000000 or length(input_price_per_1m_tokens::text) > 32)`,
    );
    expect(others[0]?.n).toBe('0');
    const history = await query<{ kind: string; n: string }>(
      `select kind, count(*)::text as n from model_pricing_history where run_id = (select max(id) from pricing_sync_runs) group by 1 order by 1`,
    );
    expect(history).toEqual([
      { kind: 'added', n: String(newModels) },
      { kind: 'changed', n: '100' },
    ]);
  }, 300_000);
});
