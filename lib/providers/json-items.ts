import { Buffer, isUtf8 } from 'node:buffer';

/**
 * The items of a JSON document's array, found in its bytes without parsing them (issue 29): a sync
 * digests each item's bytes and parses only the items its stored rows do not stand for
 * (item-digest.ts), where `JSON.parse` of the whole page built every item's object tree first.
 *
 * `scanItems` accepts only what `TextDecoder('utf-8', { fatal: true })` and `JSON.parse` together
 * accept (tests/providers/json-items.test.ts checks it against them on generated and mutated
 * documents), and less: it gives up (null) on anything it does not follow, and the caller then
 * decodes and parses the whole body as before, which fails or not exactly as it always did.
 * It gives up on: bytes that are not UTF-8 or not JSON, a document that is not an object, a
 * document without `key` or whose last `key` (the one `JSON.parse` keeps) is not an array, and
 * nesting deeper than MAX_DEPTH.
 */
export interface ScannedItems {
  /** The document as text with the array emptied (`"key":[]`): what to parse for its envelope. */
  envelope: string;
  /** The bytes the document was scanned in (a view: never copied). */
  bytes: Buffer;
  /** Item `i` is `bytes[starts[i], ends[i])`, with no whitespace around it. */
  starts: Uint32Array;
  ends: Uint32Array;
  count: number;
  /** Where the array is in `bytes`: its `[` at `open`, its `]` at `close` (a page's layout: known-page.ts). */
  open: number;
  close: number;
}

/** Deeper than this the scan gives up (its recursion stays small); `JSON.parse` then decides. */
export const MAX_DEPTH = 200;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether a byte may follow a backslash in a JSON string, `u` (four hex digits) aside. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const char of '"\\/bfnrt') SIMPLE_ESCAPE[char.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const char of '0123456789abcdefABCDEF') HEX[char.charCodeAt(0)] = 1;

// No closure is made per call anywhere in the scan: tsx (tests, bench) wraps each in a naming
// helper that cost more than the scan itself.
function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

class Invalid extends Error {}
const INVALID = new Invalid();

/** The scan; null when it gives up (see ScannedItems). */
export function scanItems(input: Uint8Array, key: string): ScannedItems | null {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isUtf8(bytes)) return null;
  try {
    return new Scan(bytes, Buffer.from(key, 'utf8'), key).document();
  } catch (error) {
    if (error instanceof Invalid) return null;
    throw error;
  }
}

