/**
 * Exact decimal arithmetic for prices: every value is a decimal string, read into its significant
 * digits and a power of ten (`DecimalParts`) for reading, shifting, comparing and writing, and into
 * a BigInt of digits and a scale only for arithmetic. No JS number ever multiplies or divides a price.
 *
 * Why our own and not big.js: measured with `npx tsx bench/decimal-parse.ts` (2 shared cores,
 * loaded by other work, Node 20), 50,000 per-token prices to USD per 1M took 26-46 ms here with the
 * first (regular expression and BigInt) parser and 19-27 ms with big.js; 50,000 comparisons of
 * differently spelled prices 13-18 ms here and 12-19 ms with big.js. Since it reads character by
 * character: 8.2 ms against big.js' 17.5 ms, comparisons 4.7 ms against 12.4 ms (same run, load
 * 2.6). Speed did not decide, though: this module bounds hostile input (100 characters, exponent
 * ±400) where big.js takes any length and exponent (`1e999999` prints a million digits), reads a
 * JSON number through its shortest digits, names every unit shift, and adds no dependency to each
 * function's cold start. The sync needs no division or rounding, where big.js would earn its place.
 *
 * Canonical output is plain notation without exponent, without trailing zeros after the point and
 * without a leading `+`: `"0.7"`, `"3"`, `"0"`, `"-2.5"`.
 */

/** A parsed decimal: the value is `digits / 10^scale`. `scale` may be negative. For arithmetic. */
interface ScaledDecimal {
  digits: bigint;
  scale: number;
}

/**
 * A parsed decimal as text, for everything that only reads, shifts, compares and writes decimals
 * (every normalizer, the price bounds, the diff): the value is `digits × 10^exponent`, `digits`
 * holding the significant digits without leading or trailing zeros (`""` for zero). Shifting is
 * adding to `exponent` and comparing is comparing strings, so no BigInt and no regular expression
 * is built per price; `ScaledDecimal` is made from it only for arithmetic.
 */
interface DecimalParts {
  negative: boolean;
  digits: string;
  exponent: number;
}

export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Longest input accepted; a real price is far shorter, this only keeps hostile input cheap. */
const MAX_INPUT_LENGTH = 100;
/** Largest exponent accepted (`1e400` is not a price and would build huge strings). */
const MAX_EXPONENT = 400;

const ZERO_CODE = 48;
const NINE_CODE = 57;

