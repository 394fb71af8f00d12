import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { isPrototypeKey, parseEnvelope } from '../catalog-items.js';
import { fetchLiteLlmCostMap } from '../litellm/litellm-source.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { joinUrl } from '../provider-source.js';
import { dashScopeModelListSchema } from './dashscope-api.js';
import { addUnpricedListedModels, normalizeAlibabaCloudCostMapYielding } from './normalize-alibaba-cloud.js';

/** International (Singapore) region; mainland China is `https://dashscope.aliyuncs.com/compatible-mode/v1`. */
export const DASHSCOPE_DEFAULT_BASE_URL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1';

export function createAlibabaCloudSource(options: {
  pricesUrl: string;
  pricesHttp: ProviderHttpClient;
  /** Only with `DASHSCOPE_API_KEY`: lists the account's models to report those without a price. */
  dashScope?: { baseUrl: string; http: ProviderHttpClient } | undefined;
}): CatalogSource {
  return {
    slug: 'alibaba-cloud',
    async fetchCatalog(context: FetchContext = {}) {
      const costMap = await fetchLiteLlmCostMap(options.pricesHttp, options.pricesUrl, context);
      const catalog = await normalizeAlibabaCloudCostMapYielding(costMap);
      if (!options.dashScope) return catalog;
      const url = joinUrl(options.dashScope.baseUrl, 'models');
      const payload = await options.dashScope.http.getJson(url, {
        signal: context.signal,
        budget: context.budget,
      });
      const list = parseEnvelope(dashScopeModelListSchema, payload, {
        provider: 'alibaba-cloud',
        url: url.href,
      });
      context.budget?.chargeItems(list.data.length, url.href);
      return addUnpricedListedModels(
        catalog,
        list.data.map((model) => model.id).filter((id) => !isPrototypeKey(id)),
      );
    },
  };
}
