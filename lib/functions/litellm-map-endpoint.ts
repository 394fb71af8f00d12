import type { AppContext } from '../app/app-context.js';
import { HttpError } from '../edge/http-error.js';
import { liteLlmRoutes } from '../providers/registry.js';
import { authorizePriceRead, knownVersion, notModified, priceEtag } from './prices-access.js';
import { answerLiteLlmMap } from './litellm-map-cache.js';

/**
 * GET /prices/model_prices_and_context_window.json: LiteLLM's cost map with our prices layered
 * over it, streamed. LiteLLM refuses a map that is small or shrank against its packaged copy and
 * falls back silently, so without the `litellm` provider (whose map is the base) this is a 409.
 */
export async function serveLiteLlmMap(request: Request, context: AppContext): Promise<Response> {
  const cacheControl = authorizePriceRead(request, context.config);
  if (!context.config.providers.includes('litellm')) {
    // A store that cannot be reached or is not configured is the error to report first.
    await context.store.ping();
    throw new HttpError(
      409,
      "the LiteLLM map needs LiteLLM's own entries as its base: add litellm to PRICING_SYNC_PROVIDERS " +
        '(LiteLLM refuses a map much smaller than its packaged copy and silently falls back to it)',
    );
  }
  const answer = await answerLiteLlmMap({
    owner: context.store,
    clientVersion: knownVersion(request, 'litellm', ''),
    routes: liteLlmRoutes(context.providers),
    // Issue 25's freshness state will give the key here; until it lands the map depends on none.
    freshnessKey: '',
    read: (version) => context.store.readLiteLlmMap(version),
  });
  const etag = priceEtag('litellm', answer.version, '');
  if (answer.kind === 'not_modified') return notModified(etag, cacheControl);
  if (answer.kind === 'empty') {
    throw new HttpError(503, 'the litellm provider has not been synced yet: no LiteLLM entries are stored', {
      'retry-after': '300',
    });
  }
  return new Response(answer.body, {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', etag, 'cache-control': cacheControl },
  });
}
