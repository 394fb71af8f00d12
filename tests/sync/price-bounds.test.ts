import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import {
  compareDecimalDigits,
  decimalDigits,
  DecimalError,
  significantDigits,
} from '../../lib/money/decimal.js';
import { emptyRecord } from '../../lib/providers/catalog-items.js';
import {
  MAX_SIGNIFICANT_DIGITS,
  MIN_NONZERO_PRICE_PER_1M,
  priceOutOfBounds,
  recordOutOfBounds,
} from '../../lib/sync/price-bounds.js';

/** The check read in full, every price parsed: what the quick path must agree with. */
function referenceOutOfBounds(price: string, cap: string): 'digits' | 'cap' | 'floor' | 'invalid' | null {
  try {
    const parts = decimalDigits(price);
    if (parts.digits.length > MAX_SIGNIFICANT_DIGITS) return 'digits';
    if (compareDecimalDigits(parts, decimalDigits(cap)) > 0) return 'cap';
    if (parts.digits !== '' && compareDecimalDigits(parts, decimalDigits(MIN_NONZERO_PRICE_PER_1M)) < 0) {
      return 'floor';
    }
    return null;
  } catch (error) {
    if (error instanceof DecimalError) return 'invalid';
    throw error;
  }
}

// By the whole message: an invalid price's message quotes the price, which may hold any of these
// words (fast-check found "cap", seed 993428332).
function kindOf(problem: string | null): ReturnType<typeof referenceOutOfBounds> {
  if (problem === null) return null;
  if (/^more than \d+ significant digits$/.test(problem)) return 'digits';
  if (/^above the \S+ USD per 1M cap \(PRICING_MAX_PRICE_PER_1M\)$/.test(problem)) return 'cap';
  if (/^below \S+ USD per 1M and not zero$/.test(problem)) return 'floor';
  return 'invalid';
}

const bounds = { maxPricePer1m: '1000000' };

describe('price bounds (USD per 1M tokens)', () => {
  it.each([
    ['0', null],
    ['0.000000000001', null],
    ['1000000', null],
    ['0.15', null],
    [`1${'0'.repeat(29)}`, expect.stringMatching(/above the 1000000/)],
    ['1000000.000001', expect.stringMatching(/above the 1000000/)],
    ['0.0000000000009', expect.stringMatching(/below 0.000000000001/)],
    [`0.${'1'.repeat(31)}`, expect.stringMatching(/more than 30 significant digits/)],
    [`0.${'1'.repeat(30)}`, null],
  ])('%s -> %s', (price, expected) => {
    expect(priceOutOfBounds(price, bounds)).toEqual(expected);
  });

  it('decides every price as the full check does, for any cap: near the cap, near the floor, odd spellings', () => {
    const digits = (max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });
    const price = fc.oneof(
      fc
        .tuple(digits(12), fc.option(digits(20), { nil: undefined }))
        .map(([int, frac]) => (frac ? `${int}.${frac}` : int)),
      fc.tuple(fc.nat({ max: 14 }), digits(4)).map(([zeros, tail]) => `0.${'0'.repeat(zeros)}${tail}`),
      fc.constantFrom(
        '1000000',
        '999999.99',
        '1000000.0',
        '0.000000000001',
        '0.0000000000009',
        '00.5',
        '.5',
        '5.',
        '-1',
        '1e3',
        '+2',
        '0.0',
        '',
      ),
      fc.string({ maxLength: 34 }),
    );
    const cap = fc.oneof(
      fc.constantFrom('1000000', '1', '0.5', '10', '999.999', '123456789012345678901234567890'),
      fc
        .tuple(digits(8), fc.option(digits(4), { nil: undefined }))
        .map(([int, frac]) => (frac ? `${int}.${frac}` : int))
        .filter((text) => /[1-9]/.test(text)),
    );
    fc.assert(
      fc.property(price, cap, (value, maxPricePer1m) => {
        expect(kindOf(priceOutOfBounds(value, { maxPricePer1m }))).toBe(
          referenceOutOfBounds(value, maxPricePer1m),
        );
      }),
      { numRuns: 5_000 },
    );
  });

  it('names the first price of a record out of bounds: base, extra, then each tier in order', () => {
    const record = {
      ...emptyRecord('openrouter', 'm'),
      inputUsdPerMillionTokens: '1',
      extraPrices: { audio_input_per_1m_tokens: '2' },
      tiers: [
        { min_prompt_tokens: 0, input_per_1m_tokens: '3' },
        {
          min_prompt_tokens: 1000,
          output_per_1m_tokens: '4',
          extra_prices: { request_per_request: '2000000' },
        },
      ],
    };
    expect(recordOutOfBounds(record, bounds)).toBe(
      'tiers.1.request_per_request: price 2000000 is out of bounds: above the 1000000 USD per 1M cap (PRICING_MAX_PRICE_PER_1M)',
    );
    expect(
      recordOutOfBounds({ ...record, extraPrices: { audio_input_per_1m_tokens: '1e-20' } }, bounds),
    ).toBe(
      'audio_input_per_1m_tokens: price 1e-20 is out of bounds: below 0.000000000001 USD per 1M and not zero',
    );
    expect(recordOutOfBounds({ ...record, cacheWriteUsdPerMillionTokens: 'x' }, bounds)).toBe(
      'cache_write: price x is out of bounds: not a decimal number: "x"',
    );
    expect(recordOutOfBounds({ ...record, tiers: [] }, bounds)).toBeNull();
  });

  it('counts significant digits without leading or trailing zeros', () => {
    expect(significantDigits('0.00120')).toBe(2);
    expect(significantDigits('1000')).toBe(1);
    expect(significantDigits('0')).toBe(0);
    expect(significantDigits('1e400')).toBe(1);
  });

  it('reads the bounds from env and rejects a bound that is not a positive decimal', () => {
    const config = readConfig({
      PRICING_MAX_PRICE_PER_1M: '5000',
      PRICING_SYNC_MAX_NEW_PRICE_PER_1M: '250.5',
    });
    expect(config).toMatchObject({ maxPricePer1m: '5000', maxNewPricePer1m: '250.5', errors: [] });
    expect(priceOutOfBounds('5000.1', { maxPricePer1m: config.maxPricePer1m })).toMatch(/above/);
    const bad = readConfig({ PRICING_MAX_PRICE_PER_1M: '-1', PRICING_SYNC_MAX_NEW_PRICE_PER_1M: '1e3' });
    expect(bad.errors).toHaveLength(2);
    expect(bad.maxPricePer1m).toBe('1000000');
    expect(bad.maxNewPricePer1m).toBe('1000');
  });
});
