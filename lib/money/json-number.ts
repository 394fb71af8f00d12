import { decimalDigits, formatDecimalDigits } from './decimal.js';

/**
 * A decimal as the shortest JSON number text that names exactly that decimal, in the style
 * Python's `repr(float)` uses (which LiteLLM's own map is written in): scientific below 1e-4 and
 * from 1e16 up (`1.5e-06`, `1e+16`), plain otherwise, with `.0` on whole numbers (`3.0`). Built
 * from the digits, no float on the way; any decimal of up to 15 significant digits reads back
 * from this text as the double nearest to it, and converts back to the same decimal.
 * `shiftPlaces` multiplies by 10^shiftPlaces first, exactly (-6: per 1M tokens -> per token).
 */
export function decimalToJsonNumber(value: string, shiftPlaces = 0): string {
  // One pass over the text gives the significant digits; no regular expression or BigInt per price
  // (the LiteLLM map writes some 75,000 of these per request).
  const { negative, digits, exponent } = decimalDigits(value);
  if (digits === '') return '0.0';
  const shifted = exponent + shiftPlaces;
  /** The power of ten of the leading digit. */
  const leading = digits.length - 1 + shifted;
  const sign = negative ? '-' : '';
  if (leading >= -4 && leading < 16) {
    const plain = formatDecimalDigits({ negative: false, digits, exponent: shifted });
    return `${sign}${plain.includes('.') ? plain : `${plain}.0`}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(leading)).padStart(2, '0');
  return `${sign}${mantissa}e${leading < 0 ? '-' : '+'}${magnitude}`;
}
