import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  DecimalError,
  isZeroDecimal,
  normalizeDecimal,
  parsePrice,
  perTokenToPerMillion,
  ratioExceeds,
  scaledAmountPerTokenToPerMillion,
  scaledAmountToDecimal,
  shiftDecimal,
} from '../../lib/money/decimal.js';

/**
 * A second, naive conversion written only for these tests: value × 10^6 as a fraction of BigInts,
 * printed by long division. Independent of the module under test.
 */
function naivePerMillion(text: string): string {
  const [mantissa = '', exponentText] = text.toLowerCase().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  const exponent = Number(exponentText ?? '0') + 6;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  const integer = numerator / denominator;
  let remainder = numerator % denominator;
  let digits = '';
  while (remainder !== 0n) {
    remainder *= 10n;
    digits += String(remainder / denominator);
    remainder %= denominator;
  }
  return digits ? `${integer}.${digits}` : String(integer);
}

describe('exact decimal conversions', () => {
  it.each([
    ['0.000003', '3'],
    ['0.0000007', '0.7'],
    ['0.00000045', '0.45'],
    ['0.0000030', '3'],
    ['0.00000838323353293413', '8.38323353293413'],
    ['0', '0'],
    ['3e-06', '3'],
    ['1.25e-7', '0.125'],
    ['1.5E-5', '15'],
  ])('per token %s is %s per 1M tokens', (perToken, expected) => {
    expect(perTokenToPerMillion(perToken)).toBe(expected);
    expect(naivePerMillion(perToken)).toBe(expected);
  });

  it('reads JSON numbers through their shortest round-trip digits', () => {
    expect(JSON.parse('[3e-06, 1.25e-7, 2.8e-08]')).toEqual([3e-6, 1.25e-7, 2.8e-8]);
    const [a, b, c] = JSON.parse('[3e-06, 1.25e-7, 2.8e-08]') as number[];
    expect(perTokenToPerMillion(a as number)).toBe('3');
    expect(perTokenToPerMillion(b as number)).toBe('0.125');
    expect(perTokenToPerMillion(c as number)).toBe('0.028');
    // The float product is wrong; ours is not.
    expect(0.00000045 * 1e6).not.toBe(0.45);
    expect(perTokenToPerMillion(0.00000045)).toBe('0.45');
    expect(0.00000057 * 1e6).not.toBe(0.57);
    expect(perTokenToPerMillion(0.00000057)).toBe('0.57');
  });

  it.each([
    [150, 9, '0.15'],
    [550, 9, '0.55'],
    [15, 9, '0.015'],
    [3300, 9, '3.3'],
    [926749441421, 18, '0.926749441421'],
    [7, 3, '7000'],
    [0, 9, '0'],
  ])('NEAR amount %s with scale %s is %s USD per 1M tokens', (amount, scale, expected) => {
    expect(scaledAmountPerTokenToPerMillion(amount, scale)).toBe(expected);
  });

  it('reads a scaled amount per unit without the per-1M shift', () => {
    expect(scaledAmountToDecimal(40000000, 9)).toBe('0.04');
  });

  it('writes canonical decimals: no exponent, no trailing zeros, no leading plus', () => {
    expect(normalizeDecimal('0.0000030')).toBe('0.000003');
    expect(normalizeDecimal('1e3')).toBe('1000');
    expect(normalizeDecimal('+.50')).toBe('0.5');
    expect(normalizeDecimal('-0.0')).toBe('0');
    expect(normalizeDecimal('1.2500e-10')).toBe('0.000000000125');
    expect(shiftDecimal('12.5', -3)).toBe('0.0125');
    expect(shiftDecimal('3', -6)).toBe('0.000003');
  });

  it.each([
    '',
    'abc',
    'NaN',
    'Infinity',
    '-Infinity',
    '1.2.3',
    '0x10',
    '1e',
    'e5',
    '.',
    ' 1',
    '1 ',
    '1,5',
    '1e99999',
    '9'.repeat(101),
  ])('rejects %j with a DecimalError', (input) => {
    expect(() => parsePrice(input)).toThrow(DecimalError);
  });

  it('rejects non-finite numbers and negative prices, naming the value', () => {
    expect(() => parsePrice(Number.NaN)).toThrow(/not a finite number: "NaN"/);
    expect(() => parsePrice(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
    expect(() => perTokenToPerMillion('-0.000001')).toThrow(/cannot be negative: "-0.000001"/);
    expect(normalizeDecimal('-1')).toBe('-1');
  });

  it('compares exactly across scales', () => {
    expect(compareDecimal('0.10', '0.1')).toBe(0);
    expect(compareDecimal('0.0000001', '1e-7')).toBe(0);
    expect(compareDecimal('2', '10')).toBe(-1);
    expect(compareDecimal('10', '9.999999999999999999')).toBe(1);
    expect(isZeroDecimal('0.000')).toBe(true);
    expect(isZeroDecimal('1e-20')).toBe(false);
  });

  it.each([
    ['1', '10', '10', false],
    ['1', '10.000000000001', '10', true],
    ['10', '1', '10', false],
    ['10.000000000001', '1', '10', true],
    ['0.3', '3.0000001', '10', true],
    ['0', '0', '10', false],
    ['0', '0.0001', '10', true],
    ['5', '0', '10', true],
    ['2', '3', '1.5', false],
    ['2', '3.01', '1.5', true],
  ])('ratioExceeds(%s -> %s, max %s) is %s', (oldPrice, newPrice, maxRatio, expected) => {
    expect(ratioExceeds(oldPrice, newPrice, maxRatio)).toBe(expected);
  });

  it('refuses a ratio below 1', () => {
    expect(() => ratioExceeds('1', '2', '0.5')).toThrow(/at least 1/);
  });
});

describe('per token -> per 1M -> per token', () => {
  /** Decimals in 1e-12..1e3 with up to 12 significant digits, as digit strings. */
  const decimalArbitrary = fc
    .tuple(fc.bigInt({ min: 1n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 24 }))
    .map(([digits, scale]) => ({ digits, scale }))
    .filter(({ digits, scale }) => {
      // value = digits / 10^scale within [1e-12, 1e3]
      const value = Number(digits) / 10 ** scale;
      return value >= 1e-12 && value <= 1e3;
    })
    .map(({ digits, scale }) => {
      const text = digits.toString().padStart(scale + 1, '0');
      return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
    });

  it('returns the same decimal', () => {
    fc.assert(
      fc.property(decimalArbitrary, (perToken) => {
        const perMillion = perTokenToPerMillion(perToken);
        expect(perMillion).toBe(naivePerMillion(perToken));
        expect(compareDecimal(shiftDecimal(perMillion, -6), perToken)).toBe(0);
        expect(shiftDecimal(perMillion, -6)).toBe(normalizeDecimal(perToken));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads JSON numbers exactly (String(n) digits, never a float multiply)', () => {
    fc.assert(
      fc.property(decimalArbitrary, (perToken) => {
        const asNumber = Number(perToken);
        // Up to 12 significant digits survive a double, so String(n) gives back the same decimal.
        expect(perTokenToPerMillion(asNumber)).toBe(naivePerMillion(perToken));
      }),
      { numRuns: 2000 },
    );
  });
});
