import type { AppContext } from '../app/app-context.js';
import { requestCost } from '../cost/request-cost.js';
import type { CostPricesResult } from '../db/pricing-store.js';
import { HttpError } from '../edge/http-error.js';
import { requireConfig } from '../edge/invalid-configuration.js';
import { readJsonBody } from '../edge/strict-json.js';
import { parseCostRequest, MAX_COST_BODY_BYTES, type CostItem, type CostRequest } from './cost-request.js';
import { authorizeCostCall } from './prices-access.js';
import { readFreshnessState, rowFreshness, type FreshnessState } from '../sync/provider-freshness.js';

/** The largest answer: 4 MB (Vercel's response limit is 4.5 MB). */
export const MAX_COST_ANSWER_BYTES = 4 * 1000 * 1000;

type StoredCostPrice = CostPricesResult['prices'][number];

/** One key per distinct (provider, model, instant): a batch of one model's usages reads it once. */
function keyOf(item: Extract<CostItem, { ok: true }>): string {
  return JSON.stringify([item.provider, item.modelId, item.at]);
}

function priceItem(
  item: CostItem,
  price: StoredCostPrice | undefined,
  now: Date,
  inputIncludesCache: boolean,
  freshness: Pick<FreshnessState, 'stale'> | null,
): Record<string, unknown> {
  if (!item.ok) return { provider: item.provider, model_id: item.modelId, error: item.error };
  const asked = { provider: item.provider, model_id: item.modelId, at: item.at };
  if (!price) {
    const error =
      item.at === null
        ? 'unknown model: no price is stored for it'
        : 'unknown model at that instant: no price of it was recorded by then';
    return { ...asked, error };
  }
  const at = item.at === null ? now : new Date(item.at);
  const cost = requestCost({ ...price, provider: item.provider }, item.usage, { at, inputIncludesCache });
  if (!cost.ok) return { ...asked, state: price.state, error: cost.error };
  return {
    ...asked,
    cost_usd: cost.cost_usd,
    lines: cost.lines,
    tier: cost.tier,
    state: price.state,
    price_effective_at: price.effective_at,
    pinned: price.pinned,
    // Priced now: whether its provider's prices are current (issue 25). A past instant's price is
    // what we had recorded then, whatever the provider does today.
    ...(item.at === null && freshness ? rowFreshness(freshness, item.provider) : {}),
    unbilled_price_kinds: cost.unbilled_price_kinds,
    warnings: cost.warnings,
  };
}

type CostKey = { provider: string; modelId: string; at: string | null };

/**
 * The results of a cost request, in the order of its items, from one read of the prices (`read`
 * gets each distinct key once). For POST /prices/cost and `npm run admin -- cost`.
 */
export async function priceCosts(
  { items, inputIncludesCache }: CostRequest,
  read: (keys: CostKey[]) => Promise<CostPricesResult>,
  freshness: Pick<FreshnessState, 'stale'> | null = null,
): Promise<Record<string, unknown>[]> {
  const positions = new Map<string, number>();
  const keys: CostKey[] = [];
  for (const item of items) {
    if (!item.ok || positions.has(keyOf(item))) continue;
    keys.push({ provider: item.provider, modelId: item.modelId, at: item.at });
    positions.set(keyOf(item), keys.length);
  }
  // With no item to price, nothing is read and no instant is needed.
  const stored = keys.length ? await read(keys) : { now: new Date(0).toISOString(), prices: [] };
  const byPosition = new Map(stored.prices.map((price) => [price.n, price]));
  const now = new Date(stored.now);
  return items.map((item) =>
    priceItem(
      item,
      item.ok ? byPosition.get(positions.get(keyOf(item))!) : undefined,
      now,
      inputIncludesCache,
      freshness,
    ),
  );
}

/**
 * POST /prices/cost: the cost of up to 1,000 requests, each at the prices in force when it ran
 * (`at`) or now, from one SQL call. An item that cannot be priced answers its own error.
 */
export async function servePriceCost(request: Request, context: AppContext): Promise<Response> {
  authorizeCostCall(request, context.config);
  // Without a usable database nothing can be priced: say so before judging the request.
  requireConfig(context.config, 'storage');
  const costRequest = parseCostRequest(await readJsonBody(request, MAX_COST_BODY_BYTES));
  const results = await priceCosts(
    costRequest,
    (keys) => context.store.readCostPrices(keys),
    await readFreshnessState(context.store, context.config),
  );
  const text = JSON.stringify({
    success: true,
    count: results.length,
    input_includes_cache: costRequest.inputIncludesCache,
    results,
  });
  if (Buffer.byteLength(text) > MAX_COST_ANSWER_BYTES)
    throw new HttpError(413, `the answer would be over ${MAX_COST_ANSWER_BYTES} bytes: send fewer items`);
  return new Response(text, {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, no-store' },
  });
}
