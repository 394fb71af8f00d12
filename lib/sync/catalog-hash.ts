import { createHash, type Hash } from 'node:crypto';
import { BASE_PRICES, type PriceRecord } from '../providers/price-record.js';
import { byCodeUnit, stableJson } from './compare-records.js';

/**
 * The catalog hash decides whether a sync may skip reading the stored models: equal hashes mean
 * "what was last applied, exactly". So it must change whenever anything that is stored would
 * change, and should not change otherwise. Its text is one line per record, in model id order:
 * the stored fields as a JSON array (the base prices in BASE_PRICES' order), then the extra prices and the tiers as key-sorted JSON. Each
 * part is a complete JSON value and a JSON text holds no raw newline, so two different catalogs
 * never give the same text. A record's other fields (none today) are not stored and not hashed.
 *
 * `v2`: the first definition wrote each record as key-sorted JSON of the whole object, ~3x the
 * text and 2x the time (a 25,000-model re-sync's profile had it at ~70 ms; this is ~25 ms). A hash
 * stored by it differs from this one, which costs each provider one ordinary diff after the upgrade
 * (it writes nothing unless something changed) and then the shortcut again.
 */
const VERSION = 'catalog-hash v2\n';

const BASE_PRICE_FIELDS = BASE_PRICES.map((price) => price.field);

function recordLine(record: PriceRecord): string {
  const stored: (string | number | null)[] = [record.provider, record.modelId, record.state];
  for (let index = 0; index < BASE_PRICE_FIELDS.length; index += 1)
    stored.push(record[BASE_PRICE_FIELDS[index]!]);
  stored.push(record.contextLength, record.aliasOf);
  const fields = JSON.stringify(stored);
  const extra = hasKeys(record.extraPrices) ? stableJson(record.extraPrices) : '{}';
  const tiers = record.tiers.length === 0 ? '[]' : stableJson(record.tiers);
  return `${fields}${extra}${tiers}\n`;
}

function hasKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** Lines per hash.update call: fewer calls into the hash, bounded string size. */
const BATCH = 512;

/**
 * The LiteLLM pass-through entries (model id → the entry as published), in model id order, each
 * as `JSON.stringify` writes it. An entry's own key order is the feed's: a feed that reorders an
 * entry's keys changes the hash once (one diff, which writes nothing), never the other way round.
 * Fed to the hash in batches: at scale 160,000 entries made one string of ~35 MB.
 */
function updateWithEntries(hash: Hash, entries: Record<string, Record<string, unknown>>): void {
  const keys = Object.keys(entries);
  if (keys.length > 1) keys.sort(byCodeUnit);
  let batch = '';
  let inBatch = 0;
  for (const key of keys) {
    const entry = entries[key];
    if (entry === undefined) continue;
    batch += `${JSON.stringify(key)}:${JSON.stringify(entry)}\n`;
    if (++inBatch === BATCH) {
      hash.update(batch);
      batch = '';
      inBatch = 0;
    }
  }
  hash.update(`${batch}entries end\n`);
}

/**
 * What stands for a catalog's LiteLLM pass-through entries in its hash: the entries themselves, or
 * the key of the bytes they were read from (catalog-fingerprint.ts `sourceKey`: the bytes, the build
 * and the price cap). The key is as good as the entries (same bytes and build, same entries) and
 * costs nothing to hash; it also lets the cost map's object tree go once the entries are staged,
 * instead of living until they are hashed (at 250k, ~0.5 s of CPU and the sync's peak RSS).
 */
export type EntriesInHash = { entries: Record<string, Record<string, unknown>> } | { fromSource: string };

/** A hash of a normalized catalog, independent of the order the provider listed it in. */
export function catalogHash(records: readonly PriceRecord[], liteLlmEntries?: EntriesInHash): string {
  const hash = createHash('sha256');
  hash.update(VERSION);
  // LiteLLM's pass-through entries count too: a change of `mode` alone must reach the store.
  if (liteLlmEntries && 'entries' in liteLlmEntries) updateWithEntries(hash, liteLlmEntries.entries);
  else if (liteLlmEntries) hash.update(`entries of source ${liteLlmEntries.fromSource}\n`);
  const sorted = [...records].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  let batch = '';
  for (let index = 0; index < sorted.length; index += 1) {
    batch += recordLine(sorted[index]!);
    if ((index + 1) % BATCH === 0) {
      hash.update(batch);
      batch = '';
    }
  }
  if (batch !== '') hash.update(batch);
  return hash.digest('hex');
}

/**
 * The hash of a digested catalog (item-digest.ts): every listed item's digest, in listing order.
 * Equal hashes mean the same items under the same build and price cap (the digests are salted with
 * both, and each is taken over the whole item, its id included), so the same normalized catalog; a
 * reordered listing only costs one diff. It needs no record, so a catalog whose items were skipped
 * has one. Its text begins with its own version line, so it never equals a hash of records.
 *
 * `v2`: the first definition wrote each item's id (as JSON) before its digest, which the digest
 * already stands for; writing the ids was ~10 ms of a 25,000-model sync. A hash stored by it
 * differs from this one, which costs a provider one ordinary diff when its bytes next change.
 */
export function itemsHash(digests: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  hash.update('catalog-hash items v2\n');
  // Joined by the engine, BATCH lines at a time: a loop of our own over 25,000 digests was hot
  // enough for V8 to optimize it in the background (~13 ms of compiling, measured with
  // --trace-opt) for ~3 ms of work a provider.
  const all = Array.from(digests.values());
  for (let start = 0; start < all.length; start += BATCH)
    hash.update(`${all.slice(start, start + BATCH).join('\n')}\n`);
  return hash.digest('hex');
}
