import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as pins from '../../api/admin/pricing/pins.js';
import { shiftDecimal } from '../../lib/money/decimal.js';
import { MAX_DEPTH } from '../../lib/providers/json-items.js';
import { READ_BY_ID_MAX, storedReadOf } from '../../lib/sync/run-sync.js';
import type { ProviderResult } from '../../lib/sync/sync-result.js';
import { priceRecord } from '../support/store-fixtures.js';
import { holdLease } from '../support/test-store.js';
import {
  startOperatorFixture,
  type AdapterKind,
  type OperatorFixture,
} from '../operator/operator-fixture.js';

const FEED: [string, string, string][] = [
  ['acme/a', '1', '2'],
  ['acme/b', '3', '4'],
  ['acme/c', '5', '6'],
  ['acme/d', '7', '8'],
  ['acme/e', '9', '10'],
];

/**
 * Item digests (lib/providers/item-digest.ts): a sync skips the items whose digest is the one their
 * stored row was written from, and reads and diffs only the rest. What a user sees: the same
 * results, prices and history as a sync that normalized everything; only the work differs, which
 * these tests watch through the stored models the sync reads.
 */
describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('item digests (%s)', (kind) => {
  let fixture: OperatorFixture;
  /** The stored models each sync read: 'all' for a whole provider, or the ids it asked for. */
  let reads: ('all' | string[])[] = [];
  /** The models each sync sent to have their digest written alone (digest_only). */
  let digestOnly: string[] = [];

  const sync = async (options: { force?: boolean; dryRun?: boolean } = {}): Promise<ProviderResult> => {
    reads = [];
    digestOnly = [];
    const outcome = await fixture.sync(options);
    if (outcome.kind !== 'finished') throw new Error('refused the lease');
    return outcome.report.providers.openrouter as ProviderResult;
  };
  /** Forgets the provider's fingerprint, so that the next sync can take neither catalog shortcut. */
  const forgetFingerprint = () =>
    fixture.query(`update public.pricing_providers set catalog_hash = null where provider = 'openrouter'`);
  const digests = async () =>
    Object.fromEntries(
      (
        await fixture.query<{ model_id: string; source_digest: string | null }>(
          `select model_id, source_digest from public.model_pricing where provider = 'openrouter'`,
        )
      ).rows.map((row) => [row.model_id, row.source_digest]),
    );
  const count = async (sql: string) => Number((await fixture.query<{ n: string }>(sql)).rows[0]!.n);
  const historyRows = () => count(`select count(*) as n from public.model_pricing_history`);
  const priceVersion = () => count(`select version as n from public.pricing_price_version`);

  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    const store = fixture.store;
    const readModels = store.readModels.bind(store);
    const readModelsOf = store.readModelsOf.bind(store);
    store.readModels = (provider) => (reads.push('all'), readModels(provider));
    store.readModelsOf = (provider, ids) => (reads.push([...ids].sort()), readModelsOf(provider, ids));
    const stageApply = store.stageApply.bind(store);
    store.stageApply = (request) => {
      digestOnly.push(...(request.digestOnly ?? []).map((record) => record.modelId));
      return stageApply(request);
    };
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    await fixture.query(`delete from public.pricing_pins`);
    await fixture.query(`delete from public.model_pricing`);
    await fixture.query(`delete from public.pricing_providers`);
    fixture.feed(FEED);
    const first = await sync();
    expect(first.counts).toMatchObject({ added: 5 });
    // Nothing was stored to read.
    expect(reads).toEqual([]);
  });

  it('stores each row with its digest, and diffs only the item whose price changed', async () => {
    const stored = await digests();
    expect(Object.keys(stored).sort()).toEqual(FEED.map(([id]) => id));
    for (const digest of Object.values(stored)) expect(digest).toMatch(/^[A-Za-z0-9+/]{43}=$/);

    fixture.feed(FEED.map((model) => (model[0] === 'acme/c' ? ['acme/c', '5.5', '6'] : model)));
    const history = await historyRows();
    const result = await sync();
    expect(result.counts).toMatchObject({ fetched: 5, changed: 1, unchanged: 4, added: 0, missing: 0 });
    expect(reads).toEqual([['acme/c']]);
    expect(await fixture.stored('acme/c')).toEqual(['active', '5.5', '6']);
    expect(await historyRows()).toBe(history + 1);
    const after = await digests();
    expect(after['acme/c']).not.toBe(stored['acme/c']);
    expect({ ...after, 'acme/c': null }).toEqual({ ...stored, 'acme/c': null });

    // The same bytes again: the source shortcut, nothing read.
    expect((await sync()).outcome).toBe('unchanged');
    expect(reads).toEqual([]);
  });

  it('a row written by anything but a sync forgets its digest, so its item is diffed again', async () => {
    const before = await digests();
    const set = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/b',
      prices: { input: '2.5', output: '4', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'contract',
    });
    expect(set.status).toBe(200);
    expect((await digests())['acme/b']).toBeNull();
    // An update of another column keeps it; one of a price without a digest forgets it.
    await fixture.query(`update public.model_pricing set source = 'elsewhere' where model_id = 'acme/d'`);
    expect((await digests())['acme/d']).toBe(before['acme/d']);
    await fixture.query(
      `update public.model_pricing set input_price_per_1m_tokens = 7.5 where model_id = 'acme/d'`,
    );
    expect((await digests())['acme/d']).toBeNull();

    await forgetFingerprint();
    const result = await sync();
    // The pinned model is diffed (its price in the feed is drift), the changed row is set back.
    expect(reads).toEqual([['acme/b', 'acme/d']]);
    // A pinned model is neither changed nor unchanged: never written (as without digests).
    expect(result.counts).toMatchObject({ fetched: 5, changed: 1, unchanged: 3 });
    expect(await fixture.stored('acme/d')).toEqual(['active', '7', '8']);
    expect(await fixture.stored('acme/b')).toEqual(['active', '2.5', '4']);
    const listed = await fixture.call(pins, 'GET', '/admin/pricing/pins');
    expect(listed.body.pins[0].drift.provider_prices).toMatchObject({ input_price_per_1m_tokens: '3' });
    expect((await digests())['acme/d']).toBe(before['acme/d']);

    // A pin at the price the feed lists keeps the row's values, so its digest; the model is still
    // diffed each sync (for drift), and its digest is not sent to be written again each time.
    const same = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/c',
      prices: { input: '5', output: '6', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'contract',
    });
    expect(same.status).toBe(200);
    expect((await digests())['acme/c']).toBe(before['acme/c']);
    await forgetFingerprint();
    await sync();
    expect(reads).toEqual([['acme/b', 'acme/c']]);
    expect(digestOnly).toEqual([]);
  });

  it("reads every stored model's id, state and digest in columns: a pinned one's or an unreadable digest as none", async () => {
    const stored = await digests();
    await fixture.query(`update public.model_pricing set state = 'missing' where model_id = 'acme/e'`);
    // Rows written by other means: an id with spaces, quotes and a non-ASCII letter; a digest that is
    // not base64 (a space in it would shift the columns).
    await fixture.query(
      `insert into public.model_pricing (provider, model_id, state, source, source_digest)
       values ('openrouter', 'odd "id" with spaces é', 'unpriced', 'x', 'not a digest')`,
    );
    await fixture.query(
      `insert into public.pricing_pins (provider, model_id, prices, reason, pinned_by, run_id)
       values ('openrouter', 'acme/b', '{}', 'contract', 'test', 0)`,
    );
    const index = await fixture.store.readSourceDigests('openrouter');
    const byId = Object.fromEntries(index.map((row) => [row.modelId, row]));
    expect(index).toHaveLength(6);
    expect(byId['acme/a']).toEqual({ modelId: 'acme/a', state: 'active', digest: stored['acme/a'] });
    expect(byId['acme/b']).toEqual({ modelId: 'acme/b', state: 'active', digest: null });
    // Marked missing by hand: the trigger forgot its digest.
    expect(byId['acme/e']).toEqual({ modelId: 'acme/e', state: 'missing', digest: null });
    expect(byId['odd "id" with spaces é']).toEqual({
      modelId: 'odd "id" with spaces é',
      state: 'unpriced',
      digest: null,
    });
    expect(await fixture.store.readSourceDigests('nearai')).toEqual([]);
  });

  it('a model marked missing is restored when listed again, never skipped', async () => {
    fixture.feed(FEED.filter(([id]) => id !== 'acme/e'));
    expect((await sync()).counts).toMatchObject({ missing: 1, unchanged: 4 });
    expect(reads).toEqual([['acme/e']]);
    fixture.feed(FEED);
    expect((await sync()).counts).toMatchObject({ restored: 1, unchanged: 4 });
    expect(await fixture.stored('acme/e')).toEqual(['active', '9', '10']);
  });

  it('stores new digests alone where the rows already hold the values: no history, no new price version', async () => {
    // As after a deploy of a new build: every stored digest is another one.
    await fixture.query(`update public.model_pricing set source_digest = 'from another build'`);
    await forgetFingerprint();
    const [history, version] = [await historyRows(), await priceVersion()];
    const prices = await fixture.snapshot();
    const result = await sync();
    expect(result.counts).toMatchObject({ fetched: 5, unchanged: 5, changed: 0 });
    expect(reads).toEqual(['all']);
    expect(await historyRows()).toBe(history);
    expect(await priceVersion()).toBe(version);
    expect(await fixture.snapshot()).toBe(prices);
    expect(Object.values(await digests())).not.toContain('from another build');

    await forgetFingerprint();
    fixture.feed(FEED.map((model) => (model[0] === 'acme/a' ? ['acme/a', '1', '2.5'] : model)));
    expect((await sync()).counts).toMatchObject({ changed: 1, unchanged: 4 });
    expect(reads).toEqual([['acme/a']]);
  });

  it('a digest written alone writes nothing where the row holds other values', async () => {
    const [prices, before] = [await fixture.snapshot(), await digests()];
    const store = fixture.store;
    const runId = await holdLease(store, {
      triggeredBy: 'test',
      providers: ['openrouter'],
      leaseSeconds: 30,
    });
    try {
      const staged = await store.stageApply({
        runId,
        provider: 'openrouter',
        source: 'test',
        records: [],
        missing: [],
        catalogHash: null,
        held: [],
        digests: new Map([
          ['acme/a', 'new digest of a'],
          ['acme/b', 'new digest of b'],
        ]),
        // acme/a as stored; acme/b not: a digest-only row must never write its prices.
        digestOnly: [
          priceRecord('acme/a', '1', '2', { contextLength: 128000 }),
          priceRecord('acme/b', '30', '40', { contextLength: 128000 }),
        ],
      });
      expect(await staged.commit()).toMatchObject({ added: 0, changed: 0, rowsWritten: 0 });
    } finally {
      await store.finishRun(runId, 'success', { providers: {} }, null);
    }
    expect(await fixture.snapshot()).toBe(prices);
    expect(await digests()).toEqual({ ...before, 'acme/a': 'new digest of a' });
  });

  it('the catalog-size guardrail counts every stored model, the skipped ones too', async () => {
    fixture.feed(FEED.slice(0, 2));
    const prices = await fixture.snapshot();
    const result = await sync();
    expect(result.outcome).toBe('held');
    expect(result.held_changes[0]).toMatchObject({ reason: 'catalog_shrank' });
    expect(await fixture.snapshot()).toBe(prices);
  });

  /** The feed's items as OpenRouter lists them, for bodies the tests shape themselves. */
  const items = (extra: (id: string) => Record<string, unknown> = () => ({})) =>
    FEED.map(([id, input, output]) => ({
      id,
      name: id,
      context_length: 128000,
      pricing: { prompt: shiftDecimal(input, -6), completion: shiftDecimal(output, -6) },
      ...extra(id),
    }));
  const withPrice = (list: ReturnType<typeof items>, id: string, completion: string) =>
    list.map((item) =>
      item.id === id
        ? { ...item, pricing: { ...item.pricing, completion: shiftDecimal(completion, -6) } }
        : item,
    );

  it('an item whose bytes change but not its values is diffed once, its digest refreshed, then skipped', async () => {
    const stored = await digests();
    const history = await historyRows();
    const version = await priceVersion();
    // The same models, each item's keys in another order: other bytes, the same prices.
    const reordered = items().map(({ id, name, context_length, pricing }) => ({
      pricing,
      context_length,
      name,
      id,
    }));
    fixture.replay.setScenario('openrouter', { body: { data: reordered } });
    expect((await sync()).counts).toMatchObject({ fetched: 5, unchanged: 5, changed: 0 });
    expect(digestOnly.sort()).toEqual(FEED.map(([id]) => id));
    expect(await historyRows()).toBe(history);
    expect(await priceVersion()).toBe(version);
    const refreshed = await digests();
    for (const [id] of FEED) expect(refreshed[id]).not.toBe(stored[id]);

    fixture.replay.setScenario('openrouter', { body: { data: withPrice(reordered, 'acme/c', '6.5') } });
    expect((await sync()).counts).toMatchObject({ changed: 1, unchanged: 4 });
    expect(reads).toEqual([['acme/c']]);
    expect(await fixture.stored('acme/c')).toEqual(['active', '5', '6.5']);
  });

  it('a body the scan does not follow is parsed whole, as before, and its unchanged items still skipped', async () => {
    // One item nests deeper than the scan reads (json-items.ts MAX_DEPTH): the body is parsed whole
    // and its items digested as parsed.
    let deep: unknown = 0;
    for (let level = 0; level <= MAX_DEPTH; level += 1) deep = [deep];
    const nested = items((id) => (id === 'acme/a' ? { deep } : {}));
    fixture.replay.setScenario('openrouter', { body: { data: nested } });
    expect((await sync()).counts).toMatchObject({ fetched: 5, unchanged: 5 });
    fixture.replay.setScenario('openrouter', { body: { data: withPrice(nested, 'acme/d', '8.5') } });
    expect((await sync()).counts).toMatchObject({ changed: 1, unchanged: 4 });
    expect(reads).toEqual([['acme/d']]);
    expect(await fixture.stored('acme/d')).toEqual(['active', '7', '8.5']);
  });

  it('a forced sync and a dry run report what a full diff reports', async () => {
    fixture.feed(FEED.map((model) => (model[0] === 'acme/e' ? ['acme/e', '9', '11'] : model)));
    const prices = await fixture.snapshot();
    const dryRun = await sync({ dryRun: true });
    expect(dryRun.counts).toMatchObject({ fetched: 5, changed: 1, unchanged: 4 });
    expect(reads).toEqual([['acme/e']]);
    expect(await fixture.snapshot()).toBe(prices);

    const forced = await sync({ force: true });
    expect(forced.counts).toMatchObject({ fetched: 5, changed: 1, unchanged: 4 });
    // Nothing skipped when forced: every stored model is read.
    expect(reads).toEqual(['all']);
    expect(await fixture.stored('acme/e')).toEqual(['active', '9', '11']);
  });
});

describe('how a digested catalog reads the stored models its diff needs', () => {
  it('reads none, a few by id, or all of them when they are most of the rows or too many ids', () => {
    expect(storedReadOf(0, 25_000)).toBe('none');
    expect(storedReadOf(250, 25_000)).toBe('by id');
    expect(storedReadOf(READ_BY_ID_MAX, 250_000)).toBe('by id');
    expect(storedReadOf(READ_BY_ID_MAX + 1, 250_000)).toBe('all');
    expect(storedReadOf(13_000, 25_000)).toBe('all');
  });
});
