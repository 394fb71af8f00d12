import { ProviderError } from '../../provider-http/provider-error.js';
import type { ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { PagedCatalog, parseEnvelope } from '../catalog-items.js';
import { readPagesInOrder } from '../paged-fetch.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource, joinUrl, SourceDigest } from '../provider-source.js';
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
  return digestedSource('featherless', async (context: FetchContext) => {
    const catalog = new PagedCatalog('id', normalizeFeatherlessModel, context.mayBeUnchanged === true);
    const digest = new SourceDigest();
    // The loop one page after another, with later pages requested ahead (readPagesInOrder).
    await readPagesInOrder({
      signal: context.signal,
      first: 1,
      read: async (page, signal) => {
        const url = joinUrl(options.baseUrl, 'models');
        url.searchParams.set('page', String(page));
        url.searchParams.set('per_page', String(pageSize));
        const { json, digest: bodyDigest } = await options.http.getDigestedJson(url, {
          signal,
          budget: context.budget,
        });
        const body = parseEnvelope(
          featherlessPageSchema,
          json,
          {
            provider: 'featherless',
            url: url.href,
          },
          isPlainFeatherlessPage,
        );
        return { url, body, bodyDigest };
      },
      take: ({ url, body, bodyDigest }, page) => {
        context.budget?.chargeItems(body.data.length, url.href);
        catalog.add(body.data);
        digest.add(url, bodyDigest);
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
    });
    return {
      digest: digest.finish(),
      build: () => catalog.build(),
    };
  });
}
