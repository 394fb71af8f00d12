import { ProviderError } from '../../http/provider-error.js';
import type { ProviderHttpClient } from '../../http/provider-http-client.js';
import { parseEnvelope } from '../catalog-items.js';
import { appendItems } from '../fetch-budget.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { joinUrl } from '../provider-source.js';
import { featherlessPageSchema } from './featherless-api.js';
import { normalizeFeatherlessCatalog } from './normalize-featherless.js';

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
  return {
    slug: 'featherless',
    async fetchCatalog(context: FetchContext = {}) {
      const items: unknown[] = [];
      for (let page = 1; ; page++) {
        const url = joinUrl(options.baseUrl, 'models');
        url.searchParams.set('page', String(page));
        url.searchParams.set('per_page', String(pageSize));
        const payload = await options.http.getJson(url, { signal: context.signal, budget: context.budget });
        const body = parseEnvelope(featherlessPageSchema, payload, {
          provider: 'featherless',
          url: url.href,
        });
        context.budget?.chargeItems(body.data.length, url.href);
        appendItems(items, body.data);
        // No `pagination` means the server sent everything at once.
        if (
          !body.pagination ||
          body.data.length === 0 ||
          body.pagination.current_page >= body.pagination.total_pages
        ) {
          break;
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
      }
      return normalizeFeatherlessCatalog(items);
    },
  };
}
