/**
 * Exact decimal arithmetic for prices: every value is a decimal string, held internally as a
 * BigInt of digits and a power-of-ten scale. No JS number ever multiplies or divides a price.
 *
 * Why our own and not big.js: measured with `npx tsx bench/decimal-parse.ts` (2 shared cores,
 * loaded by other work, Node 20), 50,000 per-token prices to USD per 1M took 26-46 ms here and
 * 19-27 ms with big.js; 50,000 comparisons of differently spelled prices 13-18 ms here and
 * 12-19 ms with big.js. Either is a few percent at most of a 25,000-model sync (about 1.6 s), so
 * speed does not decide. What does: this module bounds hostile input (100 characters, exponent
 * ±400) where big.js takes any length and exponent (`1e999999` prints a million digits), reads a
 * JSON number through its shortest digits, names every unit shift, and adds no dependency to each
 * function's cold start. The sync needs no division or rounding, where big.js would earn its place.
 *
 * Canonical output is plain notation without exponent, without trailing zeros after the point and
 * without a leading `+`: `"0.7"`, `"3"`, `"0"`, `"-2.5"`.
 */

/** A parsed decimal: the value is `digits / 10^scale`. `scale` may be negative. */
interface ScaledDecimal {
  digits: bigint;
  scale: number;
}

