import type { z } from 'zod';
import { ProviderError } from '../provider-http/provider-error.js';
import { findUnstorableText, isStorableText, storableText } from '../text/storable-text.js';
import { itemBytesDigest, itemDigest, type ItemDigesting } from './item-digest.js';
import { scanItems, type ScannedItems } from './json-items.js';
import type { DigestedBody } from '../provider-http/provider-http-client.js';
import {
  perBasePrice,
  type InvalidItem,
  type NormalizedCatalog,
  type PriceRecord,
  type ProviderSlug,
} from './price-record.js';

/** Longest model id accepted; longer ones are hostile or broken, not models. */
export const MAX_MODEL_ID_LENGTH = 512;
/** Longest id kept in an invalid-item report. */
const MAX_REPORTED_ID_LENGTH = 120;

/** Keys that would reach an object's prototype if copied naively; never used as ids or keys. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

/**
 * The item's id for a report, if it has a usable one: shortened, and with any NUL or lone surrogate
 * written as an escape so the report itself can always be stored.
 */
export function reportedId(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  return storableText(id.length > MAX_REPORTED_ID_LENGTH ? `${id.slice(0, MAX_REPORTED_ID_LENGTH)}…` : id);
}

/** The id of a wire item before validation, for reporting why it was skipped. */
export function idOfUnknownItem(item: unknown, idKey: string): string | null {
  if (typeof item !== 'object' || item === null || !Object.hasOwn(item, idKey)) return null;
  return reportedId((item as Record<string, unknown>)[idKey]);
}

/** A short, readable reason from a zod error: the first issue with its path. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${issue.message}${more}`;
}

/** Validates a whole payload's envelope; a mismatch is a `schema` ProviderError for the whole fetch. */
export function parseEnvelope<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
  context: { provider: string; url: string },
  /**
   * A check that accepts only payloads the schema accepts as they are (property-tested against it):
   * those are returned without zod, which copies the item array of every page (~100 pages a sync).
   */
  isPlain?: (payload: unknown) => payload is z.output<Schema>,
): z.output<Schema> {
  if (isPlain?.(payload)) return payload;
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new ProviderError(
      `${context.provider}: payload from ${context.url} has the wrong shape: ${describeZodError(result.error)}`,
      {
        reason: 'schema',
        provider: context.provider,
        url: context.url,
        retryable: false,
        cause: result.error,
      },
    );
  }
  return result.data;
}

/**
 * A catalog body's JSON and its `key` items. When the sync digests items (`scan`) and the body's
 * bytes are at hand, the items are found in the bytes (json-items.ts) and only the rest is parsed:
 * `json[key]` then holds as many placeholders (nulls), for the envelope's checks and counts, and
 * `scanned` the items themselves. Otherwise (or when the scan gives up) the body is parsed whole, as
 * it always was, and fails exactly as it did.
 */
export function bodyWithItems(
  body: DigestedBody,
  key: string,
  scan: boolean,
): { json: unknown; scanned: ScannedItems | null } {
  const scanned = scan && body.bytes ? scanItems(body.bytes(), key) : null;
  if (scanned === null) return { json: body.json(), scanned: null };
  const json = JSON.parse(scanned.envelope) as Record<string, unknown>;
  json[key] = new Array<null>(scanned.count).fill(null);
  return { json, scanned };
}

/**
 * Every record's layout, spread first into each new one: V8 then clones the layout in one step,
 * where building the base prices per record (perBasePrice) took twice as long (~1.0 against
 * ~0.5 µs a record, best of 7 × 100,000 on the 2-core machine; a record per item of every catalog).
 */
const EMPTY_RECORD: PriceRecord = {
  provider: '',
  modelId: '',
  state: 'unpriced',
  ...perBasePrice('field', () => null),
  extraPrices: {},
  tiers: [],
  contextLength: null,
  aliasOf: null,
};

/** A record with no prices yet; normalizers fill in what the provider gives. */
export function emptyRecord(provider: ProviderSlug, modelId: string): PriceRecord {
  return { ...EMPTY_RECORD, provider, modelId, extraPrices: {}, tiers: [] };
}

