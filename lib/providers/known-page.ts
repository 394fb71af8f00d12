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
 * never uses another's layout), so a known page's bytes are those the layout was found in; the
 * layout carries a check over that digest and its numbers (layoutCheck), so numbers changed in the
 * stored text (an edit, a corruption) are never used: its item count decides what page comes next;
 * and a layout that does not fit the bytes (a `[` at `open`, a `]` at `close`, an envelope that
 * parses) is not used either. Such a page is scanned as if it were not known.
 */
export interface KnownPage {
  /** pageKey() of the page's body. */
  key: string;
  /** The item array's `[` and `]` in the body's bytes. */
  open: number;
  close: number;
  /** Items in the array. */
  count: number;
  /** layoutCheck() of the body and these numbers. */
  check: string;
}

/** Most pages a fingerprint keeps (~105 characters each); a longer listing keeps none. */
export const MAX_KNOWN_PAGES = 1_000;

const PAGE_KEY_VERSION = 'page-key v1';

export function pageKey(salt: string, bodyDigest: string): string {
  return createHash('sha256').update(`${PAGE_KEY_VERSION}\n${salt}\n${bodyDigest}`).digest('hex');
}

/** 16 hex digits of SHA-256 over the page's body digest, under the salt, and its layout's numbers. */
export function layoutCheck(
  salt: string,
  bodyDigest: string,
  { open, close, count }: Pick<KnownPage, 'open' | 'close' | 'count'>,
): string {
  return createHash('sha256')
    .update(`${PAGE_KEY_VERSION} layout\n${salt}\n${bodyDigest}\n${open}:${close}:${count}`)
    .digest('hex')
    .slice(0, 16);
}

/** The layout the scan found in a page, with its key and check. */
export function knownPageOf(
  salt: string,
  bodyDigest: string,
  layout: Pick<KnownPage, 'open' | 'close' | 'count'>,
): KnownPage {
  const { open, close, count } = layout;
  return { key: pageKey(salt, bodyDigest), open, close, count, check: layoutCheck(salt, bodyDigest, layout) };
}

/** Whether a stored layout is one found in a body of this digest under this salt, its numbers unchanged. */
export function layoutHolds(salt: string, bodyDigest: string, page: KnownPage): boolean {
  return page.check === layoutCheck(salt, bodyDigest, page);
}

/** The stored layout of a body of this digest, if there is one and it holds. */
export function knownLayoutOf(
  known: ReadonlyMap<string, KnownPage> | undefined,
  salt: string,
  bodyDigest: string,
): KnownPage | undefined {
  const stored = known?.get(pageKey(salt, bodyDigest));
  return stored && layoutHolds(salt, bodyDigest, stored) ? stored : undefined;
}

/**
 * The envelope of a known page's body, its item array holding `count` placeholders (as
 * `bodyWithItems` gives it after a scan), or null when the layout does not fit the bytes.
 */
export function envelopeOfKnownPage(
  input: Uint8Array,
  itemsKey: string,
  page: Pick<KnownPage, 'open' | 'close' | 'count'>,
): Record<string, unknown> | null {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { open, close, count } = page;
  // Each item takes a byte and all but the last a comma: 2 × count bytes at most from `[` to `]`.
  if (!(open >= 0 && open < close && close < bytes.length && 2 * count <= close - open)) return null;
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
