import { beforeEach, describe, expect, it, vi } from 'vitest';
import { bodyWithItems } from '../../lib/providers/catalog-items.js';
import { createFeatherlessSource } from '../../lib/providers/featherless/featherless-source.js';
import { itemDigestSalt } from '../../lib/providers/item-digest.js';
import * as jsonItems from '../../lib/providers/json-items.js';
import {
  envelopeOfKnownPage,
  knownPageOf,
  layoutHolds,
  pageKey,
  type KnownPage,
} from '../../lib/providers/known-page.js';
import type { FetchContext } from '../../lib/providers/provider-source.js';
import { useReplayServer } from '../support/replay-fixture.js';
import { testClient } from './provider-test-helpers.js';

// Every scan counted, the real one run (a page read from its known layout is not scanned).
vi.mock('../../lib/providers/json-items.js', async (importOriginal) => {
  const original = await importOriginal<typeof jsonItems>();
  return { ...original, scanItems: vi.fn(original.scanItems) };
});
const scans = vi.mocked(jsonItems.scanItems);

const encode = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

type Layout = Pick<KnownPage, 'open' | 'close' | 'count'>;

/** The layout the scan finds in a document. */
function layoutOf(bytes: Uint8Array, key = 'data'): Layout {
  const scanned = jsonItems.scanItems(bytes, key)!;
  return { open: scanned.open, close: scanned.close, count: scanned.count };
}

describe("a known page's envelope", () => {
  it.each([
    ['a plain page', '{"data":[{"id":"a"},{"id":"b"}],"pagination":{"current_page":1,"total_pages":3}}'],
    ['whitespace and a byte-order mark', '\ufeff { "total" : 2 , "data" : [ 1 , [2, {"x": "]"}] ] } '],
    ['an earlier copy of the key', '{"data":{"a":1},"n":"[","data":[{"id":"é😀"}],"z":null}'],
    ['an empty array', '{"data":[],"pagination":null}'],
  ])('is what the scan gives for %s', (_name, text) => {
    const bytes = encode(text);
    const { json } = bodyWithItems(
      { digest: 'd', json: () => JSON.parse(text), bytes: () => bytes },
      'data',
      true,
    );
    expect(envelopeOfKnownPage(bytes, 'data', layoutOf(bytes))).toEqual(json);
  });

  it.each([
    ['an open past the close', (page: Layout) => ({ ...page, open: page.close })],
    ['a close past the end', (page: Layout) => ({ ...page, close: 1_000 })],
    ['an open that is not a bracket', (page: Layout) => ({ ...page, open: page.open - 1 })],
    ['a close that is not a bracket', (page: Layout) => ({ ...page, close: page.close + 1 })],
    ['more items than bytes', (page: Layout) => ({ ...page, count: 1_000 })],
    // The brackets of the inner array: the envelope parses, but its items are not emptied.
    ['another array of the page', () => ({ open: 23, close: 27, count: 1 })],
    ['an envelope that does not parse', () => ({ open: 8, close: 27, count: 1 })],
  ])('is not read from %s', (_name, wrong) => {
    const bytes = encode('{"data":[{"id":"a","x":[1,2]},{"id":"b"}]}');
    expect(envelopeOfKnownPage(bytes, 'data', wrong(layoutOf(bytes)))).toBeNull();
  });

  it('is keyed by the body digest under the salt (the build and price bounds)', () => {
    const salt = itemDigestSalt('build 1', '1000');
    expect(pageKey(salt, 'digest')).toMatch(/^[0-9a-f]{64}$/);
    expect(pageKey(salt, 'digest')).toBe(pageKey(salt, 'digest'));
    expect(pageKey(salt, 'digest')).not.toBe(pageKey(salt, 'other digest'));
    expect(pageKey(itemDigestSalt('build 2', '1000'), 'digest')).not.toBe(pageKey(salt, 'digest'));
  });

  it('holds only with the numbers it was found with, for the body it was found in', () => {
    const salt = itemDigestSalt('build 1', '1000');
    const page = knownPageOf(salt, 'digest', { open: 8, close: 40, count: 2 });
    expect(page).toMatchObject({ key: pageKey(salt, 'digest'), open: 8, close: 40, count: 2 });
    expect(page.check).toMatch(/^[0-9a-f]{16}$/);
    expect(layoutHolds(salt, 'digest', page)).toBe(true);
    // An item count edited in the stored text (within what the bytes allow) is not trusted.
    expect(layoutHolds(salt, 'digest', { ...page, count: 1 })).toBe(false);
    expect(layoutHolds(salt, 'digest', { ...page, open: 9 })).toBe(false);
    expect(layoutHolds(salt, 'other digest', page)).toBe(false);
    expect(layoutHolds(itemDigestSalt('build 2', '1000'), 'digest', page)).toBe(false);
  });
});

