import { describe, expect, it } from 'vitest';
import { emptyRecord } from '../../lib/providers/catalog-items.js';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import {
  formatFingerprint,
  parseFingerprint,
  sourcePartOf,
  withPages,
  type CatalogFingerprint,
} from '../../lib/sync/catalog-fingerprint.js';
import { MAX_KNOWN_PAGES } from '../../lib/providers/known-page.js';
import { decideProvider, sameSourceApplies, type ProviderFacts } from '../../lib/sync/provider-decision.js';

const HASH = 'hash-of-this-catalog';

/** A catalog of 2 readable models, not LiteLLM, last applied with this very hash, real and not forced. */
const base: ProviderFacts = {
  records: 2,
  unreadable: 0,
  liteLlmEntries: false,
  lastCatalogHash: HASH,
  force: false,
  dryRun: false,
};

describe('decideProvider', () => {
  it.each([
    // name, facts, shortcut, reads stored, stages entries, hashed when
    ['the catalog last applied', {}, true, false, false, 'now'],
    ['another catalog than the last applied', { lastCatalogHash: 'other' }, false, true, false, 'now'],
    ['no hash stored (first sync, or something held)', { lastCatalogHash: null }, false, true, false, 'now'],
    ['the catalog last applied, forced', { force: true }, false, true, false, 'now'],
    ['the catalog last applied with an unreadable model', { unreadable: 1 }, false, true, false, 'now'],
    ['an empty catalog with the stored hash', { records: 0 }, false, true, false, 'now'],
    ['the catalog last applied, a dry run', { dryRun: true }, true, false, false, 'now'],
    ['LiteLLM: the catalog last applied', { liteLlmEntries: true }, true, false, false, 'now'],
    [
      'LiteLLM: another catalog than the last applied',
      { liteLlmEntries: true, lastCatalogHash: 'other' },
      false,
      true,
      true,
      'now',
    ],
    [
      'LiteLLM: no hash stored',
      { liteLlmEntries: true, lastCatalogHash: null },
      false,
      true,
      true,
      'while committing',
    ],
    ['LiteLLM: forced', { liteLlmEntries: true, force: true }, false, true, true, 'while committing'],
    [
      'LiteLLM: an unreadable model listed',
      { liteLlmEntries: true, unreadable: 3 },
      false,
      true,
      true,
      'while committing',
    ],
    [
      'LiteLLM: no hash stored, a dry run',
      { liteLlmEntries: true, lastCatalogHash: null, dryRun: true },
      false,
      true,
      false,
      'while committing',
    ],
  ] as const)(
    '%s: shortcut %s, reads stored %s, stages entries %s, hashed %s',
    (_name, facts, shortcut, readsStored, stages, hashedWhen) => {
      let hashCalls = 0;
      const decision = decideProvider({ ...base, ...facts }, () => {
        hashCalls += 1;
        return HASH;
      });
      expect(decision).toEqual({
        shortcut,
        hash: hashedWhen === 'now' ? HASH : null,
        readsStored,
        stagesLiteLlmEntries: stages,
        hashWhileCommitting: hashedWhen === 'while committing',
      });
      expect(hashCalls).toBe(hashedWhen === 'now' ? 1 : 0);
    },
  );
});

describe('sameSourceApplies (the source shortcut: the very bytes last applied are not normalized again)', () => {
  const KEY = 'a'.repeat(64);
  const stored: CatalogFingerprint = {
    catalogHash: HASH,
    source: { key: KEY, fetched: 2, unpriced: 0, variable: 0 },
  };
  it.each([
    ['the same bytes, build and cap as the catalog last applied', stored, KEY, false, true],
    ['other bytes (or another build or cap: another key)', stored, 'b'.repeat(64), false, false],
    ['the same bytes, forced', stored, KEY, true, false],
    ['a source that digests nothing', stored, null, false, false],
    [
      'no fingerprint stored (first sync, or forgotten by a hold, a pin, an operator action)',
      null,
      KEY,
      false,
      false,
    ],
    [
      'a hash stored without a source part (a catalog with a skipped item)',
      { catalogHash: HASH, source: null },
      KEY,
      false,
      false,
    ],
  ] as const)('%s', (_name, last, key, force, applies) => {
    expect(sameSourceApplies(last, key, force)).toBe(applies);
  });
});

