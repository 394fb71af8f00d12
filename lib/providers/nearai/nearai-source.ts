import { ProviderError } from '../../http/provider-error.js';
import type { ProviderHttpClient } from '../../http/provider-http-client.js';
import { parseEnvelope } from '../catalog-items.js';
import { appendItems } from '../fetch-budget.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { joinUrl } from '../provider-source.js';
import { nearAiPageSchema } from './nearai-api.js';
import { normalizeNearAiCatalog } from './normalize-nearai.js';

export const NEARAI_DEFAULT_BASE_URL = 'https://cloud-api.near.ai/v1';
export const NEARAI_DEFAULT_PAGE_SIZE = 100;
/** A catalog longer than this means pagination is not ending; stop instead of looping forever. */
const MAX_MODELS = 200_000;

export function createNearAiSource(options: {
  baseUrl: string;
  http: ProviderHttpClient;
  pageSize?: number;
}): CatalogSource {
  const pageSize = options.pageSize ?? NEARAI_DEFAULT_PAGE_SIZE;
  return {
    slug: 'nearai',
    async fetchCatalog(context: FetchContext = {}) {
      const items: unknown[] = [];
      for (let offset = 0; ;) {
        const url = joinUrl(options.baseUrl, 'model/list');
        url.searchParams.set('limit', String(pageSize));
        url.searchParams.set('offset', String(offset));
        const payload = await options.http.getJson(url, { signal: context.signal, budget: context.budget });
        const page = parseEnvelope(nearAiPageSchema, payload, { provider: 'nearai', url: url.href });
        context.budget?.chargeItems(page.models.length, url.href);
        appendItems(items, page.models);
        offset += page.models.length;
        if (page.models.length === 0 || offset >= page.total) break;
        if (offset > MAX_MODELS) {
          throw new ProviderError(`nearai: pagination from ${url.href} did not end after ${offset} models`, {
            reason: 'schema',
            provider: 'nearai',
            url: url.href,
            retryable: false,
          });
        }
      }
      return normalizeNearAiCatalog(items);
    },
  };
}
