import { LITELLM_DEFAULT_PRICES_URL } from '../litellm/litellm-source.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { createAlibabaCloudSource, DASHSCOPE_DEFAULT_BASE_URL } from './alibaba-cloud-source.js';

/** Prices from LiteLLM's cost map (`dashscope/*`); with a DashScope key, also the account's unpriced models. */
export const alibabaCloudProvider: ProviderDefinition = {
  slug: 'alibaba-cloud',
  sourceLabel: 'litellm-cost-map:dashscope/*',
  envNames: ['LITELLM_PRICES_URL', 'DASHSCOPE_BASE_URL', 'DASHSCOPE_API_KEY'],
  defaultBaseUrl: LITELLM_DEFAULT_PRICES_URL,
  enabledByDefault: true,
  liteLlmRoute: 'dashscope',
  createSource(settings) {
    const dashScopeKey = settings.secret('DASHSCOPE_API_KEY');
    return createAlibabaCloudSource({
      pricesUrl: settings.url('LITELLM_PRICES_URL', LITELLM_DEFAULT_PRICES_URL),
      // The cost map is public: the DashScope key never goes to GitHub.
      pricesHttp: settings.client(),
      dashScope: dashScopeKey
        ? {
            baseUrl: settings.url('DASHSCOPE_BASE_URL', DASHSCOPE_DEFAULT_BASE_URL),
            http: settings.client(dashScopeKey),
          }
        : undefined,
    });
  },
};
