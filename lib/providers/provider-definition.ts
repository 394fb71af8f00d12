import type { ProviderHttpClient, ProviderHttpClientOptions } from '../provider-http/provider-http-client.js';
import { createProviderHttpClient } from '../provider-http/provider-http-client.js';
import type { CatalogSource } from './provider-source.js';

export type ProviderEnv = Record<string, string | undefined>;

/** Client settings shared by every provider (timeouts, caps, injected sleep and clock for tests). */
export type SharedHttpOptions = Omit<ProviderHttpClientOptions, 'provider' | 'apiKey'>;

/** A configuration mistake, found before any request is made. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** What a definition's `createSource` reads its settings through: env, checked, plus HTTP clients. */
export interface ProviderSettings {
  /** The env variable's value as an http(s) URL, or `fallback` when unset; a bad one is a `ProviderConfigError`. */
  url(name: string, fallback: string): string;
  /** The env variable's trimmed value, or undefined when unset or blank. */
  secret(name: string): string | undefined;
  /** An HTTP client for this provider, sending `apiKey` as a bearer token when given. */
  client(apiKey?: string): ProviderHttpClient;
}

/**
 * Everything the rest of the system knows about one provider. Each provider folder exports one;
 * the registry (`registry.ts`) is the array of them.
 */
export interface ProviderDefinition {
  /** Stored in every row (`model_pricing.provider`), named in `PRICING_SYNC_PROVIDERS`. */
  readonly slug: string;
  /** Where its prices come from, stored in `model_pricing.source`. */
  readonly sourceLabel: string;
  /** The env variables it reads (base URLs first, then keys), for docs and the replay server. */
  readonly envNames: readonly string[];
  /** Where it fetches from when its base URL variable is unset. */
  readonly defaultBaseUrl: string;
  /** Whether an unset `PRICING_SYNC_PROVIDERS` includes it. */
  readonly enabledByDefault: boolean;
  /**
   * Where its prices go in the LiteLLM cost map we serve: the key prefix (`<route>/<model id>`) and
   * the `litellm_provider` LiteLLM's router looks up. Null leaves its prices out of that map.
   */
  readonly liteLlmRoute: string | null;
  createSource(settings: ProviderSettings): CatalogSource;
}

function trimmed(env: ProviderEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The settings a definition reads, from env and the shared client options. */
export function providerSettings(
  slug: string,
  env: ProviderEnv,
  http: SharedHttpOptions = {},
): ProviderSettings {
  return {
    url(name, fallback) {
      const value = trimmed(env, name) ?? fallback;
      let url: URL;
      try {
        url = new URL(value);
      } catch (error) {
        throw new ProviderConfigError(`${name} is not a URL: ${JSON.stringify(value.slice(0, 100))}`, {
          cause: error,
        });
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ProviderConfigError(`${name} must be an http(s) URL, got ${url.protocol}`);
      }
      return value;
    },
    secret: (name) => trimmed(env, name),
    client: (apiKey) => createProviderHttpClient({ ...http, provider: slug, apiKey }),
  };
}
