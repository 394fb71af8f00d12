import type { ProviderHttpClient } from '../../http/provider-http-client.js';
import { parseEnvelope } from '../catalog-items.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import type { PriceRecord } from '../price-record.js';
import { isJsonObject } from '../wire-price.js';
import { liteLlmCostMapSchema } from './litellm-api.js';
import { normalizeLiteLlmCostMap } from './normalize-litellm.js';

export const LITELLM_DEFAULT_PRICES_URL =
  'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';

/** Reads LiteLLM's cost map for an `ProviderSlug`'s entries; shared by `litellm` and `alibaba-cloud`. */
export async function fetchLiteLlmCostMap(
  http: ProviderHttpClient,
  pricesUrl: string,
  context: FetchContext,
): Promise<Record<string, unknown>> {
  const payload = await http.getJson(pricesUrl, { signal: context.signal, budget: context.budget });
  const costMap = parseEnvelope(liteLlmCostMapSchema, payload, { provider: http.provider, url: pricesUrl });
  context.budget?.chargeItems(Object.keys(costMap).length, pricesUrl);
  return costMap;
}

/** Longest entry kept for pass-through; LiteLLM's longest is a few KB. */
const MAX_ENTRY_JSON_LENGTH = 65_536;

/**
 * The entries of the normalized records, as published, for the LiteLLM map we serve. An entry
 * Postgres jsonb cannot hold (a NUL, a lone surrogate) or an oversized one is left out: that model
 * then has no pass-through entry, and nothing else is affected.
 */
function storableEntries(
  costMap: Record<string, unknown>,
  records: readonly PriceRecord[],
): Record<string, Record<string, unknown>> {
  const entries: Record<string, Record<string, unknown>> = {};
  for (const record of records) {
    const entry = costMap[record.modelId];
    if (!isJsonObject(entry)) continue;
    const text = JSON.stringify({ [record.modelId]: entry });
    // JSON.stringify escapes a lone surrogate as \udXXX; a paired one is written as is.
    if (text.length > MAX_ENTRY_JSON_LENGTH || /\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(text)) continue;
    entries[record.modelId] = entry;
  }
  return entries;
}

/** The whole community cost map as one source; off by default (its ids are LiteLLM's, not a provider's). */
export function createLiteLlmSource(options: { pricesUrl: string; http: ProviderHttpClient }): CatalogSource {
  return {
    slug: 'litellm',
    async fetchCatalog(context: FetchContext = {}) {
      const costMap = await fetchLiteLlmCostMap(options.http, options.pricesUrl, context);
      const catalog = normalizeLiteLlmCostMap('litellm', costMap);
      return { ...catalog, liteLlmEntries: storableEntries(costMap, catalog.records) };
    },
  };
}
