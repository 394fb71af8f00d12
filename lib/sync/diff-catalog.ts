import { compareDecimal } from '../money/decimal.js';
import type { StoredModel } from '../domain/stored-model.js';
import type { PriceRecord } from '../providers/price-record.js';
import { sameAsStored } from './compare-records.js';

export interface ModelChange {
  modelId: string;
  kind: 'added' | 'changed' | 'restored';
  old: StoredModel | null;
  record: PriceRecord;
  /** For a changed price: which way (input price first, output if input is the same). */
  direction: 'up' | 'down' | null;
}

export interface CatalogDiff {
  added: ModelChange[];
  changed: ModelChange[];
  restored: ModelChange[];
  /** Stored models (not already missing) that the catalog no longer lists. */
  missing: StoredModel[];
  unchanged: number;
}

function directionOf(old: StoredModel, record: PriceRecord): 'up' | 'down' | null {
  const pairs: [string | null, string | null][] = [
    [old.inputUsdPerMillionTokens, record.inputUsdPerMillionTokens],
    [old.outputUsdPerMillionTokens, record.outputUsdPerMillionTokens],
  ];
  for (const [before, after] of pairs) {
    if (before === null || after === null) continue;
    const order = compareDecimal(after, before);
    if (order !== 0) return order > 0 ? 'up' : 'down';
  }
  return null;
}

/**
 * Compares what is stored for a provider with what it lists now. Pure: the same inputs always give
 * the same diff. Fetched ids are unique (the first of a duplicate wins; normalizers report the rest).
 * `unreadableIds` are listed models whose item could not be read: not missing, and not changed.
 */
export function diffCatalog(
  stored: readonly StoredModel[],
  fetched: readonly PriceRecord[],
  unreadableIds: readonly string[] = [],
): CatalogDiff {
  const storedById = new Map(stored.map((model) => [model.modelId, model]));
  const seen = new Set<string>();
  const diff: CatalogDiff = { added: [], changed: [], restored: [], missing: [], unchanged: 0 };
  for (const record of fetched) {
    if (seen.has(record.modelId)) continue;
    seen.add(record.modelId);
    const old = storedById.get(record.modelId);
    if (!old) {
      diff.added.push({ modelId: record.modelId, kind: 'added', old: null, record, direction: null });
    } else if (old.state === 'missing') {
      diff.restored.push({ modelId: record.modelId, kind: 'restored', old, record, direction: null });
    } else if (sameAsStored(old, record)) {
      diff.unchanged += 1;
    } else {
      diff.changed.push({
        modelId: record.modelId,
        kind: 'changed',
        old,
        record,
        direction: directionOf(old, record),
      });
    }
  }
  const listed = new Set(unreadableIds);
  for (const model of stored) {
    if (model.state !== 'missing' && !seen.has(model.modelId) && !listed.has(model.modelId)) {
      diff.missing.push(model);
    }
  }
  return diff;
}
