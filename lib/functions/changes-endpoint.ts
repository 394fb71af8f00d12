import type { AppContext } from '../app/app-context.js';
import type { PriceChange, PricingStore } from '../db/pricing-store.js';
import { encodeFeedCursor } from '../domain/feed-cursor.js';
import { fitRows, MAX_PAGE_BODY_BYTES } from '../edge/page-budget.js';
import { decodeFeedCursor } from '../edge/page-cursor.js';
import { queryOf } from '../edge/query.js';
import { json } from '../edge/responses.js';
import { limit } from '../operator/operator-input.js';
import { authorizePriceRead } from './prices-access.js';
import { commaList } from './prices-query.js';

export const DEFAULT_CHANGES_PAGE_SIZE = 500;
export const MAX_CHANGES_PAGE_SIZE = 1000;
export const CHANGES_PARAMETERS = ['since', 'provider', 'limit'] as const;
export type ChangesQuery = Record<(typeof CHANGES_PARAMETERS)[number], string | null>;

export interface ChangesBody {
  success: true;
  changes: PriceChange[];
  next_cursor: string;
}

/**
 * One page of the change feed, from the query's `since` (the start without it). `next_cursor` is
 * never null: after a full page it follows the page's last change; at the end it is where the
 * follower resumes, the largest history id the read saw (no change below it can still commit),
 * so a follower stores it and asks again later.
 */
export async function readChangeFeed(store: PricingStore, query: ChangesQuery): Promise<ChangesBody> {
  const afterId = query.since === null ? 0 : decodeFeedCursor(query.since);
  const page = await store.readChanges({
    providers: commaList(query.provider, 'provider'),
    afterId,
    limit: limit(query.limit, DEFAULT_CHANGES_PAGE_SIZE, MAX_CHANGES_PAGE_SIZE),
  });
  // A page stops before Vercel's response cap; the cursor continues after its last change.
  const kept = fitRows(page.changes, MAX_PAGE_BODY_BYTES);
  const changes = page.changes.slice(0, kept);
  const cut = kept < page.changes.length || page.more;
  const next = cut ? changes[changes.length - 1]!.id : Math.max(afterId, page.lastId ?? 0);
  return { success: true, changes, next_cursor: encodeFeedCursor(next) };
}

/** GET /prices/changes (rewritten to the /prices function by vercel.json): the change feed. */
export async function serveChanges(request: Request, context: AppContext): Promise<Response> {
  const cacheControl = authorizePriceRead(request, context.config);
  const body = await readChangeFeed(context.store, queryOf(new URL(request.url), CHANGES_PARAMETERS));
  return json(200, body, { 'cache-control': cacheControl });
}
