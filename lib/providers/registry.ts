import { alibabaCloudProvider } from './alibaba-cloud/alibaba-cloud-provider.js';
import { featherlessProvider } from './featherless/featherless-provider.js';
import { liteLlmProvider } from './litellm/litellm-provider.js';
import { nearAiProvider } from './nearai/nearai-provider.js';
import { openRouterProvider } from './openrouter/openrouter-provider.js';
import type { ProviderDefinition, ProviderEnv, SharedHttpOptions } from './provider-definition.js';
import { ProviderConfigError, providerSettings } from './provider-definition.js';
import type { ProviderSlug } from './price-record.js';
import type { ProviderSource } from './provider-source.js';

export type { ProviderDefinition, ProviderEnv, SharedHttpOptions } from './provider-definition.js';
export { ProviderConfigError } from './provider-definition.js';

/** Every provider this build knows, in the order error messages and docs list them. */
export const PROVIDERS: readonly ProviderDefinition[] = [
  openRouterProvider,
  featherlessProvider,
  nearAiProvider,
  alibabaCloudProvider,
  liteLlmProvider,
];

/** Each provider's route in the LiteLLM cost map (`ProviderDefinition.liteLlmRoute`), by slug; none for one without. */
export function liteLlmRoutes(
  providers: readonly ProviderDefinition[] = PROVIDERS,
): Readonly<Record<ProviderSlug, string>> {
  const routes: Record<ProviderSlug, string> = {};
  for (const provider of providers)
    if (provider.liteLlmRoute !== null) routes[provider.slug] = provider.liteLlmRoute;
  return routes;
}

/** The LiteLLM routes of this build's providers. */
export const LITELLM_ROUTES = liteLlmRoutes();

/** The slugs of `providers`, in order. */
export function providerSlugs(providers: readonly ProviderDefinition[] = PROVIDERS): ProviderSlug[] {
  return providers.map((provider) => provider.slug);
}

function definitionOf(
  slug: string,
  providers: readonly ProviderDefinition[],
): ProviderDefinition | undefined {
  return providers.find((provider) => provider.slug === slug);
}

/**
 * Parses `PRICING_SYNC_PROVIDERS` (`"openrouter, nearai"`): trimmed, duplicates dropped, order kept.
 * Unset or blank gives the default list; an unknown slug is an error naming the known ones.
 */
export function parseProviderList(
  value: string | undefined,
  /** What the list came from, for the error: the variable, or `--providers`. */
  source = 'PRICING_SYNC_PROVIDERS',
  providers: readonly ProviderDefinition[] = PROVIDERS,
): ProviderSlug[] {
  if (value === undefined || value.trim() === '') {
    return providers.filter((provider) => provider.enabledByDefault).map((provider) => provider.slug);
  }
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new ProviderConfigError(`${source} has an empty entry: ${JSON.stringify(value)}`);
  }
  const unknown = names.filter((name) => !definitionOf(name, providers));
  if (unknown.length > 0) {
    throw new ProviderConfigError(
      `${source} names unknown provider${unknown.length > 1 ? 's' : ''} ${unknown
        .map((name) => JSON.stringify(name.slice(0, 40)))
        .join(', ')}; known: ${providerSlugs(providers).join(', ')}`,
    );
  }
  return [...new Set(names)];
}

/** Builds one provider's source from env (base URLs, API keys) and shared client settings. */
export function createProviderSource(
  slug: ProviderSlug,
  env: ProviderEnv,
  http: SharedHttpOptions = {},
  providers: readonly ProviderDefinition[] = PROVIDERS,
): ProviderSource {
  const definition = definitionOf(slug, providers);
  if (!definition) {
    throw new ProviderConfigError(`unknown provider ${JSON.stringify(slug.slice(0, 40))}`);
  }
  const source = definition.createSource(providerSettings(definition.slug, env, http));
  return {
    slug: definition.slug,
    sourceLabel: definition.sourceLabel,
    fetchCatalog: source.fetchCatalog,
    ...(source.fetchSource ? { fetchSource: source.fetchSource } : {}),
  };
}

/** The sources `PRICING_SYNC_PROVIDERS` selects, built from the same env. */
export function createProviderSources(
  env: ProviderEnv,
  http: SharedHttpOptions = {},
  providers: readonly ProviderDefinition[] = PROVIDERS,
): ProviderSource[] {
  return parseProviderList(env.PRICING_SYNC_PROVIDERS, undefined, providers).map((slug) =>
    createProviderSource(slug, env, http, providers),
  );
}