function describe(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const isDigitCode = (code: number) => code >= ZERO_CODE && code <= NINE_CODE;

/**
 * Reads `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit before or after the point), one
 * character at a time. Throws the `DecimalError` that says what is wrong.
 */
function parseParts(input: string): DecimalParts {
  const length = input.length;
  if (length === 0 || length > MAX_INPUT_LENGTH) {
    throw new DecimalError(
      `not a decimal number: ${describe(input)} (empty or longer than ${MAX_INPUT_LENGTH})`,
    );
  }
  let index = 0;
  const first = input.charCodeAt(0);
  const negative = first === 45; /* - */
  if (negative || first === 43 /* + */) index = 1;
  const integerStart = index;
  while (index < length && isDigitCode(input.charCodeAt(index))) index += 1;
  const integerEnd = index;
  let fractionStart = index;
  let fractionEnd = index;
  if (index < length && input.charCodeAt(index) === 46 /* . */) {
    index += 1;
    fractionStart = index;
    while (index < length && isDigitCode(input.charCodeAt(index))) index += 1;
    fractionEnd = index;
  }
  let written = 0;
  let exponentTooLarge = false;
  if (index < length && (input.charCodeAt(index) | 0x20) === 101 /* e or E */) {
    index += 1;
    const sign = input.charCodeAt(index);
    const exponentNegative = sign === 45;
    if (exponentNegative || sign === 43) index += 1;
    const exponentStart = index;
    for (; index < length && isDigitCode(input.charCodeAt(index)); index += 1) {
      if (!exponentTooLarge) written = written * 10 + (input.charCodeAt(index) - ZERO_CODE);
      if (written > MAX_EXPONENT) exponentTooLarge = true;
    }
    if (index === exponentStart) index = -1;
    if (exponentNegative) written = -written;
  }
  if (index !== length || (integerEnd === integerStart && fractionEnd === fractionStart)) {
    throw new DecimalError(`not a decimal number: ${describe(input)}`);
  }
  if (exponentTooLarge) throw new DecimalError(`decimal exponent out of range: ${describe(input)}`);
  // The significant digits run from the first non-zero digit to the last one, across the point.
  const all =
    fractionEnd > fractionStart
      ? `${input.slice(integerStart, integerEnd)}${input.slice(fractionStart, fractionEnd)}`
      : input.slice(integerStart, integerEnd);
  let head = 0;
  while (head < all.length && all.charCodeAt(head) === ZERO_CODE) head += 1;
  if (head === all.length) return { negative, digits: '', exponent: 0 };
  let tail = all.length;
  while (all.charCodeAt(tail - 1) === ZERO_CODE) tail -= 1;
  return {
    negative,
    digits: head === 0 && tail === all.length ? all : all.slice(head, tail),
    exponent: written - (fractionEnd - fractionStart) + (all.length - tail),
  };
}

function format({ negative, digits, exponent }: DecimalParts): string {
  if (digits === '') return '0';
  let text: string;
  if (exponent >= 0) {
    text = exponent === 0 ? digits : `${digits}${'0'.repeat(exponent)}`;
  } else {
    const places = -exponent;
    text =
      digits.length > places
        ? `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`
        : `0.${'0'.repeat(places - digits.length)}${digits}`;
  }
  return negative ? `-${text}` : text;
}

function partsOf(value: DecimalInput): DecimalParts {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DecimalError(`not a finite number: ${describe(value)}`);
    // String(n) gives the shortest digits that round-trip the double (`3e-06`, `1.25e-7`); those
    // digits are what the provider wrote in its JSON, and we read them exactly from here on.
    return parseParts(String(value));
  }
  if (typeof value === 'bigint') {
    const text = (value < 0n ? -value : value).toString();
    let tail = text.length;
    while (tail > 0 && text.charCodeAt(tail - 1) === ZERO_CODE) tail -= 1;
    return { negative: value < 0n, digits: text.slice(0, tail), exponent: text.length - tail };
  }
  if (typeof value !== 'string') throw new DecimalError(`not a decimal number: ${describe(value)}`);
  try {
    return parseParts(value);
  } catch (error) {
    // Said first, as it is the likeliest mistake (a price copied with a space or newline).
    if (value.trim() !== value)
      throw new DecimalError(`not a decimal number: ${describe(value)} (whitespace)`);
    throw error;
  }
}

const isNegative = (parts: DecimalParts) => parts.negative && parts.digits !== '';

/** -1, 0 or 1 as |a| is less than, equal to or greater than |b|; both non-zero. */
function compareMagnitude(a: DecimalParts, b: DecimalParts): -1 | 0 | 1 {
  // The power of ten just above the leading digit orders any two non-zero magnitudes that differ in it.
  const aTop = a.digits.length + a.exponent;
  const bTop = b.digits.length + b.exponent;
  if (aTop !== bTop) return aTop < bTop ? -1 : 1;
  // Same leading position: digit strings compare as the numbers do (neither ends in a zero, so a
  // prefix is the smaller).
  return a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
}

function compareParts(a: DecimalParts, b: DecimalParts): -1 | 0 | 1 {
  const aSign = a.digits === '' ? 0 : a.negative ? -1 : 1;
  const bSign = b.digits === '' ? 0 : b.negative ? -1 : 1;
  if (aSign !== bSign) return aSign < bSign ? -1 : 1;
  if (aSign === 0) return 0;
  const magnitude = compareMagnitude(a, b);
  return aSign > 0 ? magnitude : magnitude === 0 ? 0 : magnitude === 1 ? -1 : 1;
}