/** PriceRecord's own keys: text of ours, so the storable check need not test them for every record. */
const RECORD_KEYS: ReadonlySet<string> = new Set(Object.keys(emptyRecord('provider', 'model')));

/**
 * `findUnstorableText(record)`, without testing the record's own keys (13 per record, every record
 * of every catalog) or its model id when `acceptId` already tested it. Any other key, and every
 * value, nested ones included, is tested as before.
 */
function unstorableRecordText(record: PriceRecord, acceptedId: string): string | null {
  const fields = record as unknown as Record<string, unknown>;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (!RECORD_KEYS.has(key)) {
      const found = findUnstorableText({ [key]: value });
      if (found !== null) return found;
    } else if (typeof value === 'string') {
      if ((key !== 'modelId' || value !== acceptedId) && !isStorableText(value)) return key;
    } else if (typeof value === 'object' && value !== null) {
      const found = findUnstorableText(value, key);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Thrown inside a normalizer for one bad item; caught per item and reported, never escapes. */
export class InvalidItemError extends Error {
  override readonly name = 'InvalidItemError';
}

/**
 * Collects records and skipped items for one catalog. Rejects ids that are too long, prototype
 * keys, text Postgres cannot store, and duplicates (the first occurrence wins) so nothing
 * downstream has to.
 */
export class CatalogBuilder {
  private readonly seen = new Set<string>();
  readonly records: PriceRecord[] = [];
  readonly invalid: InvalidItem[] = [];
  /** Usable ids of listed items that could not be read: their stored rows are kept as they are. */
  readonly unreadableIds: string[] = [];
  /** With `digesting`: each listed item's digest (records and skipped), in listing order. */
  private readonly itemDigests = new Map<string, string>();
  /** With `digesting`: ids of items not normalized, their stored rows standing for them. */
  private readonly skippedIds: string[] = [];

  /** `digesting`: digest each item of `addItem` (item-digest.ts), and skip those it says are unchanged. */
  constructor(private digesting?: ItemDigesting) {}

  /** Items added from now on are skipped when `unchanged` says so (a paged catalog learns it at build). */
  skipUnchanged(unchanged: ItemDigesting['unchanged'], unchangedId?: ItemDigesting['unchangedId']): void {
    if (this.digesting) this.digesting = { ...this.digesting, unchanged, unchangedId };
  }

  /** Checks a model id; returns false (and records why) if the item must be skipped. */
  acceptId(id: string): boolean {
    if (id.length === 0 || id.length > MAX_MODEL_ID_LENGTH) {
      this.skip(id, `model id must be 1..${MAX_MODEL_ID_LENGTH} characters, got ${id.length}`);
      return false;
    }
    if (isPrototypeKey(id)) {
      this.skip(id, 'model id is a reserved object key');
      return false;
    }
    if (!isStorableText(id)) {
      this.skip(id, 'model id holds a NUL or a lone surrogate, which Postgres cannot store');
      return false;
    }
    return this.acceptStoredId(id);
  }

  /**
   * acceptId's last check, and all of it for the id of a stored row an item's digest stands for:
   * a duplicate is refused.
   */
  private acceptStoredId(id: string): boolean {
    if (this.seen.has(id)) {
      this.skip(id, 'duplicate model id; the first occurrence was kept');
      return false;
    }
    this.seen.add(id);
    return true;
  }

  skip(id: unknown, reason: string): void {
    this.invalid.push({ id: reportedId(id), reason: storableText(reason) });
  }

  /**
   * Runs one item's normalization, turning an `InvalidItemError` (or a record holding text Postgres
   * cannot store) into a skipped item. The id stays listed: its stored row is neither changed nor
   * marked missing.
   */
  add(id: string, build: () => PriceRecord): void {
    if (this.acceptId(id)) this.addAccepted(id, build);
  }

  /**
   * `add` for a wire item: with `digesting`, the item is digested first, and one its stored row
   * was written from is skipped (counted as listed, never normalized).
   */
  addItem(id: string, item: unknown, normalize: (item: unknown) => PriceRecord): void {
    if (!this.acceptId(id)) return;
    const digesting = this.digesting;
    if (!digesting) {
      this.addAccepted(id, () => normalize(item));
      return;
    }
    const digest = itemDigest(digesting.salt, item);
    if (digesting.unchanged?.(id, digest)) {
      this.itemDigests.set(id, digest);
      this.skippedIds.push(id);
    } else if (this.addAccepted(id, () => normalize(item))) {
      this.itemDigests.set(id, digest);
    }
  }

  /**
   * `addItem` for item `index` of a page scanned in its bytes (json-items.ts): digested by its bytes
   * (itemBytesDigest), and one its stored row was written from is skipped without being parsed;
   * any other is parsed from its bytes and goes on as `addCatalogItems` takes a parsed item.
   */
  addItemBytes(
    scanned: ScannedItems,
    index: number,
    idKey: string,
    normalize: (item: unknown) => PriceRecord,
  ): void {
    const start = scanned.starts[index]!;
    const end = scanned.ends[index]!;
    const digesting = this.digesting;
    const digest = digesting ? itemBytesDigest(digesting.salt, scanned.bytes, start, end) : null;
    const storedId = digest === null ? undefined : digesting?.unchangedId?.(digest);
    if (storedId !== undefined) {
      // The item's bytes are those this model's row was written from: the item is that model's (a
      // second copy of it is a duplicate, reported as one). Its id passed acceptId's other checks
      // when the row was written from these bytes by this build (the digest's salt holds the build).
      if (this.acceptStoredId(storedId)) {
        this.itemDigests.set(storedId, digest!);
        this.skippedIds.push(storedId);
      }
      return;
    }
    // The scan checked the whole page as JSON.parse would: each item's bytes parse on their own.
    this.addListed(JSON.parse(scanned.bytes.toString('utf8', start, end)), idKey, normalize, digest);
  }

  /**
   * An item as listed: one without a string `idKey` is skipped; any other goes through `addItem`,
   * or, with `bytesDigest` (its digest taken from its bytes), is checked and normalized and keeps
   * that digest.
   */
  addListed(
    item: unknown,
    idKey: string,
    normalize: (item: unknown) => PriceRecord,
    bytesDigest: string | null = null,
  ): void {
    const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
    const id = isObject && Object.hasOwn(item, idKey) ? (item as Record<string, unknown>)[idKey] : undefined;
    if (typeof id !== 'string') {
      this.skip(idOfUnknownItem(item, idKey), `${idKey}: expected a string`);
      return;
    }
    if (bytesDigest === null) this.addItem(id, item, normalize);
    else if (this.acceptId(id) && this.addAccepted(id, () => normalize(item)))
      this.itemDigests.set(id, bytesDigest);
  }

  /** Normalizes an accepted id's item; false when it was unreadable (and reported so). */
  private addAccepted(id: string, build: () => PriceRecord): boolean {
    try {
      const record = build();
      const unstorable = unstorableRecordText(record, id);
      if (unstorable !== null) {
        throw new InvalidItemError(
          `${unstorable}: holds a NUL or a lone surrogate, which Postgres cannot store`,
        );
      }
      this.records.push(record);
      return true;
    } catch (error) {
      if (!(error instanceof InvalidItemError)) throw error;
      this.seen.delete(id);
      this.unreadableIds.push(id);
      this.skip(id, error.message);
      return false;
    }
  }

  finish(): NormalizedCatalog {
    const catalog = { records: this.records, invalid: this.invalid, unreadableIds: this.unreadableIds };
    if (!this.digesting) return catalog;
    return { ...catalog, itemDigests: this.itemDigests, skippedIds: this.skippedIds };
  }
}

/**
 * The shared catalog loop for a provider whose listing is an array of items, each naming its model
 * id under `idKey`: an item without a string id is skipped, every other one goes through
 * `CatalogBuilder.add`.
 */
export function buildCatalog(
  items: readonly unknown[],
  idKey: string,
  normalize: (item: unknown) => PriceRecord,
): NormalizedCatalog {
  const catalog = new CatalogBuilder();
  addCatalogItems(catalog, items, idKey, normalize);
  return catalog.finish();
}

/**
 * Items normalized between two turns of the event loop (a large page, the cost map's entries): a
 * few milliseconds of work at a time.
 */
export const ITEMS_PER_TURN = 2_000;

/** Lets pending I/O callbacks (a database reply, a fetched page) run before going on. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * `buildCatalog`, giving the event loop a turn every ITEMS_PER_TURN items: OpenRouter's one page of
 * 8,333 models took ~100 ms in one go, in which the other providers' pages and connections waited.
 */
export async function buildCatalogInTurns(
  items: PageItems,
  idKey: string,
  normalize: (item: unknown) => PriceRecord,
  digesting?: ItemDigesting,
): Promise<NormalizedCatalog> {
  const catalog = new CatalogBuilder(digesting);
  const count = isScanned(items) ? items.count : items.length;
  for (let start = 0; start < count; start += ITEMS_PER_TURN) {
    if (start > 0) await nextTurn();
    addPageItems(catalog, items, idKey, normalize, start, Math.min(count, start + ITEMS_PER_TURN));
  }
  return catalog.finish();
}

/** A page's items: parsed, or found in its bytes (json-items.ts) and parsed only when needed. */
export type PageItems = readonly unknown[] | ScannedItems;

export function isScanned(items: PageItems): items is ScannedItems {
  return !Array.isArray(items);
}

/** Items `from` to `to` of a page (all of them by default) into the catalog. */
export function addPageItems(
  catalog: CatalogBuilder,
  items: PageItems,
  idKey: string,
  normalize: (item: unknown) => PriceRecord,
  from = 0,
  to = isScanned(items) ? items.count : items.length,
): void {
  if (!isScanned(items)) {
    addCatalogItems(
      catalog,
      from === 0 && to === items.length ? items : items.slice(from, to),
      idKey,
      normalize,
    );
    return;
  }
  for (let index = from; index < to; index += 1) catalog.addItemBytes(items, index, idKey, normalize);
}

/** A page's items, got now if they were left for later (a known page is scanned only when built). */
function itemsOf(page: PageItems | (() => PageItems)): PageItems {
  return typeof page === 'function' ? page() : page;
}

/**
 * The catalog of a listing read page by page. Normalized as each page arrives (and its parsed JSON
 * let go), unless `deferred`: then the pages are kept (parsed, or as bytes when scanned) and
 * normalized only by `build`, so a sync that finds the bytes unchanged (FetchedSource) never
 * normalizes them. Either way the same catalog as all pages' items at once.
 */
export class PagedCatalog {
  private readonly catalog: CatalogBuilder;
  private readonly pages: (PageItems | (() => PageItems) | null)[] = [];

  constructor(
    private readonly idKey: string,
    private readonly normalize: (item: unknown) => PriceRecord,
    private readonly deferred: boolean,
    digesting?: ItemDigesting,
  ) {
    this.catalog = new CatalogBuilder(digesting);
  }

  /** A page's items, or how to get them (a known page, scanned only when built: known-page.ts). */
  add(items: PageItems | (() => PageItems)): void {
    if (this.deferred) this.pages.push(items);
    else addPageItems(this.catalog, itemsOf(items), this.idKey, this.normalize);
  }

  /**
   * The catalog; the kept pages are normalized with a turn of the event loop between pages, but for
   * the items `unchanged` says their stored rows stand for (pages normalized as they came are not).
   */
  async build(
    unchanged?: ItemDigesting['unchanged'],
    unchangedId?: ItemDigesting['unchangedId'],
  ): Promise<NormalizedCatalog> {
    if (unchanged) this.catalog.skipUnchanged(unchanged, unchangedId);
    for (let index = 0; index < this.pages.length; index += 1) {
      if (index > 0) await nextTurn();
      addPageItems(this.catalog, itemsOf(this.pages[index] ?? []), this.idKey, this.normalize);
      this.pages[index] = null;
    }
    return this.catalog.finish();
  }
}

/**
 * `buildCatalog`'s loop, for a listing read page by page: each page's items are normalized as the
 * page arrives (and its parsed JSON let go), the same catalog as all pages' items at once.
 */
export function addCatalogItems(
  catalog: CatalogBuilder,
  items: readonly unknown[],
  idKey: string,
  normalize: (item: unknown) => PriceRecord,
): void {
  for (const item of items) catalog.addListed(item, idKey, normalize);
}
