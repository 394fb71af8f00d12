import { ProviderError } from '../../provider-http/provider-error.js';
import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { PagedCatalog, parseEnvelope } from '../catalog-items.js';
import { readPagesInOrder } from '../paged-fetch.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource, joinUrl, SourceDigest } from '../provider-source.js';
import { isPlainNearAiPage, nearAiPageSchema } from './nearai-api.js';
import { normalizeNearAiModel } from './normalize-nearai.js';

export const NEARAI_DEFAULT_BASE_URL = 'https://cloud-api.near.ai/v1';
/**
 * The most NEAR AI's server accepts (nearai/cloud-api, crates/api/src/routes/common.rs,
 * `validate_limit_offset`: "limit does not exceed 1000"; its default is 100). Each page is a
 * request: at 100 a page, a benchmark catalog of 8,333 models took 84 of them, ~45 ms of the
 * sync's CPU in fetch alone. A server that sends fewer than asked is still read to the end
 * (`readPagesInOrder` goes on from where each page ends).
 */
export const NEARAI_DEFAULT_PAGE_SIZE = 1000;
/** A catalog longer than this means pagination is not ending; stop instead of looping forever. */
const MAX_MODELS = 200_000;

export function createNearAiSource(options: {
  baseUrl: string;
  http: ProviderHttpClient;
  pageSize?: number;
}): CatalogSource {
  const pageSize = options.pageSize ?? NEARAI_DEFAULT_PAGE_SIZE;
  return digestedSource('nearai', async (context: FetchContext) => {
    const catalog = new PagedCatalog('modelId', normalizeNearAiModel, context.mayBeUnchanged === true);
    const digest = new SourceDigest();
    // The loop one page after another, with later pages requested ahead (readPagesInOrder):
    // `offset` is where the pages read so far end.
    let offset = 0;
    await readPagesInOrder({
      signal: context.signal,
      first: 0,
      read: async (at, signal) => {
        const url = joinUrl(options.baseUrl, 'model/list');
        url.searchParams.set('limit', String(pageSize));
        url.searchParams.set('offset', String(at));
        const { json, digest: bodyDigest } = await options.http.getDigestedJson(url, {
          signal,
          budget: context.budget,
        });
        return {
          url,
          bodyDigest,
          page: parseEnvelope(
            nearAiPageSchema,
            json,
            { provider: 'nearai', url: url.href },
            isPlainNearAiPage,
          ),
        };
      },
      take: ({ url, page, bodyDigest }) => {
        context.budget?.chargeItems(page.models.length, url.href);
        catalog.add(page.models);
        digest.add(url, bodyDigest);
        offset += page.models.length;
        if (page.models.length === 0 || offset >= page.total) return { next: null, step: pageSize, last: 0 };
        if (offset > MAX_MODELS) {
          throw new ProviderError(`nearai: pagination from ${url.href} did not end after ${offset} models`, {
            reason: 'schema',
            provider: 'nearai',
            url: url.href,
            retryable: false,
          });
        }
        return { next: offset, step: pageSize, last: Math.min(page.total - 1, MAX_MODELS) };
      },
    });
    return {
      digest: digest.finish(),
      build: () => catalog.build(),
    };
  });
}
