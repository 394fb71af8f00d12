import { z } from 'zod';
import { DecimalError } from '../money/decimal.js';
import { InvalidItemError } from './catalog-items.js';

/**
 * Runs one exact conversion on one wire value, turning a bad value into an `InvalidItemError` that
 * names the field, so one bad price skips its item instead of failing the catalog.
 */
export function convertWirePrice(
  field: string,
  value: unknown,
  convert: (value: string | number) => string,
): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new InvalidItemError(`${field}: expected a decimal, got ${value === null ? 'null' : typeof value}`);
  }
  try {
    return convert(value);
  } catch (error) {
    if (error instanceof DecimalError) throw new InvalidItemError(`${field}: ${error.message}`);
    throw error;
  }
}

/** Keys a provider may use for a price kind we did not map: short snake_case, nothing exotic. */
export const PRICE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** A JSON object, passed through as-is (no copying, so no key is dropped or reinterpreted). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A context length in tokens. Stored in a Postgres `integer` column, so a larger value would fail
 * the provider's whole apply: such an item is invalid instead.
 */
export const contextLengthSchema = z.number().int().nonnegative().max(2_147_483_647);

/**
 * Whether a value passes `contextLengthSchema.nullish()`, checked without zod: the fast paths of
 * the item schemas use it (see `isPlainOpenRouterModel`).
 */
export function isNullishContextLength(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647)
  );
}
