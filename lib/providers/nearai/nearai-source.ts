import { ProviderError } from '../../provider-http/provider-error.js';
import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { fetchPagedSource } from '../paged-source.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource } from '../provider-source.js';
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
  return digestedSource('nearai', (context: FetchContext) => {
    // `offset` is where the pages read so far end: a server that sends fewer than asked is read on.
    let offset = 0;
    return fetchPagedSource(
      {
        provider: 'nearai',
        http: options.http,
        first: 0,
        baseUrl: options.baseUrl,
        path: 'model/list',
        query: (at) => ({ limit: pageSize, offset: at }),
        schema: nearAiPageSchema,
        isPlain: isPlainNearAiPage,
        items: (page) => page.models,
        itemsKey: 'models',
        next: (page, _at, url) => {
          offset += page.models.length;
          if (page.models.length === 0 || offset >= page.total)
            return { next: null, step: pageSize, last: 0 };
          if (offset > MAX_MODELS) {
            throw new ProviderError(
              `nearai: pagination from ${url.href} did not end after ${offset} models`,
              {
                reason: 'schema',
                provider: 'nearai',
                url: url.href,
                retryable: false,
              },
            );
          }
          return { next: offset, step: pageSize, last: Math.min(page.total - 1, MAX_MODELS) };
        },
        idKey: 'modelId',
        normalize: normalizeNearAiModel,
      },
      context,
    );
  });
}
