import { ProviderError } from '../../provider-http/provider-error.js';
import type { DigestedJson, ProviderHttpClient } from '../../provider-http/provider-http-client.js';
import { parseEnvelope } from '../catalog-items.js';
import type { CatalogSource, FetchContext } from '../provider-source.js';
import { digestedSource, SourceDigest } from '../provider-source.js';
import { liteLlmCostMapSchema } from './litellm-api.js';
import { normalizeLiteLlmCostMapYielding } from './normalize-litellm.js';
import { storableEntries } from './storable-entries.js';

export const LITELLM_DEFAULT_PRICES_URL =
  'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';

/** A cost map download in progress, joined by every source of the same run that reads the same URL. */
interface SharedDownload {
  /** The budgets of every source reading it: each is charged every byte, as if it had downloaded alone. */
  budgets: NonNullable<FetchContext['budget']>[];
  bytes: number;
  payload: Promise<DigestedJson>;
}

/**
 * Downloads in progress, per run (the run's deadline signal, which every source of one run shares)
 * and URL. `litellm` and `alibaba-cloud` read the same document, ~200,000 entries at ten times the
 * scale: fetched separately, it was downloaded and parsed twice, both copies (bytes, text and object
 * tree) alive at once. Only a download in progress is shared, never a finished one, so each run reads
 * the map afresh.
 */
const downloads = new WeakMap<AbortSignal, Map<string, SharedDownload>>();

function download(http: ProviderHttpClient, pricesUrl: string, context: FetchContext): Promise<DigestedJson> {
  const signal = context.signal;
  if (!signal) return http.getDigestedJson(pricesUrl, { signal, budget: context.budget });
  let byUrl = downloads.get(signal);
  if (!byUrl) downloads.set(signal, (byUrl = new Map()));
  const running = byUrl.get(pricesUrl);
  if (running) {
    // What was received before this source joined counts against its budget too.
    context.budget?.chargeBytes(running.bytes, pricesUrl);
    if (context.budget) running.budgets.push(context.budget);
    return running.payload.catch((error: unknown) => {
      throw asOwnError(error, http.provider);
    });
  }
  const shared: SharedDownload = {
    budgets: context.budget ? [context.budget] : [],
    bytes: 0,
    payload: null!,
  };
  const budget = {
    chargeBytes(count: number, url: string) {
      shared.bytes += count;
      for (const each of shared.budgets) each.chargeBytes(count, url);
    },
  };
  shared.payload = http.getDigestedJson(pricesUrl, { signal, budget }).finally(() => byUrl.delete(pricesUrl));
  byUrl.set(pricesUrl, shared);
  return shared.payload.catch((error: unknown) => {
    throw asOwnError(error, http.provider);
  });
}

/** A failure of the shared download as this source's own: its provider named, as if it had fetched alone. */
function asOwnError(error: unknown, provider: string): unknown {
  if (!(error instanceof ProviderError) || error.provider === provider) return error;
  const own = new ProviderError(
    error.message.startsWith(`${error.provider}:`)
      ? `${provider}:${error.message.slice(error.provider.length + 1)}`
      : error.message,
    {
      reason: error.reason,
      provider,
      url: error.url,
      status: error.status,
      retryable: error.retryable,
      attempts: error.attempts,
      retryAfterMs: error.retryAfterMs,
      causeCode: error.causeCode,
      cause: error.cause,
    },
  );
  return own;
}

/**
 * Reads LiteLLM's cost map for an `ProviderSlug`'s entries; shared by `litellm` and `alibaba-cloud`,
 * which in one run download and parse it once between them (the object is only read, never changed).
 */
export async function fetchLiteLlmCostMap(
  http: ProviderHttpClient,
  pricesUrl: string,
  context: FetchContext,
  digest: SourceDigest,
): Promise<Record<string, unknown>> {
  const { json, digest: bodyDigest } = await download(http, pricesUrl, context);
  const costMap = parseEnvelope(liteLlmCostMapSchema, json, { provider: http.provider, url: pricesUrl });
  context.budget?.chargeItems(Object.keys(costMap).length, pricesUrl);
  digest.add(pricesUrl, bodyDigest);
  return costMap;
}

/** The whole community cost map as one source; off by default (its ids are LiteLLM's, not a provider's). */
export function createLiteLlmSource(options: { pricesUrl: string; http: ProviderHttpClient }): CatalogSource {
  return digestedSource('litellm', async (context: FetchContext) => {
    const digest = new SourceDigest();
    const costMap = await fetchLiteLlmCostMap(options.http, options.pricesUrl, context, digest);
    return {
      digest: digest.finish(),
      async build() {
        const catalog = await normalizeLiteLlmCostMapYielding('litellm', costMap);
        return { ...catalog, liteLlmEntries: await storableEntries(costMap, catalog.records) };
      },
    };
  });
}
