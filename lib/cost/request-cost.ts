/**
 * The cost of one request, exactly: pure arithmetic over one model's prices (a row of `GET /prices`,
 * or of `pricing_read_cost_prices`) and the request's usage. No database, no network, no clock:
 * `POST /prices/cost` calls it, and a gateway can call it (or copy it, with lib/money/decimal.ts)
 * next to a cached copy of `/prices`. docs/api.md documents the accounting.
 */
import { DecimalError, isZeroDecimal, multiplyDecimal, shiftDecimal, sumDecimals } from '../money/decimal.js';

/**
 * One pricing tier, stored as-is in `model_pricing.pricing_tiers` (a JSON array of these), as
 * `/prices` serves it (docs/providers.md, "Tier shape").
 * A tier applies when all of its conditions hold; prices it does not name fall back to the base
 * (top-level) prices. Prices are USD per 1M tokens, decimal strings.
 */
export interface PricingTier {
  /** Prompt-size tier: applies when the prompt has at least this many tokens. */
  min_prompt_tokens?: number;
  /** Prompt-size tier: applies when the prompt has at most this many tokens (inclusive). */
  max_prompt_tokens?: number;
  /** Time-of-day window, `HH:MM` in UTC, start inclusive. */
  utc_start?: string;
  /** Time-of-day window, `HH:MM` in UTC, end exclusive; may be before `utc_start` (wraps midnight). */
  utc_end?: string;
  input_per_1m_tokens?: string;
  output_per_1m_tokens?: string;
  cache_read_per_1m_tokens?: string;
  cache_write_per_1m_tokens?: string;
  /**
   * Other prices of this tier, keyed with their unit as in `PriceRecord.extraPrices`
   * (e.g. `audio_input_per_1m_tokens`, `cache_write_1h_per_1m_tokens`).
   */
  extra_prices?: Record<string, string>;
}

/** A tier as the cost arithmetic reads it. */
export type CostTier = PricingTier;

/** One model's prices, as a row of `GET /prices` has them. */
export interface CostPrices {
  provider: string;
  state: string;
  input_price_per_1m_tokens: string | null;
  output_price_per_1m_tokens: string | null;
  cache_read_price_per_1m_tokens: string | null;
  cache_write_price_per_1m_tokens: string | null;
  /** USD per request. */
  request_price: string | null;
  /** USD per image (OpenRouter's unit is ambiguous: see `images`). */
  image_price: string | null;
  extra: Readonly<Record<string, string>>;
  tiers: readonly CostTier[];
}

/** Quantities by name (`input_tokens`, `web_search_requests`, …): whole numbers, as JSON numbers or digit strings. */
export type CostUsage = Readonly<Record<string, unknown>>;

export interface CostOptions {
  /** The instant the request ran: time-of-day tiers are evaluated at it. */
  at: Date;
  /** Whether `input_tokens` already counts the cache reads and writes (OpenAI, OpenRouter: true; Anthropic: false). */
  inputIncludesCache: boolean;
}

/** One charge: `quantity` units at `unit_price` (USD per 1M tokens, or per unit) make `amount` USD. */
export interface CostLine {
  price_field: string;
  unit_price: string;
  quantity: string;
  amount: string;
}

export type RequestCost =
  | {
      ok: true;
      cost_usd: string;
      lines: CostLine[];
      /** The tier whose prices applied (its position in `tiers` and its conditions), or null for the base prices. */
      tier: ({ index: number } & CostTier) | null;
      /** Prices above zero the model has for quantities the usage did not name. */
      unbilled_price_kinds: string[];
      warnings: string[];
    }
  | { ok: false; error: string };

/** The largest quantity accepted: far above any request, small enough to keep every amount short. */
const MAX_QUANTITY = 10n ** 15n;
const CACHE_QUANTITIES = ['cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens'] as const;

class CostError extends Error {}

/** A usage key as an error shows it: hostile keys can be long. */
const shown = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** A price the model has: where it is shown, the usage quantity it bills, and whether it is per 1M. */
interface PriceKind {
  field: string;
  quantity: string;
  perMillion: boolean;
  price: string;
}

const BASE_KINDS = [
  ['input_price_per_1m_tokens', 'input_tokens', true, 'input_per_1m_tokens'],
  ['output_price_per_1m_tokens', 'output_tokens', true, 'output_per_1m_tokens'],
  ['cache_read_price_per_1m_tokens', 'cache_read_tokens', true, 'cache_read_per_1m_tokens'],
  ['cache_write_price_per_1m_tokens', 'cache_write_tokens', true, 'cache_write_per_1m_tokens'],
  ['request_price', 'requests', false, null],
  ['image_price', 'images', false, null],
] as const;
const BASE_QUANTITIES: ReadonlySet<string> = new Set(BASE_KINDS.map(([, quantity]) => quantity));

