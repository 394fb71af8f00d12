import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  isZeroDecimal,
  normalizeDecimal,
  parsePrice,
  perTokenToPerMillion,
  shiftDecimal,
  significantDigits,
} from '../../lib/money/decimal.js';

/**
 * The parser as it was before it read decimals character by character (a regular expression and a
 * BigInt per value), kept here as the reference the faster one must agree with on every input:
 * the same canonical text, the same order, the same refusals.
 */
const REFERENCE_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function referenceParse(input: string | number): { digits: bigint; scale: number } | 'error' {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return 'error';
    input = String(input);
  } else if (input.trim() !== input) return 'error';
  if (input.length === 0 || input.length > 100) return 'error';
  const match = REFERENCE_PATTERN.exec(input);
  const integerPart = match?.[2] ?? '';
  const fractionPart = match?.[3] ?? '';
  if (!match || (integerPart === '' && fractionPart === '')) return 'error';
  const exponent = match[4] === undefined ? 0 : Number(match[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return 'error';
  const magnitude = BigInt(`${integerPart}${fractionPart}` || '0');
  return { digits: match[1] === '-' ? -magnitude : magnitude, scale: fractionPart.length - exponent };
}

function referenceFormat({ digits, scale }: { digits: bigint; scale: number }): string {
  if (digits === 0n) return '0';
  const negative = digits < 0n;
  let text = (negative ? -digits : digits).toString();
  if (scale <= 0) {
    text += '0'.repeat(-scale);
  } else {
    text = text.padStart(scale + 1, '0');
    const integerPart = text.slice(0, text.length - scale);
    const fractionPart = text.slice(text.length - scale).replace(/0+$/, '');
    text = fractionPart ? `${integerPart}.${fractionPart}` : integerPart;
  }
  return negative ? `-${text}` : text;
}

function referenceCompare(
  a: { digits: bigint; scale: number },
  b: { digits: bigint; scale: number },
): number {
  const scale = Math.max(a.scale, b.scale);
  const left = a.digits * 10n ** BigInt(scale - a.scale);
  const right = b.digits * 10n ** BigInt(scale - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

const outcome = (run: () => unknown) => {
  try {
    return run();
  } catch (error) {
    return error instanceof Error ? `${error.name}` : 'thrown';
  }
};

/** Decimal-looking text: signs, zeros, points and exponents where they trip parsers up, and junk. */
const decimalText = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '+', '-'),
      fc.stringMatching(/^[0-9]{0,12}$/),
      fc.constantFrom('', '.'),
      fc.stringMatching(/^[0-9]{0,12}$/),
      fc.constantFrom('', 'e', 'E', 'e+', 'e-', 'E-'),
      fc.constantFrom('', '0', '5', '06', '400', '401', '0400', '99999', '9007199254740993'),
    )
    .map((parts) => parts.join('')),
  fc.stringMatching(/^[0-9.eE+\- x]{0,8}$/),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '0',
    '-0',
    '0.0',
    '00.00e5',
    '1e400',
    '1e-400',
    '1e401',
    ' 1',
    '1 ',
    '1\n',
    '.',
    '-',
    'e5',
    '1e',
    '１',
  ),
  fc.constantFrom('9'.repeat(100), '9'.repeat(101), `0.${'0'.repeat(98)}`, `${'1'.repeat(99)}e`),
  fc.double().map((value) => String(value)),
);

describe('the decimal parser agrees with the BigInt reference', () => {
  it('normalizes, refuses and counts digits the same on any text', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const reference = referenceParse(text);
        expect(outcome(() => normalizeDecimal(text)) !== 'DecimalError').toBe(reference !== 'error');
        if (reference === 'error') {
          expect(outcome(() => normalizeDecimal(text))).toBe('DecimalError');
          return;
        }
        const canonical = referenceFormat(reference);
        expect(normalizeDecimal(text)).toBe(canonical);
        expect(isZeroDecimal(text)).toBe(reference.digits === 0n);
        expect(significantDigits(text)).toBe(
          reference.digits === 0n
            ? 0
            : (reference.digits < 0n ? -reference.digits : reference.digits).toString().replace(/0+$/, '')
                .length,
        );
        expect(outcome(() => parsePrice(text))).toBe(reference.digits < 0n ? 'DecimalError' : canonical);
      }),
      { numRuns: 5000 },
    );
  });

  it('shifts as the reference does, including the per-1M conversion of hostile sizes', () => {
    fc.assert(
      fc.property(decimalText, fc.integer({ min: -30, max: 30 }), (text, places) => {
        const reference = referenceParse(text);
        if (reference === 'error') return;
        expect(shiftDecimal(text, places)).toBe(
          referenceFormat({ ...reference, scale: reference.scale - places }),
        );
        // Two steps, as before: the canonical price is re-read, so one over 100 characters is refused.
        const price = reference.digits < 0n ? null : referenceFormat(reference);
        const expected =
          price === null
            ? 'DecimalError'
            : price.length > 100
              ? 'DecimalError'
              : referenceFormat({ ...reference, scale: reference.scale - 6 });
        expect(outcome(() => perTokenToPerMillion(text))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('orders any two decimals as the reference does', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const left = referenceParse(a);
        const right = referenceParse(b);
        if (left === 'error' || right === 'error') return;
        expect(compareDecimal(a, b)).toBe(referenceCompare(left, right));
        expect(compareDecimal(a, a)).toBe(0);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads JSON numbers through String(n) as the reference does', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const reference = referenceParse(value);
        if (reference === 'error') return;
        expect(normalizeDecimal(value)).toBe(referenceFormat(reference));
      }),
      { numRuns: 3000 },
    );
  });
});
