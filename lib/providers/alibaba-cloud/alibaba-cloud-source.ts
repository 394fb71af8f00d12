import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { isPrototypeKey, parseEnvelope } from '../catalog-items.js';
import { fetchLiteLlmCostMap } from '../litellm/litellm-source.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource, joinUrl, SourceDigest } from '../provider-source.js';
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
  return digestedSource('alibaba-cloud', async (context: FetchContext) => {
    const digest = new SourceDigest();
    const costMap = await fetchLiteLlmCostMap(options.pricesHttp, options.pricesUrl, context, digest);
    const listed = options.dashScope ? await fetchListedIds(options.dashScope, context, digest) : null;
    return {
      digest: digest.finish(),
      async build() {
        const catalog = await normalizeAlibabaCloudCostMapYielding(costMap);
        return listed ? addUnpricedListedModels(catalog, listed) : catalog;
      },
    };
  });
}

/** The model ids of the account's DashScope listing, to report those without a price. */
async function fetchListedIds(
  dashScope: { baseUrl: string; http: ProviderHttpClient },
  context: FetchContext,
  digest: SourceDigest,
): Promise<string[]> {
  const url = joinUrl(dashScope.baseUrl, 'models');
  const { json, digest: bodyDigest } = await dashScope.http.getDigestedJson(url, {
    signal: context.signal,
    budget: context.budget,
  });
  const list = parseEnvelope(dashScopeModelListSchema, json, { provider: 'alibaba-cloud', url: url.href });
  context.budget?.chargeItems(list.data.length, url.href);
  digest.add(url, bodyDigest);
  return list.data.map((model) => model.id).filter((id) => !isPrototypeKey(id));
}
