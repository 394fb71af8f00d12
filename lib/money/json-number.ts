import { normalizeDecimal } from './decimal.js';

/** A canonical plain decimal: no sign, no exponent, no leading or trailing zeros to strip. */
const PLAIN = /^(0|[1-9]\d*)(\.\d*[1-9])?$/;

/**
 * A decimal as the shortest JSON number text that names exactly that decimal, in the style
 * Python's `repr(float)` uses (which LiteLLM's own map is written in): scientific below 1e-4 and
 * from 1e16 up (`1.5e-06`, `1e+16`), plain otherwise, with `.0` on whole numbers (`3.0`). Built
 * from the digits, no float on the way; any decimal of up to 15 significant digits reads back
 * from this text as the double nearest to it, and converts back to the same decimal.
 * `shiftPlaces` multiplies by 10^shiftPlaces first, exactly (-6: per 1M tokens -> per token).
 */
export function decimalToJsonNumber(value: string, shiftPlaces = 0): string {
  // Plain decimals (what Postgres' trim_scale(numeric)::text gives) skip the BigInt parse.
  const canonical = PLAIN.test(value) ? value : normalizeDecimal(value);
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
