import { describe, expect, it } from 'vitest';
import {
  parseProviderList,
  createProviderSources,
  ProviderConfigError,
} from '../../lib/providers/registry.js';

describe('provider registry', () => {
  it('defaults to the seed list when PRICING_SYNC_PROVIDERS is unset or blank', () => {
    expect(parseProviderList(undefined)).toEqual(['openrouter', 'featherless', 'nearai', 'alibaba-cloud']);
    expect(parseProviderList('  ')).toEqual(['openrouter', 'featherless', 'nearai', 'alibaba-cloud']);
  });

  it('trims, keeps order and drops duplicates', () => {
    expect(parseProviderList(' nearai, openrouter ,nearai,litellm')).toEqual([
      'nearai',
      'openrouter',
      'litellm',
    ]);
  });

  it('names the known slugs when a slug is unknown', () => {
    expect(() => parseProviderList('openrouter,anthropic')).toThrow(ProviderConfigError);
    expect(() => parseProviderList('openrouter,anthropic')).toThrow(
      'PRICING_SYNC_PROVIDERS names unknown provider "anthropic"; known: openrouter, featherless, nearai, alibaba-cloud, litellm',
    );
    expect(() => parseProviderList('OpenRouter')).toThrow(/unknown provider "OpenRouter"/);
    expect(() => parseProviderList('openrouter,,nearai')).toThrow(/empty entry/);
  });

  it('builds one source per slug from a plain env object, rejecting a bad base URL', () => {
    const sources = createProviderSources({ PRICING_SYNC_PROVIDERS: 'litellm,alibaba-cloud' });
    expect(sources.map((source) => source.slug)).toEqual(['litellm', 'alibaba-cloud']);
    expect(() =>
      createProviderSources({ PRICING_SYNC_PROVIDERS: 'openrouter', OPENROUTER_BASE_URL: 'not a url' }),
    ).toThrow(/OPENROUTER_BASE_URL is not a URL/);
    expect(() =>
      createProviderSources({ PRICING_SYNC_PROVIDERS: 'nearai', NEARAI_BASE_URL: 'file:///etc' }),
    ).toThrow(/must be an http\(s\) URL/);
  });
});
