import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { bodyWithItems, parseEnvelope } from '../catalog-items.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource, joinUrl, SourceDigest } from '../provider-source.js';
import { isPlainOpenRouterCatalog, openRouterCatalogSchema } from './openrouter-api.js';
import { normalizeOpenRouterCatalogInTurns } from './normalize-openrouter.js';

export const OPENROUTER_DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1';

export function createOpenRouterSource(options: {
  baseUrl: string;
  http: ProviderHttpClient;
}): CatalogSource {
  return digestedSource('openrouter', async (context: FetchContext) => {
    const url = joinUrl(options.baseUrl, 'models');
    // Without this the listing holds text-output models only; image and audio models would vanish.
    url.searchParams.set('output_modalities', 'all');
    // Parsed in `build`: a sync that finds these bytes unchanged never parses them (its budget is
    // then charged the items they held, in `skip`).
    const body = await options.http.getDigestedBody(url, {
      signal: context.signal,
      budget: context.budget,
    });
    const sourceDigest = new SourceDigest();
    sourceDigest.add(url, body.digest);
    return {
      digest: sourceDigest.finish(),
      build: async (options) => {
        const salt = context.itemDigestSalt;
        // Digested items are found in the bytes and parsed only when needed (json-items.ts).
        const { json, scanned } = bodyWithItems(body, 'data', salt !== undefined);
        const envelope = parseEnvelope(
          openRouterCatalogSchema,
          json,
          { provider: 'openrouter', url: url.href },
          isPlainOpenRouterCatalog,
        );
        context.budget?.chargeItems(envelope.data.length, url.href);
        return normalizeOpenRouterCatalogInTurns(
          scanned ?? envelope.data,
          salt === undefined
            ? undefined
            : { salt, unchanged: options?.unchanged, unchangedId: options?.unchangedId },
        );
      },
      itemsDigested: context.itemDigestSalt !== undefined,
      skip: (items) => context.budget?.chargeItems(items, url.href),
    };
  });
}
