import { perBasePrice, type PriceRecord } from '../providers/price-record.js';
import type { CatalogDiff, ModelChange } from './diff-catalog.js';
import { pricePair, type GuardedDiff } from './guardrails.js';
import { sameAsStored } from './compare-records.js';
import type { StoredModel } from '../domain/stored-model.js';
import type { HeldChange } from './sync-result.js';
import type { OperatorState } from '../db/operator-store.js';
import type { SyncHold } from '../domain/sync-hold.js';

export interface OperatorPlan {
  /** The guardrails' decision with the operator's on top: pinned models left out, rolled-back values held. */
  guarded: GuardedDiff;
  /** The held changes to record as rows (pricing_record_sync_holds). */
  holds: SyncHold[];
  /** The provider's record of each pinned model it lists, for drift. */
  pinned: PriceRecord[];
}

/** A history-shaped price document (pricing_prices_json) as a stored model, for comparing prices. */
function storedOf(prices: Record<string, unknown>, record: PriceRecord): StoredModel {
  const text = (key: string) => (typeof prices[key] === 'string' ? (prices[key] as string) : null);
  return {
    modelId: record.modelId,
    state: (text('state') ?? 'active') as StoredModel['state'],
    ...perBasePrice('field', (price) => text(price.view)),
    extraPrices: (prices.extra_prices ?? {}) as Record<string, string>,
    tiers: (prices.pricing_tiers ?? []) as StoredModel['tiers'],
    // Only prices count: a rolled-back value is the same value whatever its context length.
    contextLength: record.contextLength,
    aliasOf: record.aliasOf,
  };
}

/**
 * What the operator decided, applied to one provider's guarded diff. Pure.
 * - A pinned model is never written (not changed, not marked missing, not held): its stored price
 *   is the pin. Its price in the feed is reported for drift. `force` does not override a pin.
 * - Unless forced, a change to the value a rollback reverted from (the model's latest history row
 *   is that rollback) is held with reason `rolled_back` instead of being applied again.
 * - Every held change becomes a row to record: a model's with the exact proposed prices (what an
 *   approval applies), a provider-level hold's with the models it would mark missing.
 * - Unless forced, a change to a value an admin rejected for that model is neither applied nor held
 *   again: the stored price stays. (The database also opens no row for it, and keeps a rejected
 *   provider-level hold from opening a row again.)
 */
export function planOperatorEffects(
  guarded: GuardedDiff,
  diff: CatalogDiff,
  records: readonly PriceRecord[],
  state: OperatorState,
  force: boolean,
): OperatorPlan {
  const pins = new Set(state.pins);
  const pinned = pinnedPrices(records, pins);
  if (guarded.providerHold) {
    const hold = guarded.providerHold;
    const missing = diff.missing
      .map((model) => model.modelId)
      .filter((id) => !pins.has(id))
      .sort();
    return {
      guarded,
      holds: [{ scope: 'provider', reason: hold.reason, detail: hold.detail, missing }],
      pinned,
    };
  }

  const changes = new Map<string, ModelChange>();
  for (const change of [...diff.added, ...diff.changed, ...diff.restored])
    changes.set(change.modelId, change);
  const { apply, held } = withOperatorDecisions(guarded, changes, state, force, pins);
  return {
    guarded: {
      providerHold: null,
      apply,
      missing: guarded.missing.filter((model) => !pins.has(model.modelId)),
      held,
      heldModels: held.length,
    },
    holds: heldRows(held, changes),
    pinned,
  };
}

/** The provider's record of each pinned model it lists (the first listing of a model), for drift. */
function pinnedPrices(records: readonly PriceRecord[], pins: ReadonlySet<string>): OperatorPlan['pinned'] {
  const pinned: OperatorPlan['pinned'] = [];
  if (pins.size === 0) return pinned;
  const seen = new Set<string>();
  for (const record of records) {
    if (!pins.has(record.modelId) || seen.has(record.modelId)) continue;
    seen.add(record.modelId);
    pinned.push(record);
  }
  return pinned;
}

/** What is applied and what is held once pins, rejected and rolled-back values are taken into account. */
function withOperatorDecisions(
  guarded: GuardedDiff,
  changes: ReadonlyMap<string, ModelChange>,
  state: OperatorState,
  force: boolean,
  pins: ReadonlySet<string>,
): { apply: ModelChange[]; held: HeldChange[] } {
  const rejected = new Map<string, Record<string, unknown>[]>();
  for (const [modelId, prices] of force ? [] : (state.rejected ?? [])) {
    rejected.set(modelId, [...(rejected.get(modelId) ?? []), prices]);
  }
  const wasRejected = (change: ModelChange) =>
    (rejected.get(change.modelId) ?? []).some((prices) =>
      sameAsStored(storedOf(prices, change.record), change.record),
    );

  const rolledBack = new Map(force ? [] : state.rolledBack);
  const apply: ModelChange[] = [];
  const held: HeldChange[] = guarded.held.filter((change) => {
    if (change.model_id === undefined) return true;
    if (pins.has(change.model_id)) return false;
    const proposed = changes.get(change.model_id);
    // Rejected before: the stored price stays, and the same value is not held again.
    return !(proposed && wasRejected(proposed));
  });
  for (const change of guarded.apply) {
    if (pins.has(change.modelId)) continue;
    const reverted = rolledBack.get(change.modelId);
    if (reverted && sameAsStored(storedOf(reverted, change.record), change.record)) {
      if (wasRejected(change)) continue;
      held.push({
        scope: 'model',
        reason: 'rolled_back',
        model_id: change.modelId,
        old: pricePair(change.old),
        new: pricePair(change.record),
        detail:
          'the provider still lists the price a rollback reverted; held for an admin instead of applied again',
      });
      continue;
    }
    apply.push(change);
  }
  return { apply, held };
}

/** Each held model change as a row to record, with the exact proposed prices (what an approval applies). */
function heldRows(held: readonly HeldChange[], changes: ReadonlyMap<string, ModelChange>): SyncHold[] {
  const holds: SyncHold[] = [];
  for (const change of held) {
    const proposed = change.model_id === undefined ? undefined : changes.get(change.model_id);
    if (!proposed) continue;
    holds.push({
      scope: 'model',
      reason: change.reason,
      detail: change.detail,
      record: proposed.record,
    });
  }
  return holds;
}
