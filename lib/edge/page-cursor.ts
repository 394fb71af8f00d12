import { MAX_MODEL_ID_LENGTH } from '../providers/catalog-items.js';
import { isStorableText } from '../text/storable-text.js';
import { readFeedCursor } from '../domain/feed-cursor.js';
import { HttpError } from './http-error.js';

/** A page cursor: the last (provider, model_id) served, as base64url JSON (opaque to callers). */
export function encodeCursor(after: [string, string]): string {
  return Buffer.from(JSON.stringify(after)).toString('base64url');
}

/**
 * The (provider, model_id) a cursor of encodeCursor names; anything else is a 400. Each part is
 * text Postgres can compare (no NUL, no lone surrogate) no longer than a model id, so a forged
 * cursor finds nothing instead of erroring.
 */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every(
        (part) => typeof part === 'string' && part.length <= MAX_MODEL_ID_LENGTH && isStorableText(part),
      )
    )
      return value as [string, string];
  } catch {
    // falls through to the 400 below
  }
  throw new HttpError(400, 'cursor is not one this endpoint returned');
}

/**
 * The history id a change feed cursor names (lib/domain/feed-cursor.ts); anything else, a page
 * cursor of /prices included, is a 400.
 */
export function decodeFeedCursor(cursor: string): number {
  const afterId = readFeedCursor(cursor);
  if (afterId === null) throw new HttpError(400, 'since is not a cursor this feed returned');
  return afterId;
}
