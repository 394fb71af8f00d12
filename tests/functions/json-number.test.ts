import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeDecimal, shiftDecimal } from '../../lib/money/decimal.js';
import { decimalToJsonNumber } from '../../lib/money/json-number.js';

describe('decimalToJsonNumber', () => {
  it.each([
    ['0.0000015', '1.5e-06'],
    ['0.000003', '3e-06'],
    ['0.00001', '1e-05'],
    ['0.0001', '0.0001'],
    ['0.00015', '0.00015'],
    ['3', '3.0'],
    ['12.5', '12.5'],
    ['0', '0.0'],
    ['1500', '1500.0'],
    ['10000000000000000', '1e+16'],
    ['0.000000123456789012345', '1.23456789012345e-07'],
  ])('writes %s as %s', (decimal, text) => {
    expect(decimalToJsonNumber(decimal)).toBe(text);
  });

  it('writes 1.5 per 1M tokens as 1.5e-06 per token', () => {
    expect(decimalToJsonNumber(shiftDecimal('1.5', -6))).toBe('1.5e-06');
    expect(decimalToJsonNumber('1.5', -6)).toBe('1.5e-06');
    expect(decimalToJsonNumber('150', -6)).toBe('0.00015');
    expect(decimalToJsonNumber('0', -6)).toBe('0.0');
  });

  it('shifts exactly: the same text as shifting the decimal first', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: -8, max: 18 }))
      .map(([digits, scale]) => normalizeDecimal(`${digits}e${-scale}`));
    fc.assert(
      fc.property(decimal, (value) => {
        expect(decimalToJsonNumber(value, -6)).toBe(decimalToJsonNumber(shiftDecimal(value, -6)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back as the same decimal for every value of up to 15 significant digits', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 999_999_999_999_999n }), fc.integer({ min: -8, max: 24 }))
      .map(([digits, scale]) => normalizeDecimal(`${digits}e${-scale}`));
    fc.assert(
      fc.property(decimal, (value) => {
        const text = decimalToJsonNumber(value);
        expect(text).toMatch(/^-?\d+(\.\d+)?(e[+-]\d{2,})?$/);
        // JSON.parse then String(n): the shortest digits of the double, which must be ours.
        expect(normalizeDecimal(String(JSON.parse(text) as number))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});

/** decimalToJsonNumber as it was before it read the digits in one pass, the reference for the faster one. */
function referenceJsonNumber(value: string, shiftPlaces = 0): string {
  const canonical = /^(0|[1-9]\d*)(\.\d*[1-9])?$/.test(value) ? value : normalizeDecimal(value);
  const negative = canonical.startsWith('-');
  const unsigned = negative ? canonical.slice(1) : canonical;
  const [integerPart = '', fractionPart = ''] = unsigned.split('.');
  const all = `${integerPart}${fractionPart}`;
  const significant = all.replace(/^0+/, '');
  if (significant === '') return '0.0';
  const leadingZeros = all.length - significant.length;
  const exponent = integerPart.length - 1 - leadingZeros + shiftPlaces;
  const digits = significant.replace(/0+$/, '');
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    const plain = shiftPlaces === 0 ? unsigned : normalizeDecimal(`${unsigned}e${shiftPlaces}`);
    return `${sign}${plain.includes('.') ? plain : `${plain}.0`}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}

describe('decimalToJsonNumber agrees with the reference', () => {
  it('on any decimal text (signs, zeros, exponents, Postgres numeric text) and shift', () => {
    const text = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', '-'),
          fc.stringMatching(/^[0-9]{1,20}$/),
          fc.constantFrom('', '.'),
          fc.stringMatching(/^[0-9]{0,20}$/),
          fc.constantFrom('', 'e-7', 'e+3', 'E20', 'e-30'),
        )
        .map((parts) => parts.join('')),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    );
    fc.assert(
      fc.property(text, fc.constantFrom(0, -6, 3), (value, shift) => {
        expect(decimalToJsonNumber(value, shift)).toBe(referenceJsonNumber(value, shift));
      }),
      { numRuns: 5000 },
    );
  });
});
