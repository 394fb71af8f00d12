import { ProviderError } from '../../provider-http/provider-error.js';
import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { fetchPagedSource } from '../paged-source.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource } from '../provider-source.js';
import { isPlainFeatherlessPage, featherlessPageSchema } from './featherless-api.js';
import { normalizeFeatherlessModel } from './normalize-featherless.js';

export const FEATHERLESS_DEFAULT_BASE_URL = 'https://api.featherless.ai/v1';
/** Pages keep each response small (the unpaged catalog is ~22,000 models, ~7.8 MB). */
export const FEATHERLESS_DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGES = 10_000;

export function createFeatherlessSource(options: {
  baseUrl: string;
  http: ProviderHttpClient;
  pageSize?: number;
}): CatalogSource {
  const pageSize = options.pageSize ?? FEATHERLESS_DEFAULT_PAGE_SIZE;
  return digestedSource('featherless', (context: FetchContext) =>
    fetchPagedSource(
      {
        provider: 'featherless',
        http: options.http,
        first: 1,
        baseUrl: options.baseUrl,
        path: 'models',
        query: (page) => ({ page, per_page: pageSize }),
        schema: featherlessPageSchema,
        isPlain: isPlainFeatherlessPage,
        items: (body) => body.data,
        itemsKey: 'data',
        next: (body, page, url) => {
          // No `pagination` means the server sent everything at once.
          const last = body.pagination?.total_pages ?? 0;
          if (!body.pagination || body.data.length === 0 || body.pagination.current_page >= last) {
            return { next: null, step: 1, last: 0 };
          }
          if (page >= MAX_PAGES) {
            throw new ProviderError(
              `featherless: pagination from ${url.href} did not end after ${page} pages`,
              {
                reason: 'schema',
                provider: 'featherless',
                url: url.href,
                retryable: false,
              },
            );
          }
          return { next: page + 1, step: 1, last: Math.min(last, MAX_PAGES) };
        },
        idKey: 'id',
        normalize: normalizeFeatherlessModel,
      },
      context,
    ),
  );
}
