/**
 * What the replay server serves per route, in one place: the route's endpoint, the env variable
 * pointing a provider source at it, how its catalog is generated and how a request pages through it.
 * Routes are keyed by provider slug, except `dashscope` (the model list `alibaba-cloud` reads with a
 * key; its prices come from the `litellm` cost map). A new provider adds one entry here.
 */
import type { GenerateOptions } from './generate-catalog.js';
import {
  generateDashScopeModelList,
  generateFeatherlessModels,
  generateLiteLlmCostMap,
  generateNearAiModels,
  generateOpenRouterCatalog,
} from './generate-catalog.js';

export interface ReplayRenderer {
  /** The path a source requests, under the server's URL. */
  readonly endpoint: string;
  /** The env variable a provider definition reads, and its value relative to the server's URL. */
  readonly env: { readonly name: string; readonly path: string };
  /** The whole catalog for these knobs. */
  generate(options: GenerateOptions): unknown;
  /** One response from the whole catalog (a list of items); without it the catalog is served as is. */
  page?(items: unknown[], query: URLSearchParams): unknown;
  /** Answers 401 to a request without an `Authorization` header. */
  readonly requiresKey?: boolean;
}

const LITELLM_FILE = 'model_prices_and_context_window.json';

function clampInteger(value: string | null, fallback: number, minimum: number, maximum: number): number {
  const parsed = Number(value);
  if (value === null || !Number.isSafeInteger(parsed)) return fallback;
  return Math.min(maximum, Math.max(minimum, parsed));
}

export const REPLAY_RENDERERS = {
  openrouter: {
    endpoint: '/openrouter/models',
    env: { name: 'OPENROUTER_BASE_URL', path: '/openrouter' },
    generate: generateOpenRouterCatalog,
  },
  nearai: {
    endpoint: '/nearai/model/list',
    env: { name: 'NEARAI_BASE_URL', path: '/nearai' },
    generate: generateNearAiModels,
    page(models, query) {
      const limit = clampInteger(query.get('limit'), 100, 1, 1000);
      const offset = clampInteger(query.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
      return { models: models.slice(offset, offset + limit), limit, offset, total: models.length };
    },
  },
  featherless: {
    endpoint: '/featherless/models',
    env: { name: 'FEATHERLESS_BASE_URL', path: '/featherless' },
    generate: generateFeatherlessModels,
    page(models, query) {
      // Without per_page Featherless returns the whole catalog and no pagination block.
      if (!query.has('per_page')) return { data: models };
      const perPage = clampInteger(query.get('per_page'), 100, 100, 10_000);
      const page = clampInteger(query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
      const totalPages = Math.max(1, Math.ceil(models.length / perPage));
      return {
        data: models.slice((page - 1) * perPage, page * perPage),
        pagination: { current_page: page, total_pages: totalPages, total_items: models.length },
        total: models.length,
      };
    },
  },
  litellm: {
    endpoint: `/litellm/${LITELLM_FILE}`,
    env: { name: 'LITELLM_PRICES_URL', path: `/litellm/${LITELLM_FILE}` },
    generate: generateLiteLlmCostMap,
  },
  dashscope: {
    endpoint: '/dashscope/models',
    env: { name: 'DASHSCOPE_BASE_URL', path: '/dashscope' },
    generate: generateDashScopeModelList,
    requiresKey: true,
  },
} as const satisfies Record<string, ReplayRenderer>;
