import { compareDecimalDigits, decimalDigits, ratioExceeds, type DecimalDigits } from '../money/decimal.js';
import { BASE_PRICES, basePricesAs, type PriceRecord } from '../providers/price-record.js';
import type { StoredModel } from '../domain/stored-model.js';
import type { CatalogDiff, ModelChange } from './diff-catalog.js';
import type { HeldChange, PricePair } from './sync-result.js';

export interface GuardrailSettings {
  /** Hold the provider when the catalog lists fewer than this fraction of its stored (non-missing) models. */
  maxShrink: number;
  /** Hold a model whose input or output price moves by more than this factor (decimal string). */
  maxPriceRatio: string;
  /**
   * Hold a model with no old price to compare with (new, or stored without a price) whose price is
   * above this, in USD per 1M tokens (decimal string). `PRICING_SYNC_MAX_NEW_PRICE_PER_1M`.
   */
  maxNewPricePer1m?: string;
}

/** `PRICING_SYNC_MAX_NEW_PRICE_PER_1M`'s default, USD per 1M tokens. */
export const DEFAULT_MAX_NEW_PRICE_PER_1M = '1000';

export interface GuardedDiff {
  /** Set when the whole provider is held: nothing of it is applied. */
  providerHold: HeldChange | null;
  /** Changes to apply (added, changed, restored), without the held ones. */
  apply: ModelChange[];
  /** Models to mark missing. */
  missing: StoredModel[];
  /** Every held change: one entry for a provider hold, or one per held model. */
  held: HeldChange[];
  /** How many models are held back (a provider hold holds every change it would have made). */
  heldModels: number;
}

export function pricePair(
  model: (Omit<StoredModel, 'state' | 'modelId'> & { state: string }) | null,
): PricePair | null {
  if (!model) return null;
  return {
    state: model.state,
    ...basePricesAs('view', model),
    extra: model.extraPrices,
    tiers: model.tiers,
    context_length: model.contextLength,
    alias_of: model.aliasOf,
  };
}

function hasPrice(model: {
  inputUsdPerMillionTokens: string | null;
  outputUsdPerMillionTokens: string | null;
}): boolean {
  return model.inputUsdPerMillionTokens !== null || model.outputUsdPerMillionTokens !== null;
}

/**
 * Why a change looks like a glitch, or null. Compared with the last stored prices (kept while a
 * model is missing, so a restored model is checked too): a price that moves by more than the
 * ratio or to/from zero, a price that disappears, or a priced model that stops being priced.
 */
function swingOf(change: ModelChange, maxPriceRatio: string): string | null {
  const old = change.old;
  if (!old || (old.state !== 'active' && old.state !== 'missing') || !hasPrice(old)) return null;
  const record = change.record;
  if (record.state !== 'active') {
    return `a priced model became ${record.state} (its prices would be removed)`;
  }
  const pairs: [string, string | null, string | null][] = [
    ['input', old.inputUsdPerMillionTokens, record.inputUsdPerMillionTokens],
    ['output', old.outputUsdPerMillionTokens, record.outputUsdPerMillionTokens],
  ];
  for (const [name, before, after] of pairs) {
    if (before === null) continue;
    if (after === null) return `${name} price ${before} USD per 1M tokens disappeared`;
    if (ratioExceeds(before, after, maxPriceRatio)) {
      return `${name} price moved from ${before} to ${after} USD per 1M tokens (more than ${maxPriceRatio}x, or to/from zero)`;
    }
  }
  return null;
}

/** Why a price with nothing to compare it with looks wrong (above the new-model bound), or null. */
function newPriceOf(change: ModelChange, maxNewPrice: MaxNewPrice): string | null {
  if (change.old && (change.old.state === 'active' || change.old.state === 'missing') && hasPrice(change.old))
    return null;
  const record: PriceRecord = change.record;
  // Base prices only: a long-context or peak-hour tier may legitimately cost several times the base.
  for (const base of BASE_PRICES) {
    if (!base.perMillionTokens) continue;
    const price = record[base.field];
    if (typeof price === 'string' && compareDecimalDigits(decimalDigits(price), maxNewPrice.digits) > 0) {
      const name = base.row.replaceAll('_', ' ');
      return `${name} price ${price} USD per 1M tokens of a model with no earlier price is above ${maxNewPrice.text} (PRICING_SYNC_MAX_NEW_PRICE_PER_1M)`;
    }
  }
  return null;
}

/** PRICING_SYNC_MAX_NEW_PRICE_PER_1M as set, and read once per provider (not once per price). */
interface MaxNewPrice {
  text: string;
  digits: DecimalDigits;
}

/**
 * Holds back what looks like a provider glitch. Pure. With `force`, nothing is held.
 * - an empty catalog holds the whole provider;
 * - a catalog listing fewer than maxShrink × the stored models it listed last time (every state but
 *   missing: a mostly unpriced catalog such as Featherless's can collapse too) holds the provider;
 * - a model whose input or output price moves by more than maxPriceRatio, or to or from zero, or
 *   disappears, or that stops being priced, is held while the rest apply;
 * - a model with no earlier price (new, or stored unpriced) whose base price is above maxNewPricePer1m is held
 *   (`new_model_price`): there is no old price to compare a 10x swing with.
 */
export function applyGuardrails(
  stored: readonly StoredModel[],
  fetchedCount: number,
  diff: CatalogDiff,
  settings: GuardrailSettings,
  force: boolean,
  /** Stored models not missing, when `stored` holds only some of them (item-digest.ts). */
  listedStored?: number,
): GuardedDiff {
  const all = [...diff.added, ...diff.changed, ...diff.restored];
  if (force) return { providerHold: null, apply: all, missing: diff.missing, held: [], heldModels: 0 };

  const listed = listedStored ?? stored.filter((model) => model.state !== 'missing').length;
  const wouldChange = all.length + diff.missing.length;
  let providerHold: HeldChange | null = null;
  if (fetchedCount === 0) {
    providerHold = {
      scope: 'provider',
      reason: 'empty_catalog',
      detail: `the provider listed no models (${listed} listed last time); nothing applied`,
    };
  } else if (listed > 0 && fetchedCount < settings.maxShrink * listed) {
    providerHold = {
      scope: 'provider',
      reason: 'catalog_shrank',
      detail: `the provider listed ${fetchedCount} models, fewer than ${settings.maxShrink} of the ${listed} it listed last time; nothing applied`,
    };
  }
  if (providerHold) {
    return { providerHold, apply: [], missing: [], held: [providerHold], heldModels: wouldChange };
  }

  const apply: ModelChange[] = [];
  const held: HeldChange[] = [];
  const maxNewText = settings.maxNewPricePer1m ?? DEFAULT_MAX_NEW_PRICE_PER_1M;
  const maxNewPrice: MaxNewPrice = { text: maxNewText, digits: decimalDigits(maxNewText) };
  for (const change of all) {
    const swing = change.kind === 'added' ? null : swingOf(change, settings.maxPriceRatio);
    const newPrice = swing === null ? newPriceOf(change, maxNewPrice) : null;
    if (swing || newPrice) {
      held.push({
        scope: 'model',
        reason: swing ? 'price_swing' : 'new_model_price',
        model_id: change.modelId,
        old: pricePair(change.old),
        new: pricePair(change.record),
        detail: (swing ?? newPrice)!,
      });
    } else {
      apply.push(change);
    }
  }
  return { providerHold: null, apply, missing: diff.missing, held, heldModels: held.length };
}
