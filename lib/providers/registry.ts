import type { ProviderHttpClient, ProviderHttpClientOptions } from '../http/provider-http-client.js';
import { createProviderHttpClient } from '../http/provider-http-client.js';
import {
  createAlibabaCloudSource,
  DASHSCOPE_DEFAULT_BASE_URL,
} from './alibaba-cloud/alibaba-cloud-source.js';
import { createFeatherlessSource, FEATHERLESS_DEFAULT_BASE_URL } from './featherless/featherless-source.js';
import { createLiteLlmSource, LITELLM_DEFAULT_PRICES_URL } from './litellm/litellm-source.js';
import { createNearAiSource, NEARAI_DEFAULT_BASE_URL } from './nearai/nearai-source.js';
import { createOpenRouterSource, OPENROUTER_DEFAULT_BASE_URL } from './openrouter/openrouter-source.js';
import type { ProviderSlug } from './price-record.js';
import { PROVIDER_SLUGS } from './price-record.js';
import type { ProviderSource } from './provider-source.js';

/** The seed's default: every provider except the LiteLLM map as a whole (opt-in). */
export const DEFAULT_PROVIDER_SLUGS: readonly ProviderSlug[] = [
  'openrouter',
  'featherless',
  'nearai',
  'alibaba-cloud',
];

export type ProviderEnv = Record<string, string | undefined>;

/** A configuration mistake, found before any request is made. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

function isProviderSlug(value: string): value is ProviderSlug {
  return (PROVIDER_SLUGS as readonly string[]).includes(value);
}

/**
 * Parses `PRICING_SYNC_PROVIDERS` (`"openrouter, nearai"`): trimmed, duplicates dropped, order kept.
 * Unset or blank gives the default list; an unknown slug is an error naming the known ones.
 */
export function parseProviderList(
  value: string | undefined,
  /** What the list came from, for the error: the variable, or `--providers`. */
  source = 'PRICING_SYNC_PROVIDERS',
): ProviderSlug[] {
  if (value === undefined || value.trim() === '') return [...DEFAULT_PROVIDER_SLUGS];
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new ProviderConfigError(`${source} has an empty entry: ${JSON.stringify(value)}`);
  }
  const unknown = names.filter((name) => !isProviderSlug(name));
  if (unknown.length > 0) {
    throw new ProviderConfigError(
      `${source} names unknown provider${unknown.length > 1 ? 's' : ''} ${unknown
        .map((name) => JSON.stringify(name.slice(0, 40)))
        .join(', ')}; known: ${PROVIDER_SLUGS.join(', ')}`,
    );
  }
  return [...new Set(names as ProviderSlug[])];
}

/** Client settings shared by every provider (timeouts, caps, injected sleep and clock for tests). */
export type SharedHttpOptions = Omit<ProviderHttpClientOptions, 'provider' | 'apiKey'>;

function setting(env: ProviderEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function urlSetting(env: ProviderEnv, name: string, fallback: string): string {
  const value = setting(env, name, fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderConfigError(`${name} is not a URL: ${JSON.stringify(value.slice(0, 100))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderConfigError(`${name} must be an http(s) URL, got ${url.protocol}`);
  }
  return value;
}

function apiKey(env: ProviderEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Builds one provider's source from env (base URLs, API keys) and shared client settings. */
export function createProviderSource(
  slug: ProviderSlug,
  env: ProviderEnv,
  http: SharedHttpOptions = {},
): ProviderSource {
  const client = (provider: string, key?: string): ProviderHttpClient =>
    createProviderHttpClient({ ...http, provider, apiKey: key });
  switch (slug) {
    case 'openrouter':
      return createOpenRouterSource({
        baseUrl: urlSetting(env, 'OPENROUTER_BASE_URL', OPENROUTER_DEFAULT_BASE_URL),
        http: client(slug, apiKey(env, 'OPENROUTER_API_KEY')),
      });
    case 'nearai':
      return createNearAiSource({
        baseUrl: urlSetting(env, 'NEARAI_BASE_URL', NEARAI_DEFAULT_BASE_URL),
        http: client(slug, apiKey(env, 'NEARAI_API_KEY')),
      });
    case 'featherless':
      return createFeatherlessSource({
        baseUrl: urlSetting(env, 'FEATHERLESS_BASE_URL', FEATHERLESS_DEFAULT_BASE_URL),
        http: client(slug, apiKey(env, 'FEATHERLESS_API_KEY')),
      });
    case 'alibaba-cloud': {
      const dashScopeKey = apiKey(env, 'DASHSCOPE_API_KEY');
      return createAlibabaCloudSource({
        pricesUrl: urlSetting(env, 'LITELLM_PRICES_URL', LITELLM_DEFAULT_PRICES_URL),
        // The cost map is public: the DashScope key never goes to GitHub.
        pricesHttp: client(slug),
        dashScope: dashScopeKey
          ? {
              baseUrl: urlSetting(env, 'DASHSCOPE_BASE_URL', DASHSCOPE_DEFAULT_BASE_URL),
              http: client(slug, dashScopeKey),
            }
          : undefined,
      });
    }
    case 'litellm':
      return createLiteLlmSource({
        pricesUrl: urlSetting(env, 'LITELLM_PRICES_URL', LITELLM_DEFAULT_PRICES_URL),
        http: client(slug),
      });
  }
}

/** The sources `PRICING_SYNC_PROVIDERS` selects, built from the same env. */
export function createProviderSources(env: ProviderEnv, http: SharedHttpOptions = {}): ProviderSource[] {
  return parseProviderList(env.PRICING_SYNC_PROVIDERS).map((slug) => createProviderSource(slug, env, http));
}
