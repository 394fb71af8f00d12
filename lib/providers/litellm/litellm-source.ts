import type { ProviderHttpClient } from '../../http/provider-http-client.js';
import { parseEnvelope } from '../catalog-items.js';
import type { FetchContext, ProviderSource } from '../provider-source.js';
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

/** The whole community cost map as one source; off by default (its ids are LiteLLM's, not a provider's). */
export function createLiteLlmSource(options: {
  pricesUrl: string;
  http: ProviderHttpClient;
}): ProviderSource {
  return {
    slug: 'litellm',
    async fetchCatalog(context: FetchContext = {}) {
      const costMap = await fetchLiteLlmCostMap(options.http, options.pricesUrl, context);
      return normalizeLiteLlmCostMap('litellm', costMap);
    },
  };
}
