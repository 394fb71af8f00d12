import { ratioExceeds } from '../money/decimal.js';
import type { StoredModel } from '../db/pricing-store.js';
import type { CatalogDiff, ModelChange } from './diff-catalog.js';
import type { HeldChange, PricePair } from './sync-result.js';

export interface GuardrailSettings {
  /** Hold the provider when the catalog has fewer than this fraction of its stored active models. */
  maxShrink: number;
  /** Hold a model whose input or output price moves by more than this factor (decimal string). */
  maxPriceRatio: string;
}

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
  model: {
    state: string;
    inputUsdPerMillionTokens: string | null;
    outputUsdPerMillionTokens: string | null;
  } | null,
): PricePair | null {
  if (!model) return null;
  return {
    state: model.state,
    input_per_1m: model.inputUsdPerMillionTokens,
    output_per_1m: model.outputUsdPerMillionTokens,
  };
}

function swingOf(change: ModelChange, maxPriceRatio: string): string | null {
  const old = change.old;
  if (!old || old.state !== 'active' || change.record.state !== 'active') return null;
  const pairs: [string, string | null, string | null][] = [
    ['input', old.inputUsdPerMillionTokens, change.record.inputUsdPerMillionTokens],
    ['output', old.outputUsdPerMillionTokens, change.record.outputUsdPerMillionTokens],
  ];
  for (const [name, before, after] of pairs) {
    if (before === null || after === null) continue;
    if (ratioExceeds(before, after, maxPriceRatio)) {
      return `${name} price moved from ${before} to ${after} USD per 1M tokens (more than ${maxPriceRatio}x, or to/from zero)`;
    }
  }
  return null;
}

/**
 * Holds back what looks like a provider glitch. Pure. With `force`, nothing is held.
 * - an empty catalog holds the whole provider;
 * - a catalog with fewer than maxShrink × the stored active models holds the whole provider;
 * - a model whose input or output price moves by more than maxPriceRatio, or to or from zero, is
 *   held while the rest apply.
 */
export function applyGuardrails(
  stored: readonly StoredModel[],
  fetchedCount: number,
  diff: CatalogDiff,
  settings: GuardrailSettings,
  force: boolean,
): GuardedDiff {
  const all = [...diff.added, ...diff.changed, ...diff.restored];
  if (force) return { providerHold: null, apply: all, missing: diff.missing, held: [], heldModels: 0 };

  const active = stored.filter((model) => model.state === 'active').length;
  const wouldChange = all.length + diff.missing.length;
  let providerHold: HeldChange | null = null;
  if (fetchedCount === 0) {
    providerHold = {
      scope: 'provider',
      reason: 'empty_catalog',
      detail: `the provider listed no models (${active} active stored); nothing applied`,
    };
  } else if (active > 0 && fetchedCount < settings.maxShrink * active) {
    providerHold = {
      scope: 'provider',
      reason: 'catalog_shrank',
      detail: `the provider listed ${fetchedCount} models, fewer than ${settings.maxShrink} of the ${active} active stored; nothing applied`,
    };
  }
  if (providerHold) {
    return { providerHold, apply: [], missing: [], held: [providerHold], heldModels: wouldChange };
  }

  const apply: ModelChange[] = [];
  const held: HeldChange[] = [];
  for (const change of all) {
    const swing = change.kind === 'changed' ? swingOf(change, settings.maxPriceRatio) : null;
    if (swing) {
      held.push({
        scope: 'model',
        reason: 'price_swing',
        model_id: change.modelId,
        old: pricePair(change.old),
        new: pricePair(change.record),
        detail: swing,
      });
    } else {
      apply.push(change);
    }
  }
  return { providerHold: null, apply, missing: diff.missing, held, heldModels: held.length };
}
