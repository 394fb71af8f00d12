import { normalizeDecimal } from './decimal.js';

/**
 * A decimal as the shortest JSON number text that names exactly that decimal, in the style
 * Python's `repr(float)` uses (which LiteLLM's own map is written in): scientific below 1e-4 and
 * from 1e16 up (`1.5e-06`, `1e+16`), plain otherwise, with `.0` on whole numbers (`3.0`). Built
 * from the digits, no float on the way; any decimal of up to 15 significant digits reads back
 * from this text as the double nearest to it, and converts back to the same decimal.
 */
export function decimalToJsonNumber(value: string): string {
  const canonical = normalizeDecimal(value);
  const negative = canonical.startsWith('-');
  const unsigned = negative ? canonical.slice(1) : canonical;
  const [integerPart = '', fractionPart = ''] = unsigned.split('.');
  const all = `${integerPart}${fractionPart}`;
  const significant = all.replace(/^0+/, '');
  if (significant === '') return '0.0';
  const leadingZeros = all.length - significant.length;
  const exponent = integerPart.length - 1 - leadingZeros;
  const digits = significant.replace(/0+$/, '');
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) return `${sign}${unsigned.includes('.') ? unsigned : `${unsigned}.0`}`;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}
