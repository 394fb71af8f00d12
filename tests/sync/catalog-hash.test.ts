import { emptyRecord } from '../../lib/providers/catalog-items.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import { catalogHash } from '../../lib/sync/catalog-hash.js';
import { sameAsStored, stableJson } from '../../lib/sync/compare-records.js';

/** stableJson's first definition, kept as the reference for the faster one. */
function referenceStableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceStableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${referenceStableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const price = fc.option(
  fc.oneof(fc.constantFrom('0', '0.5', '1.50', '3', '1e-7'), fc.string({ maxLength: 6 })),
  { nil: null },
);
const recordArbitrary: fc.Arbitrary<PriceRecord> = fc.record({
  provider: fc.constantFrom('openrouter', 'nearai', 'litellm'),
  modelId: fc.string({ maxLength: 12 }),
  state: fc.constantFrom('active', 'variable', 'unpriced'),
  inputUsdPerMillionTokens: price,
  outputUsdPerMillionTokens: price,
  cacheReadUsdPerMillionTokens: price,
  cacheWriteUsdPerMillionTokens: price,
  requestUsd: price,
  imageUsd: price,
  extraPrices: fc.dictionary(fc.string({ maxLength: 5 }), fc.constantFrom('1', '0.25', 'x"\\')),
  tiers: fc.array(
    fc.record(
      { min_prompt_tokens: fc.nat(), input_per_1m_tokens: fc.constantFrom('1', '2'), utc_start: fc.string() },
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  ),
  contextLength: fc.option(fc.nat(), { nil: null }),
  aliasOf: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
}) as fc.Arbitrary<PriceRecord>;

describe('catalog hash and record comparison', () => {
  const shuffled = <T>(items: readonly T[], seed: number): T[] => {
    const copy = [...items];
    let state = seed;
    for (let index = copy.length - 1; index > 0; index -= 1) {
      state = (state * 1103515245 + 12345) % 2147483648;
      const other = state % (index + 1);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  };
  const uniqueRecords = fc.uniqueArray(recordArbitrary, {
    selector: (record) => record.modelId,
    maxLength: 40,
  });

  it('does not depend on the order the provider listed the models or the entries in', () => {
    fc.assert(
      fc.property(
        uniqueRecords,
        fc.dictionary(fc.string({ maxLength: 8 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer())),
        fc.nat(),
        (records, entries, seed) => {
          const reordered = Object.fromEntries(shuffled(Object.entries(entries), seed));
          expect(catalogHash(shuffled(records, seed), { entries: reordered })).toBe(
            catalogHash(records, { entries }),
          );
        },
      ),
    );
  });

  it('changes when anything that is stored changes: each field, an extra price, a tier, a model more or less', () => {
    const changes: ((record: PriceRecord) => PriceRecord)[] = [
      (r) => ({ ...r, provider: `${r.provider}x` }),
      (r) => ({ ...r, modelId: `${r.modelId}x` }),
      (r) => ({ ...r, state: r.state === 'active' ? 'variable' : 'active' }),
      (r) => ({ ...r, inputUsdPerMillionTokens: r.inputUsdPerMillionTokens === '9' ? '8' : '9' }),
      (r) => ({ ...r, outputUsdPerMillionTokens: r.outputUsdPerMillionTokens === '9' ? '8' : '9' }),
      (r) => ({ ...r, cacheReadUsdPerMillionTokens: r.cacheReadUsdPerMillionTokens === null ? '1' : null }),
      (r) => ({ ...r, cacheWriteUsdPerMillionTokens: r.cacheWriteUsdPerMillionTokens === null ? '1' : null }),
      (r) => ({ ...r, requestUsd: r.requestUsd === null ? '0' : null }),
      (r) => ({ ...r, imageUsd: r.imageUsd === null ? '0' : null }),
      (r) => ({ ...r, extraPrices: { ...r.extraPrices, web_search_per_request: 'changed' } }),
      (r) => ({ ...r, tiers: [...r.tiers, { min_prompt_tokens: 200_000 }] }),
      (r) => ({ ...r, contextLength: r.contextLength === null ? 0 : null }),
      (r) => ({ ...r, aliasOf: r.aliasOf === null ? '' : null }),
    ];
    fc.assert(
      fc.property(
        uniqueRecords.filter((records) => records.length > 0),
        fc.nat(),
        (records, pick) => {
          const index = pick % records.length;
          const before = catalogHash(records);
          for (const change of changes) {
            const changed = records.map((record, at) => (at === index ? change(record) : record));
            expect(catalogHash(changed)).not.toBe(before);
          }
          expect(catalogHash(records.filter((_, at) => at !== index))).not.toBe(before);
          // An entry map, even an empty one, is part of the catalog.
          expect(catalogHash(records, { entries: {} })).not.toBe(before);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives different hashes to different catalogs, and the same hash to equal ones', () => {
    fc.assert(
      fc.property(uniqueRecords, uniqueRecords, (a, b) => {
        const same =
          JSON.stringify([...a].sort((x, y) => (x.modelId < y.modelId ? -1 : 1)).map(stableJson)) ===
          JSON.stringify([...b].sort((x, y) => (x.modelId < y.modelId ? -1 : 1)).map(stableJson));
        expect(catalogHash(a) === catalogHash(b)).toBe(same);
        expect(catalogHash(a)).toBe(catalogHash(structuredClone(a)));
      }),
    );
    // Text that looks like another record's boundary is still only text.
    const base = fc.sample(recordArbitrary, 1)[0] as PriceRecord;
    const one = { ...base, modelId: 'a', aliasOf: 'b"],{}[]\n["x' };
    const two = { ...base, modelId: 'a', aliasOf: 'b' };
    expect(catalogHash([one])).not.toBe(catalogHash([two]));
  });

  it('hashes LiteLLM entries past a batch of 512: a change of one entry deep in the map changes the hash', () => {
    const many: Record<string, Record<string, unknown>> = {};
    for (let index = 0; index < 1500; index += 1) many[`m/${index}`] = { mode: 'chat', n: index };
    const before = catalogHash([], { entries: many });
    expect(catalogHash([], { entries: { ...many, 'm/1400': { mode: 'embedding', n: 1400 } } })).not.toBe(
      before,
    );
    const fewer = { ...many };
    delete fewer['m/900'];
    expect(catalogHash([], { entries: fewer })).not.toBe(before);
    expect(catalogHash([], { entries: { ...many } })).toBe(before);
  });

  it('stands for the entries by the key of their bytes when there is one: another key, another hash', () => {
    const records = [{ ...emptyRecord('litellm', 'a'), state: 'active' as const }];
    const byKey = catalogHash(records, { fromSource: 'k1' });
    expect(catalogHash(records, { fromSource: 'k1' })).toBe(byKey);
    expect(catalogHash(records, { fromSource: 'k2' })).not.toBe(byKey);
    expect(byKey).not.toBe(catalogHash(records));
    expect(byKey).not.toBe(catalogHash(records, { entries: {} }));
  });

  it('keeps stableJson equal to its first definition, for any value', () => {
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        expect(stableJson(record)).toBe(referenceStableJson(record));
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stableJson(value)).toBe(referenceStableJson(value));
      }),
    );
    // Arrays with holes and undefined fields, as JSON.stringify and join treat them.
    const odd = { b: [undefined, 1], a: undefined, c: { z: 1, y: [null] } };
    expect(stableJson(odd)).toBe(referenceStableJson(odd));
  });

  it('treats differently spelled equal prices as the same and different prices as changed', () => {
    const [record] = fc.sample(recordArbitrary, 1) as [PriceRecord];
    const base: PriceRecord = {
      ...record,
      inputUsdPerMillionTokens: '1.5',
      extraPrices: { a: '2' },
      tiers: [],
    };
    const stored = { ...base, inputUsdPerMillionTokens: '1.50', extraPrices: { a: '2.0' } };
    expect(sameAsStored(stored as never, base)).toBe(true);
    expect(sameAsStored({ ...stored, inputUsdPerMillionTokens: '1.51' } as never, base)).toBe(false);
    expect(sameAsStored({ ...stored, extraPrices: { a: '2', b: '1' } } as never, base)).toBe(false);
    expect(sameAsStored({ ...stored, extraPrices: {} } as never, base)).toBe(false);
    expect(sameAsStored({ ...stored, tiers: [{ min_prompt_tokens: 1 }] } as never, base)).toBe(false);
  });
});
