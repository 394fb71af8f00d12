import { describe, expect, it } from 'vitest';
import { findUnstorableText, isStorableText } from '../../lib/text/storable-text.js';

describe('text Postgres can store', () => {
  it.each([
    ['plain text', 'openai/gpt-4o', true],
    ['a paired surrogate (an emoji)', 'model-\ud83d\ude00', true],
    ['a NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800b', false],
    ['a lone high surrogate at the end', 'a\udbff', false],
    ['a lone low surrogate', '\udc00a', false],
    ['two high surrogates in a row', '\ud800\ud800\udc00', false],
  ])('%s', (_, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('names the first unstorable value or key by its path, and nothing when all is storable', () => {
    const record = {
      modelId: 'm',
      extraPrices: { ok: '1' },
      tiers: [{ utc_start: '10:00' }, { extra_prices: { 'k\u0000ey': '2' } }],
    };
    expect(findUnstorableText(record)).toBe('tiers[1].extra_prices.k\\u0000ey');
    expect(findUnstorableText({ a: ['x', 'y\ud800'] })).toBe('a[1]');
    expect(findUnstorableText(['\u0000'])).toBe('[0]');
    expect(findUnstorableText('\u0000')).toBe('(value)');
    expect(findUnstorableText({ nested: { deep: '\udc00' } }, 'entry')).toBe('entry.nested.deep');
    expect(findUnstorableText({ ...record, tiers: [] })).toBeNull();
    expect(findUnstorableText({ n: 1, b: true, z: null })).toBeNull();
  });
});
