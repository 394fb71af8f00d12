/**
 * The change feed's cursor (GET /prices/changes?since=): the last history id a follower has, as
 * base64url of `{"after_id":N}` (opaque to followers; 0 is before the first change). Here, below
 * the edge, so that whatever announces changes (a webhook event) can name the feed's cursors too.
 */
export function encodeFeedCursor(afterId: number): string {
  return Buffer.from(JSON.stringify({ after_id: afterId })).toString('base64url');
}

/**
 * The feed cursors of the history ids firstId … lastId (as a commit or an operator action wrote
 * them): `since` reads the feed from firstId on (`?since=`), `next` is the cursor after lastId,
 * where a follower that has read the range resumes.
 */
export function feedCursorRange(firstId: number, lastId: number): { since: string; next: string } {
  if (!Number.isSafeInteger(firstId) || !Number.isSafeInteger(lastId) || firstId < 1 || lastId < firstId)
    throw new RangeError(`not a range of history ids: ${firstId}…${lastId}`);
  return { since: encodeFeedCursor(firstId - 1), next: encodeFeedCursor(lastId) };
}

/** The history id a cursor of encodeFeedCursor names, or null when it is not one. */
export function readFeedCursor(cursor: string): number | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const keys = Object.keys(value);
    const afterId = (value as { after_id?: unknown }).after_id;
    if (keys.length === 1 && Number.isSafeInteger(afterId) && (afterId as number) >= 0)
      return afterId as number;
  } catch {
    // not base64url JSON: not a cursor
  }
  return null;
}
