import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as prices } from '../../api/prices.js';
import type { PriceChange } from '../../lib/db/pricing-store.js';
import { priceViewOf, type ServedRow } from '../support/served-price.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import type { RpcTransport } from '../../lib/db/rpc-transport.js';
import { encodeFeedCursor, feedCursorRange, readFeedCursor } from '../../lib/domain/feed-cursor.js';
import { MAX_PAGE_BODY_BYTES } from '../../lib/edge/page-budget.js';
import { encodeCursor } from '../../lib/edge/page-cursor.js';
import { readChangeFeed } from '../../lib/functions/changes-endpoint.js';
import {
  ADMIN_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';

const PRICES_TOKEN = 'test-prices-token-feed-0123';

interface ChangesBody {
  success: boolean;
  changes: PriceChange[];
  next_cursor: string;
}

/** A served price without its key and what is not the price itself: the API's price view. */
describe('GET /prices/changes (the change feed)', () => {
  let harness: FunctionHarness;
  /** A read with the prices token, another key, or none (null). */
  const read = async (path: string, key: string | null = PRICES_TOKEN) =>
    prices(request(path, key === null ? {} : { key }));
  const page = async (path: string) => {
    const response = await read(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as ChangesBody;
  };
  /** Every change from `since` on, page by page (`limit` a page), until a page brings none. */
  const follow = async (since: string | null, limit: number) => {
    const changes: PriceChange[] = [];
    let cursor = since;
    for (;;) {
      const body = await page(
        `/prices/changes?limit=${limit}${cursor === null ? '' : `&since=${encodeURIComponent(cursor)}`}`,
      );
      expect(body.next_cursor).toEqual(expect.any(String));
      changes.push(...body.changes);
      if (body.changes.length === 0) return { changes, cursor: body.next_cursor };
      cursor = body.next_cursor;
    }
  };
  const sync = async () => {
    const outcome = await harness
      .configure({ PRICES_TOKEN })
      .sync({ trigger: 'cli', triggeredBy: 'test', dryRun: false, force: false });
    if (outcome.kind !== 'finished') throw new Error(`sync did not run: ${outcome.kind}`);
  };

  beforeAll(async () => {
    harness = await startFunctionHarness();
    harness.replay.setScenario('all', {});
    await sync();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.configure({ PRICES_TOKEN });
  });

  it('has the same access as /prices: closed without a key, private, or public when configured', async () => {
    expect((await read('/prices/changes', null)).status).toBe(401);
    expect((await read('/prices/changes', 'wrong-key-0123456789')).status).toBe(401);
    const withToken = await read('/prices/changes');
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get('cache-control')).toBe('private, no-store');
    expect((await read('/prices/changes', ADMIN_KEY)).status).toBe(200);
    harness.configure({ ADMIN_API_KEY: undefined, ADMIN_API_KEYS: undefined, PRICES_TOKEN: undefined });
    expect((await read('/prices/changes', 'anything-at-all-0123')).status).toBe(401);
    harness.configure({ PRICES_PUBLIC: 'true', PRICES_TOKEN: undefined });
    const open = await read('/prices/changes', null);
    expect(open.status).toBe(200);
    expect(open.headers.get('cache-control')).toMatch(/^public, .*s-maxage=\d+/);
  });

  it('starts at the beginning without since: every model added, after = its /prices view', async () => {
    const { changes } = await follow(null, 1000);
    const served = ((await (await read('/prices?limit=5000')).json()) as { prices: ServedRow[] }).prices;
    expect(changes.length).toBeGreaterThanOrEqual(served.length);
    const first = changes.filter((change) => change.kind === 'added');
    expect(first).toHaveLength(served.length);
    for (const change of first) {
      expect(change).toMatchObject({ before: null, trigger: 'cli', run_id: expect.any(Number) });
      expect(Object.keys(change).sort()).toEqual(
        ['id', 'provider', 'model_id', 'kind', 'before', 'after', 'effective_at', 'run_id', 'trigger'].sort(),
      );
    }
    const ids = changes.map((change) => change.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // The last change of every model is its price as /prices shows it, field for field.
    const last = new Map(changes.map((change) => [`${change.provider}/${change.model_id}`, change]));
    for (const row of served) {
      const change = last.get(`${row.provider}/${row.model_id}`)!;
      expect(change.after).toEqual(priceViewOf(row));
      expect(change.effective_at).toBe(row.effective_at);
    }
  });

  it('pages with limit and resumes from next_cursor, which is never null', async () => {
    const whole = await follow(null, 1000);
    const paged = await follow(null, 7);
    expect(paged.changes).toEqual(whole.changes);
    expect(paged.cursor).toBe(whole.cursor);
    const first = await page('/prices/changes?limit=7');
    expect(first.changes).toHaveLength(7);
    expect(readFeedCursor(first.next_cursor)).toBe(first.changes[6]!.id);

    // At the end: no change, and the same cursor to ask again later.
    const atEnd = await page(`/prices/changes?since=${encodeURIComponent(whole.cursor)}`);
    expect(atEnd).toEqual({ success: true, changes: [], next_cursor: whole.cursor });

    // A new sync's changes arrive after the stored cursor, and nothing before it again.
    harness.replay.setScenario('nearai', { priceChangeFraction: 0.3, priceChangeFactor: '1.1' });
    await sync();
    harness.replay.setScenario('nearai', { priceChangeFraction: 0 });
    const next = await follow(whole.cursor, 1000);
    expect(next.changes.length).toBeGreaterThan(0);
    expect(next.changes.every((change) => change.id > readFeedCursor(whole.cursor)!)).toBe(true);
    expect(next.changes.every((change) => change.provider === 'nearai')).toBe(true);
    expect(next.changes.every((change) => change.kind === 'changed' && change.before !== null)).toBe(true);
  });

  it('filters by provider, and a filtered follower at the end resumes past the others', async () => {
    const all = await follow(null, 1000);
    const only = await page('/prices/changes?provider=openrouter&limit=1000');
    expect(only.changes.length).toBeGreaterThan(0);
    expect(only.changes.every((change) => change.provider === 'openrouter')).toBe(true);
    expect(only.changes).toEqual(all.changes.filter((change) => change.provider === 'openrouter'));
    // The end of the feed is the same place for every filter.
    expect(only.next_cursor).toBe(all.cursor);
    const both = await page('/prices/changes?provider=openrouter,nearai&limit=1000');
    expect(both.changes).toEqual(all.changes);
  });

  it('answers 400 to an unknown or repeated parameter, a bad limit and a cursor it did not give', async () => {
    const bad = async (query: string, message: RegExp) => {
      const response = await read(`/prices/changes?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error, query).toMatch(message);
    };
    await bad('cursor=abc', /unknown parameter "cursor"/);
    await bad('limit=5&limit=6', /more than once/);
    await bad('since=a&since=b', /more than once/);
    for (const limit of ['0', '1001', 'abc', '-1', '1.5', ''])
      await bad(`limit=${limit}`, /limit must be a whole number from 1 to 1000/);
    await bad('since=not-a-cursor', /since is not a cursor/);
    await bad(`since=${encodeCursor(['openrouter', 'a'])}`, /since is not a cursor/);
    await bad(`since=${Buffer.from('{"after_id":-1}').toString('base64url')}`, /since is not a cursor/);
    await bad(`since=${Buffer.from('{"after_id":1e300}').toString('base64url')}`, /since is not a cursor/);
    await bad(`provider=${encodeURIComponent('a,,b')}`, /provider must be a comma-separated list/);
  });

  it('builds the cursors of a range of history ids: since reads from the first, next follows the last', async () => {
    const { changes } = await follow(null, 1000);
    const [a, b] = [changes[3]!.id, changes[5]!.id];
    const range = feedCursorRange(a, b);
    const fromRange = await page(`/prices/changes?since=${encodeURIComponent(range.since)}&limit=3`);
    expect(fromRange.changes.map((change) => change.id)).toEqual(changes.slice(3, 6).map((c) => c.id));
    expect(range.next).toBe(encodeFeedCursor(b));
    expect(fromRange.next_cursor).toBe(range.next);
    expect(() => feedCursorRange(5, 4)).toThrow(RangeError);
    expect(() => feedCursorRange(0, 4)).toThrow(RangeError);
  });
});

describe('the change feed page budget', () => {
  it('stops a page before 4 MB and continues after its last change', async () => {
    // About 1.2 MB a change: three fit in the budget, the fourth starts the next page.
    const extra = Object.fromEntries(
      Array.from({ length: 30_000 }, (_, index) => [`extra_${index}_per_1m_tokens`, '1.25']),
    );
    const view = {
      state: 'active',
      input_price_per_1m_tokens: '1',
      output_price_per_1m_tokens: '2',
      cache_read_price_per_1m_tokens: null,
      cache_write_price_per_1m_tokens: null,
      request_price: null,
      image_price: null,
      extra,
      tiers: [],
      context_length: null,
      alias_of: null,
    };
    const changes = Array.from({ length: 5 }, (_, index) => ({
      id: 10 + index,
      provider: 'openrouter',
      model_id: `big/${index}`,
      kind: 'changed',
      before: view,
      after: view,
      effective_at: '2026-12-06T00:00:00+00:00',
      run_id: 1,
      trigger: 'cron',
    }));
    const calls: unknown[] = [];
    const transport: RpcTransport = {
      kind: 'postgres',
      call: async (name, args) => {
        calls.push([name, args]);
        return { changes, more: false, last_id: 99 };
      },
      close: async () => undefined,
    } as RpcTransport;
    const body = await readChangeFeed(new PricingStore(transport), {
      since: encodeFeedCursor(9),
      provider: null,
      limit: null,
    });
    expect(Buffer.byteLength(JSON.stringify(body.changes))).toBeLessThan(MAX_PAGE_BODY_BYTES);
    expect(body.changes.length).toBeGreaterThan(0);
    expect(body.changes.length).toBeLessThan(5);
    expect(readFeedCursor(body.next_cursor)).toBe(body.changes[body.changes.length - 1]!.id);
    expect(calls).toEqual([['pricing_read_changes', { p_providers: null, p_after_id: 9, p_limit: 500 }]]);
  });
});
