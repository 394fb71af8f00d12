import type { ProviderDefinition } from '../provider-definition.js';
import { createOpenRouterSource, OPENROUTER_DEFAULT_BASE_URL } from './openrouter-source.js';

export const openRouterProvider: ProviderDefinition = {
  slug: 'openrouter',
  sourceLabel: 'openrouter:/models',
  envNames: ['OPENROUTER_BASE_URL', 'OPENROUTER_API_KEY'],
  defaultBaseUrl: OPENROUTER_DEFAULT_BASE_URL,
  enabledByDefault: true,
  liteLlmRoute: 'openrouter',
  createSource: (settings) =>
    createOpenRouterSource({
      baseUrl: settings.url('OPENROUTER_BASE_URL', OPENROUTER_DEFAULT_BASE_URL),
      http: settings.client(settings.secret('OPENROUTER_API_KEY')),
    }),
};