describe('the stored fingerprint', () => {
  const part = { key: 'c'.repeat(64), fetched: 25_000, unpriced: 12, variable: 3 };
  it('reads back what it wrote, with and without a source part', () => {
    expect(parseFingerprint(formatFingerprint({ catalogHash: HASH, source: part }))).toEqual({
      catalogHash: HASH,
      source: part,
    });
    expect(parseFingerprint(formatFingerprint({ catalogHash: HASH, source: null }))).toEqual({
      catalogHash: HASH,
      source: null,
    });
    expect(parseFingerprint(null)).toBeNull();
  });
  it.each([
    ['a key that is not a digest', `${HASH} source xyz 1 0 0`],
    ['a missing count', `${HASH} source ${'c'.repeat(64)} 1 0`],
    ['a negative count', `${HASH} source ${'c'.repeat(64)} -1 0 0`],
    ['another marker', `${HASH} bytes ${'c'.repeat(64)} 1 0 0`],
  ])('keeps the catalog hash but no source part from %s', (_name, text) => {
    expect(parseFingerprint(text)).toEqual({ catalogHash: HASH, source: null });
  });
  it('counts the catalog it stores, and stores no source part for a catalog with a skipped item', () => {
    const record = (modelId: string, state: 'active' | 'unpriced' | 'variable') =>
      ({ ...emptyRecord('openrouter', modelId), state }) as PriceRecord;
    const records = [record('a', 'active'), record('b', 'unpriced'), record('c', 'variable')];
    expect(sourcePartOf('k', { records, invalid: [] })).toEqual({
      key: 'k',
      fetched: 3,
      unpriced: 1,
      variable: 1,
    });
    expect(sourcePartOf('k', { records, invalid: [{ id: 'x', reason: 'bad' }] })).toBeNull();
    expect(sourcePartOf('k', { records, invalid: [], unreadableIds: ['d'] })).toBeNull();
    expect(sourcePartOf(null, { records, invalid: [] })).toBeNull();
  });

  // A paged source's pages and their layouts (lib/providers/known-page.ts).
  const page = (n: number) => ({
    key: n.toString(16).padStart(64, '0'),
    open: 9,
    close: 9 + 2 * n,
    count: n,
    check: n.toString(16).padStart(16, 'a'),
  });
  const paged = { ...part, pages: [page(1), page(2), page(3)] };
  it('reads back the pages it wrote, in order', () => {
    const text = formatFingerprint({ catalogHash: HASH, source: paged });
    expect(text).toBe(
      `${HASH} source ${'c'.repeat(64)} 25000 12 3 pages ${paged.pages.map((p) => `${p.key}:${p.open}:${p.close}:${p.count}:${p.check}`).join(' ')}`,
    );
    expect(parseFingerprint(text)).toEqual({ catalogHash: HASH, source: paged });
  });
  it.each([
    [
      'a key that is not a digest',
      `${HASH} source ${'c'.repeat(64)} 1 0 0 pages abc:1:2:0:${'e'.repeat(16)}`,
    ],
    [
      'a missing number',
      `${HASH} source ${'c'.repeat(64)} 1 0 0 pages ${'d'.repeat(64)}:1:2:${'e'.repeat(16)}`,
    ],
    ['no check', `${HASH} source ${'c'.repeat(64)} 1 0 0 pages ${'d'.repeat(64)}:1:2:0`],
    [
      'a negative offset',
      `${HASH} source ${'c'.repeat(64)} 1 0 0 pages ${'d'.repeat(64)}:-1:2:0:${'e'.repeat(16)}`,
    ],
    ['no page after the marker', `${HASH} source ${'c'.repeat(64)} 1 0 0 pages`],
    [
      'one bad page among good ones',
      `${HASH} source ${'c'.repeat(64)} 1 0 0 pages ${'d'.repeat(64)}:1:2:0:${'e'.repeat(16)} x`,
    ],
    [
      `more than ${MAX_KNOWN_PAGES} pages`,
      `${HASH} source ${'c'.repeat(64)} 1 0 0 pages ${`${'d'.repeat(64)}:1:2:0:${'e'.repeat(16)} `.repeat(MAX_KNOWN_PAGES + 5).trim()}`,
    ],
  ])('keeps the source part but no pages from %s', (_name, text) => {
    expect(parseFingerprint(text)).toEqual({
      catalogHash: HASH,
      source: { key: 'c'.repeat(64), fetched: 1, unpriced: 0, variable: 0 },
    });
  });
  it('keeps no source part when something else follows the counts', () => {
    expect(parseFingerprint(`${HASH} source ${'c'.repeat(64)} 1 0 0 extra`)).toEqual({
      catalogHash: HASH,
      source: null,
    });
  });
  it(`stores the pages read, none beyond ${MAX_KNOWN_PAGES} of them or when none were`, () => {
    const records = [{ ...emptyRecord('nearai', 'a'), state: 'active' } as PriceRecord];
    const pages = [page(1)];
    expect(sourcePartOf('k', { records, invalid: [] }, pages)).toMatchObject({ key: 'k', pages });
    const many = Array.from({ length: MAX_KNOWN_PAGES + 1 }, (_, n) => page(n + 1));
    expect(sourcePartOf('k', { records, invalid: [] }, many)).not.toHaveProperty('pages');
    expect(sourcePartOf('k', { records, invalid: [] }, [])).not.toHaveProperty('pages');
    // The source shortcut stores the pages just read in place of those it was given.
    expect(withPages(paged, [page(7)]).pages).toEqual([page(7)]);
    expect(withPages(paged, undefined)).toEqual(part);
  });
});