function toScaled({ negative, digits, exponent }: DecimalParts): ScaledDecimal {
  if (digits === '') return { digits: 0n, scale: 0 };
  const magnitude = BigInt(digits);
  return { digits: negative ? -magnitude : magnitude, scale: -exponent };
}

function formatScaled({ digits, scale }: ScaledDecimal): string {
  const parts = partsOf(digits);
  return format({ ...parts, exponent: parts.exponent - scale });
}

/** Brings two decimals to the same scale so their digits compare and add directly. */
function align(a: ScaledDecimal, b: ScaledDecimal): [bigint, bigint] {
  if (a.scale === b.scale) return [a.digits, b.digits];
  if (a.scale > b.scale) return [a.digits, b.digits * 10n ** BigInt(a.scale - b.scale)];
  return [a.digits * 10n ** BigInt(b.scale - a.scale), b.digits];
}

function fromInput(value: DecimalInput): ScaledDecimal {
  return toScaled(partsOf(value));
}

/** A decimal as a string (`"0.000003"`, `"3e-06"`), a JSON number (read via `String(n)`), or a BigInt. */
export type DecimalInput = string | number | bigint;

/** A decimal as its significant digits and power of ten: the value is ±`digits` × 10^`exponent`. */
export interface DecimalDigits {
  readonly negative: boolean;
  /** No leading or trailing zeros; `""` for zero. */
  readonly digits: string;
  readonly exponent: number;
}

/** Reads any accepted decimal into its significant digits (for writers of other notations). */
export function decimalDigits(value: DecimalInput): DecimalDigits {
  return partsOf(value);
}

/** The canonical text of `decimalDigits`' result, or of one with its exponent moved. */
export function formatDecimalDigits(parts: DecimalDigits): string {
  return format(parts);
}

/** `compareDecimal` of two decimals already read: for checking one price against several bounds. */
export function compareDecimalDigits(a: DecimalDigits, b: DecimalDigits): -1 | 0 | 1 {
  return compareParts(a, b);
}

/** Parses any accepted decimal and returns it in canonical form. Throws `DecimalError` on garbage. */
export function normalizeDecimal(value: DecimalInput): string {
  return format(partsOf(value));
}

function priceParts(value: DecimalInput): DecimalParts {
  const parts = partsOf(value);
  if (isNegative(parts)) throw new DecimalError(`a price cannot be negative: ${describe(value)}`);
  return parts;
}

/**
 * Parses a price: like `normalizeDecimal`, but a negative value is an error (no price is negative;
 * sentinels such as OpenRouter's `"-1"` must be handled by the caller before this).
 */
export function parsePrice(value: DecimalInput): string {
  return format(priceParts(value));
}

/** Multiplies by 10^places exactly (negative places divide). */
export function shiftDecimal(value: DecimalInput, places: number): string {
  if (!Number.isSafeInteger(places)) throw new DecimalError(`shift must be an integer, got ${places}`);
  const parts = partsOf(value);
  return format({ negative: parts.negative, digits: parts.digits, exponent: parts.exponent + places });
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
  return compareParts(partsOf(a), partsOf(b));
}

export function isZeroDecimal(value: DecimalInput): boolean {
  return partsOf(value).digits === '';
}

export function multiplyDecimal(a: DecimalInput, b: DecimalInput): string {
  const left = fromInput(a);
  const right = fromInput(b);
  return formatScaled({ digits: left.digits * right.digits, scale: left.scale + right.scale });
}

/** The exact sum of decimals (`"0"` for none): for the lines of a request's cost. */
export function sumDecimals(values: readonly DecimalInput[]): string {
  let total: ScaledDecimal = { digits: 0n, scale: 0 };
  for (const value of values) {
    const next = fromInput(value);
    const [left, right] = align(total, next);
    total = { digits: left + right, scale: Math.max(total.scale, next.scale) };
  }
  return formatScaled(total);
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
  const oldValue = toScaled(priceParts(oldPrice));
  const newValue = toScaled(priceParts(newPrice));
  const ratio = toScaled(priceParts(maxRatio));
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
  return partsOf(value).digits.length;
}
