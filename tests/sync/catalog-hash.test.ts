import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceRecord } from '../../lib/providers/price-record.js';
import { catalogHash, recordJson } from '../../lib/sync/catalog-hash.js';
import { sameAsStored, stableJson } from '../../lib/sync/compare-records.js';

/**
 * The definitions before they were made faster, kept here as the reference: catalog hashes are
 * stored (model_pricing_providers.catalog_hash), so the faster code must give the same text and
 * the same hash, or every provider's first run after an upgrade would look changed.
 */
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

function referenceCatalogHash(records: readonly PriceRecord[]): string {
  const hash = createHash('sha256');
  const sorted = [...records].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  for (const record of sorted) hash.update(referenceStableJson(record)).update('\n');
  return hash.digest('hex');
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
  it('hashes LiteLLM entries as the one-string definition did, batch boundaries included', () => {
    const entry = fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(undefined), fc.boolean()),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), entry, { maxKeys: 1200 }),
        fc.array(recordArbitrary, { maxLength: 3 }),
        (entries, records) => {
          const reference = createHash('sha256');
          reference.update(referenceStableJson(entries)).update('\n');
          const sorted = [...records].sort((a, b) =>
            a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0,
          );
          for (const record of sorted) reference.update(referenceStableJson(record)).update('\n');
          expect(catalogHash(records, entries)).toBe(reference.digest('hex'));
        },
      ),
      { numRuns: 60 },
    );
    // Past one batch of 512 for certain: 1,500 entries, one of them undefined.
    const many: Record<string, Record<string, unknown>> = {};
    for (let index = 0; index < 1500; index += 1) many[`m/${index}`] = { mode: 'chat', n: index };
    (many as Record<string, unknown>)['m/700'] = undefined;
    const reference = createHash('sha256')
      .update(`${referenceStableJson(many)}\n`)
      .digest('hex');
    expect(catalogHash([], many)).toBe(reference);
  });

  it('writes the same text as the original definition, for any record and any value', () => {
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        expect(recordJson(record)).toBe(referenceStableJson(record));
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

  it('gives the same hash as the original definition, including records with extra or missing fields', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { maxLength: 1_200 }), (records) => {
        expect(catalogHash(records)).toBe(referenceCatalogHash(records));
      }),
      { numRuns: 20 },
    );
    const [first] = fc.sample(recordArbitrary, 1) as [PriceRecord];
    const extra = { ...first, note: 'kept' } as unknown as PriceRecord;
    const partial = { ...first, aliasOf: undefined } as unknown as PriceRecord;
    expect(catalogHash([extra, partial])).toBe(referenceCatalogHash([extra, partial]));
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
