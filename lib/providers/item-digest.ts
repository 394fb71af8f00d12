import { Buffer } from 'node:buffer';
// A namespace import: `hash` is Node 20.12's, and a named import of it would fail to load on an
// older Node 20 before any check could run.
import * as crypto from 'node:crypto';

/** crypto.hash (Node 20.12's one-shot, a third cheaper per call), or createHash on older 20s. */
export function sha256Base64(data: string | Buffer): string {
  return typeof crypto.hash === 'function'
    ? crypto.hash('sha256', data, 'base64')
    : crypto.createHash('sha256').update(data).digest('base64');
}

/**
 * Item digests let a sync skip the items of a catalog that are those it last applied (issue 29):
 * each stored row keeps the digest of the wire item it was written from (`source_digest`), and an
 * item with the same digest is neither normalized nor diffed; its row stands for it.
 *
 * The digest is SHA-256 (base64) over a salt and the item as `JSON.stringify` writes it. The salt
 * is the build and the price cap (catalog-fingerprint.ts `sourceKey` takes the same): the same
 * item under another build or cap may normalize differently, so it is digested differently, and
 * the first sync of a new build normalizes every item again (and stores their new digests).
 * `JSON.stringify` of the parsed item is the item's bytes up to whitespace and escapes, which
 * normalization cannot see either. ~2 µs an item on the 2-core machine (25,000 items ~55 ms).
 *
 * One known blur: a number literal too large for a double (`1e999`) parses to Infinity, which
 * `JSON.stringify` writes as `null`, so such an item digests like the same item with `null` there.
 * Normalizing it would reject it (no normalizer accepts a non-finite number); skipped, its stored
 * row (written from the `null` item) stands for it, so the prices are the same either way, but the
 * item is not reported invalid. Telling them apart would cost a scan of every page's text.
 */
export function itemDigest(salt: string, item: unknown): string {
  return sha256Base64(salt + JSON.stringify(item));
}

/**
 * The digest of an item found in a page's bytes (json-items.ts), without parsing it: SHA-256
 * (base64) over `item bytes`, the salt and the item's bytes exactly as received. Never equal to
 * `itemDigest`'s (the prefix differs), so a row written from a parsed item is not taken for one
 * digested by its bytes: it is normalized once more, and its digest refreshed. Equal bytes parse to
 * the same item, so equal digests stand for the same item as `itemDigest`'s do (there is no
 * Infinity blur here: `1e999` and `null` are different bytes). ~0.7 µs an item of ~400 bytes.
 */
export function itemBytesDigest(salt: string, bytes: Buffer, start: number, end: number): string {
  if (scratchSalt !== salt) {
    scratchSaltLength = Buffer.byteLength(BYTES_PREFIX + salt);
    scratch = Buffer.allocUnsafe(Math.max(scratch.length, scratchSaltLength + 4096));
    scratch.write(BYTES_PREFIX + salt, 0, 'utf8');
    scratchSalt = salt;
  }
  const length = scratchSaltLength + end - start;
  if (length > scratch.length) {
    // A hostile feed's one huge item must not leave a buffer of its size held for good: past
    // SCRATCH_MAX an item is hashed in place, with a Hash object (its cost is the bytes' then).
    if (length > SCRATCH_MAX) {
      return crypto
        .createHash('sha256')
        .update(scratch.subarray(0, scratchSaltLength))
        .update(bytes.subarray(start, end))
        .digest('base64');
    }
    const larger = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, length * 2));
    scratch.copy(larger, 0, 0, scratchSaltLength);
    scratch = larger;
  }
  // One copy into a buffer that starts with the salt, and one one-shot hash: a Hash object per item
  // (update, update, digest) costs twice as much.
  bytes.copy(scratch, scratchSaltLength, start, end);
  return sha256Base64(scratch.subarray(0, length));
}

/** The largest item (with the salt) copied into the scratch buffer; the buffer never grows past it. */
const SCRATCH_MAX = 64 * 1024;
const BYTES_PREFIX = 'item bytes\n';
let scratch = Buffer.allocUnsafe(0);
let scratchSalt: string | null = null;
let scratchSaltLength = 0;

/** The salt of a build and a price cap: what an item's normalization depends on besides the item. */
export function itemDigestSalt(build: string, maxPricePer1m: string): string {
  return `item-digest v1\n${build}\n${maxPricePer1m}\n`;
}

/** How a catalog digests its items, and which of them it may skip. */
export interface ItemDigesting {
  salt: string;
  /**
   * Whether the stored row of `id` was written from an item with this digest, and may stand for
   * it: the item is then not normalized. Absent: every item is normalized (and digested).
   */
  unchanged?: ((id: string, digest: string) => boolean) | undefined;
  /**
   * For items digested by their bytes (never parsed unless needed): the model whose stored row was
   * written from an item with this digest, and may stand for it; undefined when none (or more than
   * one) was. Equal bytes hold the same id, so the item is that model's.
   */
  unchangedId?: ((digest: string) => string | undefined) | undefined;
}