/** A tier's request and image prices, kept among its extra prices (buildTier): base prices, not extras. */
const TIER_BASE_EXTRAS: ReadonlySet<string> = new Set([
  'request_per_request',
  'image_per_image',
  'image_as_given',
]);

/** `query` -> `queries`, `second` -> `seconds`. */
const plural = (unit: string) => (unit.endsWith('y') ? `${unit.slice(0, -1)}ies` : `${unit}s`);

/**
 * The usage quantity an extra price bills, from the unit its name carries: `<kind>_per_1m_tokens`
 * bills `<kind>_tokens` (per 1M); `<kind>_per_<unit>` bills `<kind>_<unit>s` (per unit; LiteLLM's
 * `<kind>_cost_per_<unit>` drops `_cost`). A price whose unit is not one word (`_as_given`,
 * `_per_1k_calls`, `_per_gb_per_day`) bills nothing: its quantity has no name.
 */
function usageQuantityOf(extraName: string): { quantity: string; perMillion: boolean } | null {
  const million = /^([a-z0-9_]+?)_per_1m_tokens$/.exec(extraName);
  let found: { quantity: string; perMillion: boolean } | null = null;
  if (million) found = { quantity: `${million[1]!}_tokens`, perMillion: true };
  const unit = /^([a-z0-9_]+?)_per_([a-z]+)$/.exec(extraName);
  if (!million && unit && !unit[1]!.includes('_per_') && !extraName.endsWith('_as_given')) {
    found = { quantity: `${unit[1]!.replace(/_cost$/, '')}_${plural(unit[2]!)}`, perMillion: false };
  }
  // A name that would bill a base quantity a second time bills nothing.
  return found && !BASE_QUANTITIES.has(found.quantity) ? found : null;
}

function readQuantity(name: string, value: unknown): bigint {
  let quantity: bigint | null = null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) quantity = BigInt(value);
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) quantity = BigInt(value);
  if (quantity === null || quantity > MAX_QUANTITY) {
    throw new CostError(`usage ${shown(name)} must be a whole number from 0 to 10^15`);
  }
  return quantity;
}

