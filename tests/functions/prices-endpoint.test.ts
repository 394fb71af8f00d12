import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as prices } from '../../api/prices.js';
import { GET as liteLlmMap } from '../../api/prices/litellm.js';
import type { ServedPrice } from '../../lib/db/pricing-store.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';
import { settleStatistics } from '../support/test-database.js';
import { fitPage, MAX_PAGE_BODY_BYTES } from '../../lib/edge/page-budget.js';
import { encodeCursor } from '../../lib/edge/page-cursor.js';

const PRICES_TOKEN = 'test-prices-token-abc123';

interface PricesBody {
  success: boolean;
  version: string;
  count: number;
  next_cursor: string | null;
  prices: ServedPrice[];
}

describe('GET /prices', () => {
  let harness: FunctionHarness;
  const sync = async () => {
    const outcome = await harness
      .configure({ PRICES_TOKEN })
      .sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });
    if (outcome.kind !== 'finished') throw new Error(`sync did not run: ${outcome.kind}`);
    return outcome;
  };
  const read = async (path: string, headers: Record<string, string> = {}) =>
    prices(request(path, { key: PRICES_TOKEN, headers }));

  beforeAll(async () => {
    harness = await startFunctionHarness();
    harness.replay.setScenario('all', {});
    await sync();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.replay.setScenario('all', {});
    harness.configure({ PRICES_TOKEN });
  });

  it('fails closed when neither PRICES_TOKEN nor an admin key is configured', async () => {
    harness.configure({ ADMIN_API_KEY: undefined, ADMIN_API_KEYS: undefined, PRICES_TOKEN: undefined });
    const response = await prices(request('/prices', { key: 'anything' }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      success: false,
      error: expect.stringMatching(/PRICES_TOKEN/),
    });
  });

  it('needs PRICES_TOKEN or an admin key unless public, and is private then', async () => {
    expect((await prices(request('/prices'))).status).toBe(401);
    expect((await prices(request('/prices', { key: 'wrong' }))).status).toBe(401);
    const withToken = await prices(request('/prices', { key: PRICES_TOKEN }));
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get('cache-control')).toBe('private, no-store');
    expect((await prices(request('/prices', { key: ADMIN_KEY }))).status).toBe(200);

    harness.configure({ PRICES_PUBLIC: 'true', PRICES_TOKEN: undefined });
    const open = await prices(request('/prices'));
    expect(open.status).toBe(200);
    expect(open.headers.get('cache-control')).toMatch(/^public, .*s-maxage=\d+/);
  });

  it('returns the stored prices as decimal strings with the documented fields, never pinned today', async () => {
    const response = await read('/prices?provider=openrouter&limit=5000');
    const page = (await response.json()) as PricesBody;
    const stored = await harness.database.admin.query<{
      model_id: string;
      state: string;
      input: string | null;
      output: string | null;
    }>(
      `select model_id, state, trim_scale(input_price_per_1m_tokens)::text as input,
              trim_scale(output_price_per_1m_tokens)::text as output
         from model_pricing where provider = 'openrouter' order by model_id`,
    );
    expect(page.prices.map((price) => price.model_id)).toEqual(stored.rows.map((row) => row.model_id));
    for (const [index, row] of stored.rows.entries()) {
      expect(page.prices[index]).toMatchObject({
        provider: 'openrouter',
        state: row.state,
        input_price_per_1m_tokens: row.input,
        output_price_per_1m_tokens: row.output,
        pinned: false,
      });
    }
    const first = page.prices[0]!;
    expect(Object.keys(first).sort()).toEqual(
      [
        'alias_of',
        'checked_at',
        'pending_review',
        'stale',
        'stale_reason',
        'cache_read_price_per_1m_tokens',
        'cache_write_price_per_1m_tokens',
        'context_length',
        'effective_at',
        'extra',
        'image_price',
        'input_price_per_1m_tokens',
        'model_id',
        'output_price_per_1m_tokens',
        'pinned',
        'provider',
        'request_price',
        'state',
        'tiers',
      ].sort(),
    );
    expect(Date.parse(first.effective_at)).not.toBeNaN();
  });

  it('pages with a cursor: every row exactly once, in order', async () => {
    const all = (await (await read('/prices?limit=5000')).json()) as PricesBody;
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = (await (
        await read(`/prices?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as PricesBody;
      seen.push(...page.prices.map((price) => `${price.provider}:${price.model_id}`));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(all.prices.map((price) => `${price.provider}:${price.model_id}`));
    expect(pages).toBe(Math.ceil(all.prices.length / 7));
  });

  it('cuts a page before its byte budget, and its cursor continues right after the last row', async () => {
    const all = ((await (await read('/prices?limit=5000')).json()) as PricesBody).prices;
    expect(all.length).toBeGreaterThan(10);
    const rowBytes = all.slice(0, 3).map((price) => Buffer.byteLength(JSON.stringify(price)) + 1);
    const cut = fitPage(all, rowBytes[0]! + rowBytes[1]! + rowBytes[2]! - 1);
    expect(cut.prices).toEqual(all.slice(0, 2));
    expect(cut.cutAfter).toEqual([all[1]!.provider, all[1]!.model_id]);
    const rest = (await (
      await read(`/prices?limit=5000&cursor=${encodeCursor(cut.cutAfter!)}`)
    ).json()) as PricesBody;
    expect([...cut.prices, ...rest.prices]).toEqual(all);
    // One row over the budget is still served: a page never comes back empty while rows remain.
    expect(fitPage(all, 1)).toEqual({
      prices: all.slice(0, 1),
      cutAfter: [all[0]!.provider, all[0]!.model_id],
    });
    expect(fitPage(all, MAX_PAGE_BODY_BYTES)).toEqual({ prices: all, cutAfter: null });
    // 5,000 rows of 1 KB (a provider with many tiers) would pass Vercel's 4.5 MB cap unless cut.
    const large = Array.from({ length: 5000 }, (_, index) => ({
      ...all[0]!,
      model_id: `m${String(index).padStart(5, '0')}`,
      tiers: [{ note: 'x'.repeat(900) }],
    }));
    const page = fitPage(large, MAX_PAGE_BODY_BYTES);
    expect(page.prices.length).toBeLessThan(5000);
    expect(Buffer.byteLength(JSON.stringify(page.prices))).toBeLessThanOrEqual(MAX_PAGE_BODY_BYTES);
  });

  it('filters by provider, model_id, state and updated_since', async () => {
    const nearai = (await (await read('/prices?provider=nearai')).json()) as PricesBody;
    expect(nearai.count).toBeGreaterThan(0);
    expect(new Set(nearai.prices.map((price) => price.provider))).toEqual(new Set(['nearai']));

    const one = nearai.prices[0]!;
    const byId = (await (
      await read(`/prices?provider=nearai&model_id=${encodeURIComponent(one.model_id)}`)
    ).json()) as PricesBody;
    expect(byId.prices).toEqual([one]);

    const variable = (await (await read('/prices?state=variable,unpriced')).json()) as PricesBody;
    expect(variable.count).toBeGreaterThan(0);
    expect(variable.prices.every((price) => ['variable', 'unpriced'].includes(price.state))).toBe(true);

    const future = (await (await read('/prices?updated_since=2999-01-01T00:00:00Z')).json()) as PricesBody;
    expect(future.count).toBe(0);
    const past = (await (await read('/prices?updated_since=2000-01-01')).json()) as PricesBody;
    expect(past.count).toBeGreaterThan(0);
  });

  it.each([
    ['state=gone', /state/],
    ['limit=0', /limit/],
    ['limit=abc', /limit/],
    ['updated_since=yesterday', /updated_since/],
    ['cursor=!!!', /cursor/],
    ['provdier=openrouter', /unknown parameter/],
    // Read as the first one only, the second provider's prices would look absent.
    ['provider=openrouter&provider=nearai', /"provider" is given more than once/],
    ['limit=1&limit=5000', /"limit" is given more than once/],
    // Postgres cannot compare with a NUL or a lone surrogate: it errors instead of finding nothing.
    ['model_id=%00', /model_id contains a NUL character/],
    ['provider=openrouter,%00', /provider contains a NUL character/],
    [`cursor=${encodeCursor(['openrouter', '\u0000'])}`, /cursor/],
    [`cursor=${encodeCursor(['\ud800', 'acme/a'])}`, /cursor/],
    // Instants timestamptz cannot hold: no year 0, and a UTC year past 9999.
    ['updated_since=0000-01-01T00:00:00Z', /updated_since must be an ISO 8601 instant/],
    ['updated_since=9999-12-31T23:00:00-02:00', /updated_since/],
  ])('answers 400 for %s', async (query, message) => {
    const response = await read(`/prices?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 200 to a forged If-None-Match whose version is past bigint, built from our own ETag', async () => {
    const etag = (await read('/prices?provider=openrouter')).headers.get('etag')!;
    for (const version of ['9999999999999999999', '9223372036854775808']) {
      const forged = etag.replace(/-v\d+-/, `-v${version}-`);
      const response = await read('/prices?provider=openrouter', { 'if-none-match': forged });
      expect(response.status, version).toBe(200);
      expect(((await response.json()) as PricesBody).count, version).toBeGreaterThan(0);
    }
  });

  it('answers 304 while the prices and their freshness are unchanged; a sync that writes nothing still confirms them', async () => {
    const first = await read('/prices?provider=openrouter');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"prices-v\d+-/);
    const again = await read('/prices?provider=openrouter', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const before = (await first.json()) as PricesBody;
    const nearaiEtag = (await read('/prices?provider=nearai')).headers.get('etag')!;

    // Nothing is written but the provider's row: every price is confirmed later (checked_at).
    await sync();
    const confirmed = await read('/prices?provider=openrouter', { 'if-none-match': etag });
    expect(confirmed.status).toBe(200);
    const after = (await confirmed.json()) as PricesBody;
    expect(after.version).toBe(before.version);
    expect(Date.parse(after.prices[0]!.checked_at!)).toBeGreaterThan(
      Date.parse(before.prices[0]!.checked_at!),
    );
    const newEtag = confirmed.headers.get('etag')!;
    expect((await read('/prices?provider=openrouter', { 'if-none-match': newEtag })).status).toBe(304);
    // nearai synced too: its ETag changed as well; one query's ETag never covers another's.
    expect((await read('/prices?provider=nearai', { 'if-none-match': nearaiEtag })).status).toBe(200);
    // Another query's ETag never validates this one.
    const other = (await read('/prices?provider=nearai')).headers.get('etag')!;
    expect((await read('/prices?provider=openrouter', { 'if-none-match': other })).status).toBe(200);
  });

  it('reads current rows only: history is never scanned, however long it grows', async () => {
    // A long history, which any query reading it would have to scan (or probe by index).
    await harness.database.admin.query(
      `insert into model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
       select 1, 'openrouter', 'org/model-' || g, 'changed', 'active', '{}'::jsonb
         from generate_series(1, 20000) g`,
    );
    const scans = async () => {
      await settleStatistics(harness.database);
      const rows = await harness.database.admin.query<{ relname: string; scans: string }>(
        `select relname, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text as scans from pg_stat_user_tables`,
      );
      return new Map(rows.rows.map((row) => [row.relname, Number(row.scans)]));
    };
    const before = await scans();
    const page = await read('/prices?limit=5000');
    expect(page.status).toBe(200);
    harness.configure({ PRICES_TOKEN, PRICING_SYNC_PROVIDERS: 'openrouter,nearai,litellm' });
    // Before the first litellm sync this is a 503, answered from the same single read.
    await liteLlmMap(request('/prices/model_prices_and_context_window.json', { key: PRICES_TOKEN }));
    const after = await scans();
    const scanned = [...after.keys()].filter((table) => after.get(table)! > (before.get(table) ?? 0));
    expect(scanned).toContain('model_pricing');
    expect(scanned).not.toContain('model_pricing_history');
    expect(
      scanned.filter(
        // pricing_pins is current state too (the `pinned` flag), one row per pinned model.
        (table) =>
          ![
            'model_pricing',
            'pricing_litellm_entries',
            'pricing_price_version',
            'pricing_pins',
            // Freshness: one row per provider, and pending held changes by index.
            'pricing_providers',
            'pricing_held_changes',
          ].includes(table),
      ),
    ).toEqual([]);
  });

  it('never shows a held 10x swing, and a price change is never a 304', async () => {
    const before = (await (await read('/prices?provider=openrouter&state=active')).json()) as PricesBody;
    const etag = (await read('/prices?provider=openrouter&state=active')).headers.get('etag')!;
    harness.replay.setScenario('openrouter', { swingModelIndex: 3, swingFactor: '12' });
    const held = await sync();
    expect(JSON.stringify(held)).toMatch(/price_swing/);
    // The served prices stay; the held model says a review waits (a new ETag: pending_review changed).
    const during = await read('/prices?provider=openrouter&state=active', { 'if-none-match': etag });
    expect(during.status).toBe(200);
    const after = (await during.json()) as PricesBody;
    const prices = (body: PricesBody) =>
      body.prices.map(({ checked_at: _checked, pending_review: _pending, ...price }) => price);
    expect(prices(after)).toEqual(prices(before));
    const pending = after.prices.filter((price) => price.pending_review).map((price) => price.model_id);
    expect(pending).toHaveLength(1);
    expect(JSON.stringify(held)).toContain(pending[0]);

    harness.replay.setScenario('openrouter', { priceChangeFraction: 0.2, priceChangeFactor: '1.5' });
    await sync();
    const changed = await read('/prices?provider=openrouter&state=active', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const body = (await changed.json()) as PricesBody;
    expect(body.prices).not.toEqual(before.prices);
  });
});
