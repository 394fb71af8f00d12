/**
 * Text Postgres can store. A `text` value cannot hold a NUL character, and `jsonb` rejects
 * `\u0000` and lone surrogates (`unsupported Unicode escape sequence`, `invalid input syntax for
 * type json`); a lone surrogate in `text` is silently replaced by U+FFFD on the way in. Feed text
 * that holds either is therefore refused where it enters (the item is invalid), and anything written
 * into a run's results or error is rendered with `storableText` so recording a run never fails.
 */

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');
/**
 * A NUL or any surrogate, paired or not: text without one is storable, and this plain character
 * class is far cheaper than the lookarounds above, which only run on text that has one.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const MAYBE_UNSTORABLE = /[\u0000\ud800-\udfff]/;

/** Whether Postgres can store the text as it is (in `text` and inside `jsonb`). */
export function isStorableText(text: string): boolean {
  return !MAYBE_UNSTORABLE.test(text) || !UNSTORABLE.test(text);
}

/** The text with every NUL and lone surrogate written as its escape (`\u0000`, `\ud800`): readable, storable. */
export function storableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.replace(
    UNSTORABLE_ALL,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Names the first string (value or key) in a JSON-like value that Postgres cannot store, or null. */
export function findUnstorableText(value: unknown, path = ''): string | null {
  // The path is only built once something is found: every record of every catalog is checked,
  // and almost none holds such text.
  const found = unstorablePath(value);
  if (found === null) return null;
  return (
    found.reduce<string>(
      (where, step) =>
        typeof step === 'number'
          ? `${where}[${step}]`
          : where
            ? `${where}.${storableText(step)}`
            : storableText(step),
      path,
    ) || '(value)'
  );
}

/** The keys and indexes down to the first unstorable string (value or key), innermost last; or null. */
function unstorablePath(value: unknown): (string | number)[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : [];
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = unstorablePath(value[index]);
      if (found !== null) return [index, ...found];
    }
    return null;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!isStorableText(key)) return [key];
    const found = unstorablePath((value as Record<string, unknown>)[key]);
    if (found !== null) return [key, ...found];
  }
  return null;
}

/** A copy of a JSON-like value with every string and key made storable; other values kept as they are. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => storableJson(item)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key must stay a key, not become the prototype.
    Object.defineProperty(copy, storableText(key), {
      value: storableJson(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}