describe('a paged source with known pages', () => {
  const replay = useReplayServer();
  const source = () =>
    createFeatherlessSource({
      baseUrl: replay.baseUrls.FEATHERLESS_BASE_URL!,
      http: testClient('featherless').http,
      pageSize: 1000,
    });
  const salt = itemDigestSalt('test build', '1000');
  const context = (pages?: readonly KnownPage[], mayBeUnchanged = true): FetchContext => ({
    mayBeUnchanged,
    itemDigestSalt: salt,
    knownPages: pages && new Map(pages.map((page) => [page.key, page])),
  });
  beforeEach(() => {
    replay.setScenario('featherless', { size: 2500, seed: 5 });
    scans.mockClear();
  });

  it('reads the same pages without scanning them, and scans them only when the catalog is built', async () => {
    const first = await source().fetchSource!(context());
    expect(scans).toHaveBeenCalledTimes(3);
    expect(first.pages).toHaveLength(3);
    expect(first.pages!.map((page) => page.count)).toEqual([1000, 1000, 500]);
    const before = await first.build();

    scans.mockClear();
    const again = await source().fetchSource!(context(first.pages));
    expect(scans).not.toHaveBeenCalled();
    expect(again.digest).toBe(first.digest);
    expect(again.pages).toEqual(first.pages);
    const after = await again.build();
    expect(scans).toHaveBeenCalledTimes(3);
    expect(after).toEqual(before);
  });

  it('scans a page whose bytes changed, and one whose stored layout does not fit its bytes', async () => {
    const { pages } = await source().fetchSource!(context());
    const [one, two, three] = pages!;
    // The second page's model changes its price; the third's layout was stored wrong.
    replay.setScenario('featherless', { size: 2500, seed: 5, swingModelIndex: 1500, swingFactor: '2' });
    scans.mockClear();
    const fetched = await source().fetchSource!(context([one!, two!, { ...three!, open: three!.open + 1 }]));
    expect(scans).toHaveBeenCalledTimes(2);
    expect(fetched.pages![0]).toEqual(one);
    expect(fetched.pages![1]!.key).not.toBe(two!.key);
    expect(fetched.pages![2]).toEqual(three);
    const catalog = await fetched.build();
    expect(catalog.records).toHaveLength(2500);
  });

  it.each([
    ['a count of 0 (the listing would end there)', 0],
    ['a count of 500 (a page short)', 500],
  ])('does not trust a stored layout whose numbers were changed: %s', async (_name, count) => {
    const { pages } = await source().fetchSource!(context());
    const [one, two, three] = pages!;
    scans.mockClear();
    const fetched = await source().fetchSource!(context([{ ...one!, count }, two!, three!]));
    expect(scans).toHaveBeenCalledTimes(1);
    expect(fetched.pages).toEqual(pages);
    const catalog = await fetched.build();
    expect(catalog.records).toHaveLength(2500);
    expect(replay.requests.filter((request) => request.query.page === '2')).toHaveLength(2);
  });

  it('scans every page as it arrives when the catalog cannot be unchanged (a forced run)', async () => {
    const { pages } = await source().fetchSource!(context());
    scans.mockClear();
    const forced = await source().fetchSource!(context(pages, false));
    expect(scans).toHaveBeenCalledTimes(3);
    expect(forced.pages).toEqual(pages);
  });
});
