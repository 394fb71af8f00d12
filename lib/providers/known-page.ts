import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/**
 * A page of a paged listing as the scan found it (json-items.ts), kept with the provider's
 * fingerprint (catalog-fingerprint.ts) so that the next sync that receives the very same bytes
 * need not scan them to read the page's envelope: an unchanged re-sync then reads the envelope
 * (what comes next, how many items) from its stored layout, and scans the page only if the
 * catalog has to be built after all (another page changed). Issue 29: the scan of every page was
 * most of what an unchanged re-sync did besides fetching.
 *
 * What keeps it exact: the key is the SHA-256 of the page's body digest (itself SHA-256 of its
 * bytes) under the item digests' salt (the build and price bounds: a build whose scan differs
 * never uses another's layout), so a known page's bytes are those the layout was found in; and a
 * layout that does not fit the bytes (a `[` at `open`, a `]` at `close`, an envelope that parses)
 * is not used: the page is scanned as if it were not known.
 */
export interface KnownPage {
  /** pageKey() of the page's body. */
  key: string;
  /** The item array's `[` and `]` in the body's bytes. */
  open: number;
  close: number;
  /** Items in the array. */
  count: number;
}

/** Most pages a fingerprint keeps (~90 characters each); a longer listing keeps none. */
export const MAX_KNOWN_PAGES = 1_000;

const PAGE_KEY_VERSION = 'page-key v1';

export function pageKey(salt: string, bodyDigest: string): string {
  return createHash('sha256').update(`${PAGE_KEY_VERSION}\n${salt}\n${bodyDigest}`).digest('hex');
}

/**
 * The envelope of a known page's body, its item array holding `count` placeholders (as
 * `bodyWithItems` gives it after a scan), or null when the layout does not fit the bytes.
 */
export function envelopeOfKnownPage(
  input: Uint8Array,
  itemsKey: string,
  page: KnownPage,
): Record<string, unknown> | null {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { open, close, count } = page;
  if (!(open >= 0 && open < close && close < bytes.length && count <= close - open)) return null;
  if (bytes[open] !== 0x5b || bytes[close] !== 0x5d) return null;
  // TextDecoder drops one leading byte-order mark, as the scan does.
  const begin = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', begin, open + 1) + bytes.toString('utf8', close));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const envelope = json as Record<string, unknown>;
  const items = envelope[itemsKey];
  if (!Array.isArray(items) || items.length !== 0) return null;
  envelope[itemsKey] = new Array<null>(count).fill(null);
  return envelope;
}
