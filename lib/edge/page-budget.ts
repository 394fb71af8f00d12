/**
 * Vercel refuses a buffered function response over 4.5 MB. Rows are about 0.5 KB, but one with
 * many tiers or extra prices can be several, so 5,000 of them could pass the cap: a page stops
 * before this many bytes of rows, and its cursor continues after the last row it holds.
 */
export const MAX_PAGE_BODY_BYTES = 4_000_000;

/** The rows that fit in `budgetBytes` of JSON (always at least one), and where a cut page ends. */
export function fitPage<Row extends { provider: string; model_id: string }>(
  prices: Row[],
  budgetBytes: number,
): { prices: Row[]; cutAfter: [string, string] | null } {
  const kept = fitRows(prices, budgetBytes);
  if (kept === prices.length) return { prices, cutAfter: null };
  const last = prices[kept - 1]!;
  return { prices: prices.slice(0, kept), cutAfter: [last.provider, last.model_id] };
}

/** How many of the rows, from the first, fit in `budgetBytes` of JSON (always at least one). */
export function fitRows(rows: readonly unknown[], budgetBytes: number): number {
  let bytes = 0;
  for (let index = 0; index < rows.length; index++) {
    bytes += Buffer.byteLength(JSON.stringify(rows[index])) + 1;
    if (bytes > budgetBytes && index > 0) return index;
  }
  return rows.length;
}
