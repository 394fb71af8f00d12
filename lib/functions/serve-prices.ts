import type { AppContext } from '../app/app-context.js';
import type { PriceView } from '../db/rpc-results.js';
import { json } from '../edge/responses.js';
import { authorizePriceRead, knownVersion, notModified, priceEtag } from './prices-access.js';
import { encodeCursor, parsePricesQuery } from './prices-query.js';

/**
 * GET /prices: the prices in force, one page per call, from one SQL call. The ETag follows the
 * price version that every price-writing transaction bumps, so an unchanged table answers 304.
 */
export async function servePrices(request: Request, context: AppContext): Promise<Response> {
  const cacheControl = authorizePriceRead(request, context.config);
  const { query, shape } = parsePricesQuery(new URL(request.url));
  const page = await context.store.readPrices({
    ...query,
    knownVersion: knownVersion(request, 'prices', shape),
  });
  const etag = priceEtag('prices', page.version, shape);
  if (page.notModified) return notModified(etag, cacheControl);
  const { prices, cutAfter } = fitPage(page.prices, MAX_PAGE_BODY_BYTES);
  const after = cutAfter ?? page.next;
  return json(
    200,
    {
      success: true,
      version: page.version,
      count: prices.length,
      next_cursor: after ? encodeCursor(after) : null,
      prices,
    },
    { etag, 'cache-control': cacheControl },
  );
}

/**
 * Vercel refuses a buffered function response over 4.5 MB. Rows are about 0.5 KB, but one with
 * many tiers or extra prices can be several, so 5,000 of them could pass the cap: a page stops
 * before this many bytes of rows, and its cursor continues after the last row it holds.
 */
export const MAX_PAGE_BODY_BYTES = 4_000_000;

/** The rows that fit in `budgetBytes` of JSON (always at least one), and where a cut page ends. */
export function fitPage(
  prices: PriceView[],
  budgetBytes: number,
): { prices: PriceView[]; cutAfter: [string, string] | null } {
  let bytes = 0;
  for (let index = 0; index < prices.length; index++) {
    bytes += Buffer.byteLength(JSON.stringify(prices[index])) + 1;
    if (bytes > budgetBytes && index > 0) {
      const last = prices[index - 1]!;
      return { prices: prices.slice(0, index), cutAfter: [last.provider, last.model_id] };
    }
  }
  return { prices, cutAfter: null };
}