function minuteOfDay(time: string): number {
  const [hours = '0', minutes = '0'] = time.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** Whether a tier's conditions hold for a prompt of `promptTokens` at minute `minute` of the UTC day. */
function tierHolds(tier: CostTier, promptTokens: number, minute: number): boolean {
  if (tier.min_prompt_tokens !== undefined && promptTokens < tier.min_prompt_tokens) return false;
  if (tier.max_prompt_tokens !== undefined && promptTokens > tier.max_prompt_tokens) return false;
  if (tier.utc_start === undefined && tier.utc_end === undefined) return true;
  const start = minuteOfDay(tier.utc_start ?? '00:00');
  const end = minuteOfDay(tier.utc_end ?? '24:00');
  // Start inclusive, end exclusive; an end before the start wraps past midnight.
  return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The tier that applies: of those whose conditions all hold, the one with the largest
 * `min_prompt_tokens` (the most specific; LiteLLM's highest threshold exceeded), the later on a tie.
 */
function chooseTier(tiers: readonly CostTier[], promptTokens: bigint, at: Date): number | null {
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  // A count of tokens, not money: at most 4 × 10^15, exact as a number.
  const prompt = Number(promptTokens);
  let chosen: number | null = null;
  tiers.forEach((tier, index) => {
    if (!tierHolds(tier, prompt, minute)) return;
    const best = chosen === null ? -1 : (tiers[chosen]!.min_prompt_tokens ?? 0);
    if ((tier.min_prompt_tokens ?? 0) >= best) chosen = index;
  });
  return chosen ?? beyondLastRange(tiers, prompt);
}

/**
 * A prompt larger than every prompt-size range (LiteLLM's `tiered_pricing`, whose base prices are
 * the first, cheapest range's) is billed at the range that reaches furthest, as if it extended
 * upwards: never at the cheapest prices because the table stopped. Null when an open-ended
 * prompt tier exists or the prompt is within some range (then no tier applies by design).
 */
function beyondLastRange(tiers: readonly CostTier[], prompt: number): number | null {
  const ranges = tiers
    .map((tier, index) => ({ tier, index }))
    .filter(({ tier }) => tier.utc_start === undefined && tier.utc_end === undefined);
  if (ranges.length === 0 || ranges.some(({ tier }) => tier.max_prompt_tokens === undefined)) return null;
  const furthest = ranges.reduce((a, b) => (b.tier.max_prompt_tokens! >= a.tier.max_prompt_tokens! ? b : a));
  return prompt > furthest.tier.max_prompt_tokens! ? furthest.index : null;
}

/**
 * The prices in force for the request (the base prices, with those the tier names in their place),
 * by the quantity each bills; and those above zero no quantity can bill (a unit not one word).
 */
function priceKinds(
  prices: CostPrices,
  tier: CostTier | null,
): { kinds: Map<string, PriceKind>; unnamed: string[] } {
  const kinds = new Map<string, PriceKind>();
  const unnamed: string[] = [];
  const tierExtra = tier?.extra_prices ?? {};
  for (const [field, quantity, perMillion, tierKey] of BASE_KINDS) {
    let price = prices[field];
    if (tier && tierKey !== null) price = tier[tierKey] ?? price;
    // A tier has no request or image field: buildTier keeps those among its extra prices.
    if (field === 'request_price') price = tierExtra.request_per_request ?? price;
    if (field === 'image_price') price = tierExtra.image_per_image ?? tierExtra.image_as_given ?? price;
    if (price !== null) kinds.set(quantity, { field, quantity, perMillion, price });
  }
  const extras = { ...prices.extra, ...tierExtra };
  for (const name of Object.keys(extras).sort()) {
    if (TIER_BASE_EXTRAS.has(name)) continue;
    const billed = usageQuantityOf(name);
    if (billed) kinds.set(billed.quantity, { field: `extra.${name}`, price: extras[name]!, ...billed });
    else if (!isZeroDecimal(extras[name]!)) unnamed.push(`extra.${name}`);
  }
  return { kinds, unnamed };
}

function stateError(prices: CostPrices): string | null {
  if (prices.state === 'variable') return 'the model is a router whose price depends on the model it picks';
  if (prices.state === 'unpriced') return 'the model has no price';
  return null;
}

/** Every quantity the usage names, read; and the input tokens not charged at a cache price. */
function readUsage(usage: CostUsage, inputIncludesCache: boolean): Map<string, bigint> {
  const quantities = new Map<string, bigint>();
  for (const name of Object.keys(usage)) quantities.set(name, readQuantity(name, usage[name]));
  if (quantities.size === 0) throw new CostError('usage names no quantity');
  const cached = CACHE_QUANTITIES.reduce((sum, name) => sum + (quantities.get(name) ?? 0n), 0n);
  const input = quantities.get('input_tokens');
  if (inputIncludesCache && input !== undefined) {
    if (input < cached)
      throw new CostError(
        'input_tokens is smaller than the cache reads and writes it includes (input_includes_cache is true)',
      );
    quantities.set('input_tokens', input - cached);
  }
  return quantities;
}

/** The prompt's size, for prompt-size tiers: uncached input plus cache reads and writes. */
function promptSize(quantities: ReadonlyMap<string, bigint>): bigint {
  return ['input_tokens', ...CACHE_QUANTITIES].reduce((sum, name) => sum + (quantities.get(name) ?? 0n), 0n);
}

function charge(kind: PriceKind, quantity: bigint): CostLine {
  const product = multiplyDecimal(kind.price, quantity);
  return {
    price_field: kind.field,
    unit_price: kind.price,
    quantity: quantity.toString(),
    amount: kind.perMillion ? shiftDecimal(product, -6) : product,
  };
}

function lineFor(prices: CostPrices, kinds: ReadonlyMap<string, PriceKind>, name: string, quantity: bigint) {
  const kind = kinds.get(name);
  if (!kind) {
    if (quantity === 0n) return null;
    throw new CostError(`usage ${shown(name)} is given, but the model has no price for it`);
  }
  if (name === 'images' && prices.provider === 'openrouter' && quantity > 0n) {
    throw new CostError(
      "OpenRouter's image price has no single unit (per token for some models, per image for others): images cannot be billed",
    );
  }
  return charge(kind, quantity);
}

/** The cost of one request of `usage` on a model with `prices`, or why it cannot be priced. */
export function requestCost(prices: CostPrices, usage: CostUsage, options: CostOptions): RequestCost {
  const refused = stateError(prices);
  if (refused) return { ok: false, error: refused };
  try {
    const quantities = readUsage(usage, options.inputIncludesCache);
    const tierIndex = chooseTier(prices.tiers, promptSize(quantities), options.at);
    const tier = tierIndex === null ? null : prices.tiers[tierIndex]!;
    const { kinds, unnamed } = priceKinds(prices, tier);
    const lines: CostLine[] = [];
    for (const [name, quantity] of [...quantities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const line = lineFor(prices, kinds, name, quantity);
      if (line) lines.push(line);
    }
    const unbilled = [...kinds.values()]
      .filter((kind) => !quantities.has(kind.quantity) && !isZeroDecimal(kind.price))
      .map((kind) => kind.field)
      .concat(unnamed);
    return {
      ok: true,
      cost_usd: sumDecimals(lines.map((line) => line.amount)),
      lines,
      tier: tierIndex === null ? null : { index: tierIndex, ...tier },
      unbilled_price_kinds: unbilled,
      warnings: prices.state === 'missing' ? ['missing'] : [],
    };
  } catch (error) {
    if (error instanceof CostError || error instanceof DecimalError)
      return { ok: false, error: error.message };
    throw error;
  }
}
