import type { ProviderDefinition } from '../provider-definition.js';
import { createLiteLlmSource, LITELLM_DEFAULT_PRICES_URL } from './litellm-source.js';

/** The whole community cost map; opt-in (its ids are LiteLLM's, not a provider's). */
export const liteLlmProvider: ProviderDefinition = {
  slug: 'litellm',
  sourceLabel: 'litellm-cost-map',
  envNames: ['LITELLM_PRICES_URL'],
  defaultBaseUrl: LITELLM_DEFAULT_PRICES_URL,
  enabledByDefault: false,
  // LiteLLM's own entries are the map's base, served as they are, not layered under a route.
  liteLlmRoute: null,
  createSource: (settings) =>
    createLiteLlmSource({
      pricesUrl: settings.url('LITELLM_PRICES_URL', LITELLM_DEFAULT_PRICES_URL),
      http: settings.client(),
    }),
};