export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Longest input accepted; a real price is far shorter, this only keeps hostile input cheap. */
const MAX_INPUT_LENGTH = 100;
/** Largest exponent accepted (`1e400` is not a price and would build huge BigInts). */
const MAX_EXPONENT = 400;

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function describe(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function parseScaled(input: string): ScaledDecimal {
  if (input.length === 0 || input.length > MAX_INPUT_LENGTH) {
    throw new DecimalError(
      `not a decimal number: ${describe(input)} (empty or longer than ${MAX_INPUT_LENGTH})`,
    );
  }
  const match = DECIMAL_PATTERN.exec(input);
  const integerPart = match?.[2] ?? '';
  const fractionPart = match?.[3] ?? '';
  if (!match || (integerPart === '' && fractionPart === '')) {
    throw new DecimalError(`not a decimal number: ${describe(input)}`);
  }
  const exponent = match[4] === undefined ? 0 : Number(match[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new DecimalError(`decimal exponent out of range: ${describe(input)}`);
  }
  const magnitude = BigInt(`${integerPart}${fractionPart}` || '0');
  return { digits: match[1] === '-' ? -magnitude : magnitude, scale: fractionPart.length - exponent };
}

function format({ digits, scale }: ScaledDecimal): string {
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

/** Brings two decimals to the same scale so their digits compare and add directly. */
function align(a: ScaledDecimal, b: ScaledDecimal): [bigint, bigint] {
  if (a.scale === b.scale) return [a.digits, b.digits];
  if (a.scale > b.scale) return [a.digits, b.digits * 10n ** BigInt(a.scale - b.scale)];
  return [a.digits * 10n ** BigInt(b.scale - a.scale), b.digits];
}

function fromInput(value: DecimalInput): ScaledDecimal {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DecimalError(`not a finite number: ${describe(value)}`);
    // String(n) gives the shortest digits that round-trip the double (`3e-06`, `1.25e-7`); those
    // digits are what the provider wrote in its JSON, and we read them exactly from here on.
    return parseScaled(String(value));
  }
  if (typeof value === 'bigint') return { digits: value, scale: 0 };
  if (typeof value !== 'string') throw new DecimalError(`not a decimal number: ${describe(value)}`);
  if (value.trim() !== value) throw new DecimalError(`not a decimal number: ${describe(value)} (whitespace)`);
  return parseScaled(value);
}

/** A decimal as a string (`"0.000003"`, `"3e-06"`), a JSON number (read via `String(n)`), or a BigInt. */
export type DecimalInput = string | number | bigint;

/** Parses any accepted decimal and returns it in canonical form. Throws `DecimalError` on garbage. */
export function normalizeDecimal(value: DecimalInput): string {
  return format(fromInput(value));
}

/**
 * Parses a price: like `normalizeDecimal`, but a negative value is an error (no price is negative;
 * sentinels such as OpenRouter's `"-1"` must be handled by the caller before this).
 */
export function parsePrice(value: DecimalInput): string {
  const parsed = fromInput(value);
  if (parsed.digits < 0n) throw new DecimalError(`a price cannot be negative: ${describe(value)}`);
  return format(parsed);
}

/** Multiplies by 10^places exactly (negative places divide). */
export function shiftDecimal(value: DecimalInput, places: number): string {
  if (!Number.isSafeInteger(places)) throw new DecimalError(`shift must be an integer, got ${places}`);
  const parsed = fromInput(value);
  return format({ digits: parsed.digits, scale: parsed.scale - places });
}

/** USD per token -> USD per 1M tokens. Rejects negatives. */
export function perTokenToPerMillion(value: DecimalInput): string {
  return shiftDecimal(parsePrice(value), 6);
}

/** USD per 1K units -> USD per 1M units. Rejects negatives. */
export function perThousandToPerMillion(value: DecimalInput): string {
  return shiftDecimal(parsePrice(value), 3);
}

function checkScale(scale: number): void {
  if (!Number.isSafeInteger(scale) || scale < 0 || scale > 36) {
    throw new DecimalError(`scale must be an integer in 0..36, got ${describe(scale)}`);
  }
}

/** A scaled integer amount (`{amount, scale}`) as a decimal: amount / 10^scale. Rejects negatives. */
export function scaledAmountToDecimal(amount: DecimalInput, scale: number): string {
  checkScale(scale);
  return shiftDecimal(parsePrice(amount), -scale);
}

/**
 * A per-token scaled amount (NEAR's nano-USD, `scale: 9`) as USD per 1M tokens:
 * amount × 10^(6 − scale), exactly. Rejects negatives.
 */
export function scaledAmountPerTokenToPerMillion(amount: DecimalInput, scale: number): string {
  checkScale(scale);
  return shiftDecimal(parsePrice(amount), 6 - scale);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimal(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  const [left, right] = align(fromInput(a), fromInput(b));
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isZeroDecimal(value: DecimalInput): boolean {
  return fromInput(value).digits === 0n;
}

export function multiplyDecimal(a: DecimalInput, b: DecimalInput): string {
  const left = fromInput(a);
  const right = fromInput(b);
  return format({ digits: left.digits * right.digits, scale: left.scale + right.scale });
}

/**
 * Whether a price moved by more than `maxRatio` in either direction: new/old > maxRatio or
 * old/new > maxRatio, computed exactly by cross-multiplying (no division, no float).
 * A move from zero to non-zero or back counts as exceeding any ratio; zero to zero does not.
 * Prices and the ratio must be non-negative; the ratio must be at least 1.
 */
export function ratioExceeds(
  oldPrice: DecimalInput,
  newPrice: DecimalInput,
  maxRatio: DecimalInput,
): boolean {
  const oldValue = fromInput(parsePrice(oldPrice));
  const newValue = fromInput(parsePrice(newPrice));
  const ratio = fromInput(parsePrice(maxRatio));
  const [ratioDigits, one] = align(ratio, { digits: 1n, scale: 0 });
  if (ratioDigits < one) throw new DecimalError(`maxRatio must be at least 1, got ${describe(maxRatio)}`);
  const oldZero = oldValue.digits === 0n;
  const newZero = newValue.digits === 0n;
  if (oldZero || newZero) return oldZero !== newZero;
  // new/old > r  <=>  new > old × r, all at one common scale.
  const exceedsUp = compareScaled(newValue, multiplyScaled(oldValue, ratio)) > 0;
  const exceedsDown = compareScaled(oldValue, multiplyScaled(newValue, ratio)) > 0;
  return exceedsUp || exceedsDown;
}

function multiplyScaled(a: ScaledDecimal, b: ScaledDecimal): ScaledDecimal {
  return { digits: a.digits * b.digits, scale: a.scale + b.scale };
}

function compareScaled(a: ScaledDecimal, b: ScaledDecimal): number {
  const [left, right] = align(a, b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * How many significant digits a decimal has: its digits without leading zeros and without trailing
 * zeros (`"0.00120"` has 2, `"1000"` has 1, `"0"` has 0).
 */
export function significantDigits(value: DecimalInput): number {
  const { digits } = fromInput(value);
  if (digits === 0n) return 0;
  return (digits < 0n ? -digits : digits).toString().replace(/0+$/, '').length;
}