class Scan {
  private at = 0;
  // The items of the last `key` array seen at the top level (JSON.parse keeps the last).
  private open = -1;
  private close = -1;
  private starts = new Uint32Array(64);
  private ends = new Uint32Array(64);
  private count = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly keyBytes: Buffer,
    private readonly key: string,
  ) {}

  document(): ScannedItems | null {
    const { bytes } = this;
    // TextDecoder drops one leading byte-order mark; JSON.parse then never sees it.
    const begin = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    this.at = begin;
    this.space();
    if (bytes[this.at] !== 0x7b) return null;
    this.topObject();
    this.space();
    if (this.at !== bytes.length) throw INVALID;
    if (this.open < 0) return null;
    return {
      envelope: bytes.toString('utf8', begin, this.open + 1) + bytes.toString('utf8', this.close),
      bytes,
      starts: this.starts.subarray(0, this.count),
      ends: this.ends.subarray(0, this.count),
      count: this.count,
      open: this.open,
      close: this.close,
    };
  }

  private space(): void {
    const { bytes } = this;
    let at = this.at;
    for (;;) {
      const byte = bytes[at];
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) at += 1;
      else break;
    }
    this.at = at;
  }

  private expect(byte: number): void {
    if (this.bytes[this.at] !== byte) throw INVALID;
    this.at += 1;
  }

  /** The top-level object: like `object`, but finds the last `key` whose value is an array. */
  private topObject(): void {
    if (this.opens(0x7d)) return;
    do {
      this.space();
      const keyStart = this.at;
      const matches = this.isKey(keyStart, this.string());
      this.member();
      if (!matches) this.value(1);
      else {
        // A later `key` replaces an earlier one, as in JSON.parse (whatever the earlier held).
        this.open = -1;
        this.close = -1;
        this.count = 0;
        if (this.bytes[this.at] === 0x5b) this.items();
        else this.value(1);
      }
    } while (this.more(0x7d));
  }

  /** Past an opening bracket and its whitespace; true when the container closes at once (`{}`, `[]`). */
  private opens(close: number): boolean {
    this.at += 1;
    this.space();
    if (this.bytes[this.at] !== close) return false;
    this.at += 1;
    return true;
  }

  /** Past a key's colon and the whitespace around it. */
  private member(): void {
    this.space();
    this.expect(0x3a);
    this.space();
  }

  /** After a container's value: true at a comma (more follow), false past `close`. */
  private more(close: number): boolean {
    this.space();
    const next = this.bytes[this.at];
    this.at += 1;
    if (next === 0x2c) return true;
    if (next === close) return false;
    throw INVALID;
  }

  /** Whether the string just read (its opening quote at `start`) is `key`. */
  private isKey(start: number, escaped: boolean): boolean {
    const end = this.at - 1;
    if (!escaped) {
      return (
        end - start - 1 === this.keyBytes.length &&
        this.bytes.compare(this.keyBytes, 0, this.keyBytes.length, start + 1, end) === 0
      );
    }
    return JSON.parse(this.bytes.toString('utf8', start, end + 1)) === this.key;
  }

  /** The `key` array: each item's span kept. */
  private items(): void {
    this.open = this.at;
    if (!this.opens(0x5d)) {
      do {
        this.space();
        const start = this.at;
        this.value(2);
        this.push(start, this.at);
      } while (this.more(0x5d));
    }
    this.close = this.at - 1;
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Uint32Array(this.count * 2);
      starts.set(this.starts);
      this.starts = starts;
      const ends = new Uint32Array(this.count * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count += 1;
  }

  private value(depth: number): void {
    const byte = this.bytes[this.at];
    if (byte === QUOTE) this.string();
    else if (byte === 0x7b) this.object(depth + 1);
    else if (byte === 0x5b) this.array(depth + 1);
    else if (byte === 0x2d || (byte !== undefined && byte >= 0x30 && byte <= 0x39)) this.number();
    else if (byte === 0x74) this.word('true');
    else if (byte === 0x66) this.word('false');
    else if (byte === 0x6e) this.word('null');
    else throw INVALID;
  }

  private object(depth: number): void {
    if (depth > MAX_DEPTH) throw INVALID;
    if (this.opens(0x7d)) return;
    do {
      this.space();
      this.string();
      this.member();
      this.value(depth);
    } while (this.more(0x7d));
  }

  private array(depth: number): void {
    if (depth > MAX_DEPTH) throw INVALID;
    if (this.opens(0x5d)) return;
    do {
      this.space();
      this.value(depth);
    } while (this.more(0x5d));
  }

  /** A string from its opening quote; true when it holds an escape. */
  private string(): boolean {
    const { bytes } = this;
    if (bytes[this.at] !== QUOTE) throw INVALID;
    let at = this.at + 1;
    let escaped = false;
    for (;;) {
      const byte = bytes[at];
      if (byte === undefined || byte < 0x20) throw INVALID;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH) {
        escaped = true;
        const next = bytes[at + 1];
        if (next === undefined) throw INVALID;
        if (SIMPLE_ESCAPE[next] === 1) at += 2;
        else if (next === 0x75) {
          for (let digit = 2; digit < 6; digit += 1) if (HEX[bytes[at + digit] ?? 0] !== 1) throw INVALID;
          at += 6;
        } else throw INVALID;
      } else at += 1;
    }
    this.at = at + 1;
    return escaped;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    const { bytes } = this;
    let at = this.at;
    if (bytes[at] === 0x2d) at += 1;
    if (bytes[at] === 0x30) at += 1;
    else if (isDigit(bytes[at])) while (isDigit(bytes[at])) at += 1;
    else throw INVALID;
    if (bytes[at] === 0x2e) {
      at += 1;
      if (!isDigit(bytes[at])) throw INVALID;
      while (isDigit(bytes[at])) at += 1;
    }
    if (bytes[at] === 0x65 || bytes[at] === 0x45) {
      at += 1;
      if (bytes[at] === 0x2b || bytes[at] === 0x2d) at += 1;
      if (!isDigit(bytes[at])) throw INVALID;
      while (isDigit(bytes[at])) at += 1;
    }
    this.at = at;
  }

  private word(word: 'true' | 'false' | 'null'): void {
    for (let index = 0; index < word.length; index += 1) {
      if (this.bytes[this.at + index] !== word.charCodeAt(index)) throw INVALID;
    }
    this.at += word.length;
  }
}
