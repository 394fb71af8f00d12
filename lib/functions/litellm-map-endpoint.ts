import type { AppContext } from '../app/app-context.js';
import type { LiteLlmMapSource } from '../db/pricing-store.js';
import { HttpError } from '../edge/http-error.js';
import { liteLlmRoutes } from '../providers/registry.js';
import { readFreshnessState } from '../sync/provider-freshness.js';
import {
  authorizePriceRead,
  includeStale,
  knownVersion,
  notModified,
  priceEtag,
  STALE_PROVIDERS_HEADER,
} from './prices-access.js';
import { answerLiteLlmMap } from './litellm-map-cache.js';

/**
 * GET /prices/model_prices_and_context_window.json: LiteLLM's cost map with our prices layered
 * over it, streamed. LiteLLM refuses a map that is small or shrank against its packaged copy and
 * falls back silently, so without the `litellm` provider (whose map is the base) this is a 409.
 * Stale providers' prices are served (LiteLLM cannot read a flag) unless `?stale=false`; either way
 * `Pricing-Stale-Providers` names the stale providers the map draws on. The ETag covers the price
 * version and the providers' freshness; the built body is kept and served again while neither moves
 * (lib/functions/litellm-map-cache.ts).
 */
export async function serveLiteLlmMap(request: Request, context: AppContext): Promise<Response> {
  const cacheControl = authorizePriceRead(request, context.config);
  const served = includeStale(new URL(request.url).searchParams.get('stale'));
  if (!context.config.providers.includes('litellm')) {
    // A store that cannot be reached or is not configured is the error to report first.
    await context.store.ping();
    throw new HttpError(
      409,
      "the LiteLLM map needs LiteLLM's own entries as its base: add litellm to PRICING_SYNC_PROVIDERS " +
        '(LiteLLM refuses a map much smaller than its packaged copy and silently falls back to it)',
    );
  }
  const routes = liteLlmRoutes(context.providers);
  const freshness = await readFreshnessState(context.store, context.config);
  const stale = [...freshness.stale.keys()].filter(
    (provider) => provider === 'litellm' || Object.hasOwn(routes, provider),
  );
  const shape = `stale=${served}|${freshness.key}`;
  const answer = await answerLiteLlmMap({
    owner: context.store,
    slot: served ? 'with-stale' : 'without-stale',
    clientVersion: knownVersion(request, 'litellm', shape),
    routes,
    freshnessKey: shape,
    read: (version) => context.store.readLiteLlmMap(version),
    select: (source) => (served ? source : withoutProviders(source, new Set(stale))),
  });
  const etag = priceEtag('litellm', answer.version, shape);
  const headers = { [STALE_PROVIDERS_HEADER]: stale.join(',') };
  if (answer.kind === 'not_modified') return notModified(etag, cacheControl, headers);
  if (answer.kind === 'empty') {
    throw new HttpError(503, 'the litellm provider has not been synced yet: no LiteLLM entries are stored', {
      'retry-after': '300',
    });
  }
  if (answer.kind === 'withheld') {
    throw new HttpError(
      503,
      'the litellm provider is stale and ?stale=false leaves its entries, the base of the map, out',
      { 'retry-after': '300', ...headers },
    );
  }
  return new Response(answer.body, {
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      etag,
      'cache-control': cacheControl,
      ...headers,
    },
  });
}

/** The map's ingredients without the rows of `providers` (the base entries too, for `litellm`). */
function withoutProviders(source: LiteLlmMapSource, providers: ReadonlySet<string>): LiteLlmMapSource {
  if (providers.size === 0) return source;
  return {
    ...source,
    entries: providers.has('litellm') ? {} : source.entries,
    prices: source.prices.filter((row) => !providers.has(row.provider)),
  };
}
