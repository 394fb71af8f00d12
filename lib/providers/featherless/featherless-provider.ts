import type { ProviderDefinition } from '../provider-definition.js';
import { createFeatherlessSource, FEATHERLESS_DEFAULT_BASE_URL } from './featherless-source.js';

export const featherlessProvider: ProviderDefinition = {
  slug: 'featherless',
  sourceLabel: 'featherless:/models',
  envNames: ['FEATHERLESS_BASE_URL', 'FEATHERLESS_API_KEY'],
  defaultBaseUrl: FEATHERLESS_DEFAULT_BASE_URL,
  enabledByDefault: true,
  liteLlmRoute: 'featherless_ai',
  createSource: (settings) =>
    createFeatherlessSource({
      baseUrl: settings.url('FEATHERLESS_BASE_URL', FEATHERLESS_DEFAULT_BASE_URL),
      http: settings.client(settings.secret('FEATHERLESS_API_KEY')),
    }),
};
