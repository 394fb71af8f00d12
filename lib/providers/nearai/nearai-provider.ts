import type { ProviderDefinition } from '../provider-definition.js';
import { createNearAiSource, NEARAI_DEFAULT_BASE_URL } from './nearai-source.js';

export const nearAiProvider: ProviderDefinition = {
  slug: 'nearai',
  sourceLabel: 'nearai:/model/list',
  envNames: ['NEARAI_BASE_URL', 'NEARAI_API_KEY'],
  defaultBaseUrl: NEARAI_DEFAULT_BASE_URL,
  enabledByDefault: true,
  // NEAR AI has no LiteLLM provider: its prices go under `nearai/<id>` with `litellm_provider:
  // "nearai"`, which LiteLLM stores but cannot route to on its own.
  liteLlmRoute: 'nearai',
  createSource: (settings) =>
    createNearAiSource({
      baseUrl: settings.url('NEARAI_BASE_URL', NEARAI_DEFAULT_BASE_URL),
      http: settings.client(settings.secret('NEARAI_API_KEY')),
    }),
};
