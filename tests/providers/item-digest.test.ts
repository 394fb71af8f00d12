import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateOpenRouterCatalog } from '../../dev/replay/generate-catalog.js';
import { PagedCatalog } from '../../lib/providers/catalog-items.js';
import { itemBytesDigest, itemDigest, itemDigestSalt } from '../../lib/providers/item-digest.js';
import { scanItems, type ScannedItems } from '../../lib/providers/json-items.js';
import {
  normalizeOpenRouterCatalog,
  normalizeOpenRouterCatalogInTurns,
  normalizeOpenRouterModel,
} from '../../lib/providers/openrouter/normalize-openrouter.js';
import { catalogHash, itemsHash } from '../../lib/sync/catalog-hash.js';

const SALT = itemDigestSalt('build 1', '10000');

/** A catalog's items with a duplicate, an unreadable item and a non-object among them. */
function itemsWithTrouble(): unknown[] {
  const models: unknown[] = generateOpenRouterCatalog({ seed: 3, size: 40 }).data;
  models.splice(20, 0, structuredClone(models[4]));
  models.splice(30, 0, { id: 'acme/bad', pricing: { prompt: 'cheap' } });
  models.push('not a model');
  return models;
}

const idOf = (item: unknown) => (item as { id: string }).id;

describe('item digests (item-digest.ts)', () => {
  it('digests an item by its content, salted with the build and the price cap', () => {
    const item = { id: 'acme/a', pricing: { prompt: '0.000001', completion: '0.000002' } };
    expect(itemDigest(SALT, item)).toBe(itemDigest(SALT, structuredClone(item)));
    expect(itemDigest(SALT, item)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const changedPrice = { ...item, pricing: { ...item.pricing, completion: '0.000003' } };
    expect(itemDigest(SALT, changedPrice)).not.toBe(itemDigest(SALT, item));
    expect(itemDigest(itemDigestSalt('build 2', '10000'), item)).not.toBe(itemDigest(SALT, item));
    expect(itemDigest(itemDigestSalt('build 1', '5000'), item)).not.toBe(itemDigest(SALT, item));
    // A lone surrogate or a NUL in an item is digested like any other text.
    expect(itemDigest(SALT, { id: 'acme/\ud800\u0000' })).not.toBe(itemDigest(SALT, { id: 'acme/' }));
  });

  it('normalizes as before, with every readable item digested in listing order', async () => {
    const models = itemsWithTrouble();
    const digested = await normalizeOpenRouterCatalogInTurns(models, { salt: SALT });
    const plain = normalizeOpenRouterCatalog(models);
    expect(digested.records).toEqual(plain.records);
    expect(digested.invalid).toEqual(plain.invalid);
    expect(digested.unreadableIds).toEqual(plain.unreadableIds);
    expect(digested.skippedIds).toEqual([]);
    // The first of a duplicate, never the unreadable item or the non-object.
    const firsts = models.filter(
      (item, index) => index !== 20 && typeof item === 'object' && idOf(item) !== 'acme/bad',
    );
    expect([...digested.itemDigests!.keys()]).toEqual(firsts.map(idOf));
    expect(digested.itemDigests!.get(idOf(models[4]))).toBe(itemDigest(SALT, models[4]));
  });

  it('skips the items it is told are unchanged, and reports duplicates and bad items as before', async () => {
    const models = itemsWithTrouble();
    const all = await normalizeOpenRouterCatalogInTurns(models, { salt: SALT });
    const digests = all.itemDigests!;
    // Unchanged: every item but the third and the tenth (as if their prices had changed).
    const changed = new Set([idOf(models[2]), idOf(models[9])]);
    const asked: string[] = [];
    const unchanged = (id: string, digest: string) => {
      asked.push(id);
      return !changed.has(id) && digests.get(id) === digest;
    };
    const skipping = await normalizeOpenRouterCatalogInTurns(models, { salt: SALT, unchanged });
    expect(skipping.records.map((record) => record.modelId)).toEqual([...changed]);
    expect(skipping.records).toEqual(all.records.filter((record) => changed.has(record.modelId)));
    expect(skipping.skippedIds).toHaveLength(all.records.length - 2);
    expect(skipping.invalid).toEqual(all.invalid);
    expect(skipping.unreadableIds).toEqual(all.unreadableIds);
    // Every listed item keeps its digest, so the catalog's hash is the one of the whole catalog.
    expect(skipping.itemDigests).toEqual(digests);
    expect(itemsHash(skipping.itemDigests!)).toBe(itemsHash(digests));
    // The duplicate is never asked about: it is refused before it is digested.
    expect(asked.filter((id) => id === idOf(models[4]))).toHaveLength(1);
  });

  it('a paged catalog kept as parsed skips at build; one normalized as pages arrived cannot', async () => {
    const models = itemsWithTrouble();
    const pages = [models.slice(0, 15), models.slice(15, 30), models.slice(30)];
    // As the sync says it: the digest of each row, none for the first model (its price changed)
    // and none for the unreadable item (never stored).
    const stored = (await normalizeOpenRouterCatalogInTurns(models, { salt: SALT })).itemDigests!;
    const unchanged = (id: string, digest: string) => id !== idOf(models[0]) && stored.get(id) === digest;
    const deferred = new PagedCatalog('id', normalizeOpenRouterModel, true, { salt: SALT });
    const eager = new PagedCatalog('id', normalizeOpenRouterModel, false, { salt: SALT });
    for (const page of pages) {
      deferred.add(page);
      eager.add(page);
    }
    const skipped = await deferred.build(unchanged);
    expect(skipped.records.map((record) => record.modelId)).toEqual([idOf(models[0])]);
    const built = await eager.build(unchanged);
    expect(built.skippedIds).toEqual([]);
    expect(built.records).toEqual(normalizeOpenRouterCatalog(models).records);
    expect(skipped.itemDigests).toEqual(built.itemDigests);
  });

  it('hashes a digested catalog apart from any hash of records', async () => {
    const models = generateOpenRouterCatalog({ seed: 3, size: 10 }).data;
    const catalog = await normalizeOpenRouterCatalogInTurns(models, { salt: SALT });
    const hash = itemsHash(catalog.itemDigests!);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(catalogHash(catalog.records));
    const reordered = new Map([...catalog.itemDigests!].reverse());
    expect(itemsHash(reordered)).not.toBe(hash);
    const other = await normalizeOpenRouterCatalogInTurns(models, {
      salt: itemDigestSalt('build 2', '10000'),
    });
    expect(itemsHash(other.itemDigests!)).not.toBe(hash);
  });

  it("keeps a digested catalog's hash text (a stored hash stays the provider's) across the update batches", () => {
    // More digests than one hash.update takes, so the batches' joins show: the text is the version
    // line, then each digest and a newline, in listing order, whatever the batching.
    const digests = new Map(Array.from({ length: 10_000 }, (_, index) => [`m${index}`, `d${index}`]));
    const text = `catalog-hash items v2\n${[...digests.values()].map((digest) => `${digest}\n`).join('')}`;
    expect(itemsHash(digests)).toBe(createHash('sha256').update(text).digest('hex'));
    expect(itemsHash(new Map())).toBe(createHash('sha256').update('catalog-hash items v2\n').digest('hex'));
  });

  describe('items digested by their bytes (json-items.ts)', () => {
    const scanned = (items: unknown[]): ScannedItems =>
      scanItems(Buffer.from(JSON.stringify({ data: items })), 'data')!;

    it('digests the bytes exactly: spacing and key order count, and it never equals a parsed digest', () => {
      const digestOf = (text: string, salt = SALT) => {
        const bytes = Buffer.from(`[${text}]`);
        return itemBytesDigest(salt, bytes, 1, bytes.length - 1);
      };
      const text = '{"id":"acme/a","pricing":{"prompt":"0.000001"}}';
      expect(digestOf(text)).toBe(digestOf(text));
      expect(digestOf(text)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(digestOf(text)).not.toBe(digestOf('{"id":"acme/a", "pricing":{"prompt":"0.000001"}}'));
      expect(digestOf(text)).not.toBe(digestOf('{"pricing":{"prompt":"0.000001"},"id":"acme/a"}'));
      expect(digestOf(text, itemDigestSalt('build 2', '10000'))).not.toBe(digestOf(text));
      expect(digestOf(text)).not.toBe(itemDigest(SALT, JSON.parse(text)));
      // 1e999 is not null here: other bytes.
      expect(digestOf('{"id":"a","x":1e999}')).not.toBe(digestOf('{"id":"a","x":null}'));
      // SHA-256 over the prefix, the salt and the bytes, whatever the item's size: small items are
      // copied into a scratch buffer that grows up to 64 KiB, larger ones hashed in place.
      for (const size of [10, 5_000, 60_000, 100_000, 3_000_000]) {
        const item = JSON.stringify({ id: 'acme/large', description: 'x'.repeat(size) });
        expect(digestOf(item)).toBe(
          createHash('sha256').update(`item bytes\n${SALT}`).update(item).digest('base64'),
        );
      }
      expect(digestOf(text)).toBe(createHash('sha256').update(`item bytes\n${SALT}${text}`).digest('base64'));
    });

    it('normalizes a scanned page as the parsed page, digesting each item by its bytes', async () => {
      const models = itemsWithTrouble();
      const page = scanned(models);
      const fromBytes = await normalizeOpenRouterCatalogInTurns(page, { salt: SALT });
      const parsed = await normalizeOpenRouterCatalogInTurns(models, { salt: SALT });
      expect(fromBytes.records).toEqual(parsed.records);
      expect(fromBytes.invalid).toEqual(parsed.invalid);
      expect(fromBytes.unreadableIds).toEqual(parsed.unreadableIds);
      expect([...fromBytes.itemDigests!.keys()]).toEqual([...parsed.itemDigests!.keys()]);
      const fourth = page.bytes.subarray(page.starts[4], page.ends[4]);
      expect(fromBytes.itemDigests!.get(idOf(models[4]))).toBe(
        itemBytesDigest(SALT, page.bytes, page.starts[4]!, page.ends[4]!),
      );
      expect(JSON.parse(fourth.toString())).toEqual(models[4]);
    });

    it('never parses an item its stored row stands for, and still reports its duplicate', async () => {
      const models = itemsWithTrouble();
      const page = scanned(models);
      const stored = (await normalizeOpenRouterCatalogInTurns(page, { salt: SALT })).itemDigests!;
      // Every stored row stands for its item but the third's (its price changed, say).
      const byDigest = new Map(
        [...stored].filter(([id]) => id !== idOf(models[2])).map(([id, digest]) => [digest, id]),
      );
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const catalog = await normalizeOpenRouterCatalogInTurns(page, {
          salt: SALT,
          unchanged: () => false,
          unchangedId: (digest) => byDigest.get(digest),
        });
        // Parsed: the changed item, the unreadable one and the non-object (no row stands for them).
        expect(parse).toHaveBeenCalledTimes(3);
        expect(catalog.records.map((record) => record.modelId)).toEqual([idOf(models[2])]);
        expect(catalog.skippedIds).toEqual([...stored.keys()].filter((id) => id !== idOf(models[2])));
        // The copy of the fifth item (index 20) has the same bytes: a duplicate, as before.
        expect(catalog.invalid.map((item) => item.reason)).toEqual(
          (await normalizeOpenRouterCatalogInTurns(models, { salt: SALT })).invalid.map(
            (item) => item.reason,
          ),
        );
        expect(catalog.itemDigests).toEqual(stored);
      } finally {
        parse.mockRestore();
      }
    });
  });
});
