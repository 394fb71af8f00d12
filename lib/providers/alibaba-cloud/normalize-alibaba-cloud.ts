import { CatalogBuilder, emptyRecord } from '../catalog-items.js';
import { normalizeLiteLlmCostMap, normalizeLiteLlmCostMapYielding } from '../litellm/normalize-litellm.js';
import type { NormalizedCatalog } from '../price-record.js';

export const DASHSCOPE_PREFIX = 'dashscope/';

/** A `dashscope/*` key's model id (the prefix dropped), or null for every other key. */
function dashScopeModelId(key: string): string | null {
  return key.startsWith(DASHSCOPE_PREFIX) && key.length > DASHSCOPE_PREFIX.length
    ? key.slice(DASHSCOPE_PREFIX.length)
    : null;
}

/** `dashscope/*` entries of the LiteLLM cost map, with the prefix dropped from their ids. */
export function normalizeAlibabaCloudCostMap(costMap: Record<string, unknown>): NormalizedCatalog {
  return normalizeLiteLlmCostMap('alibaba-cloud', costMap, dashScopeModelId);
}

/** The same catalog as normalizeAlibabaCloudCostMap, giving the event loop a turn now and then. */
export function normalizeAlibabaCloudCostMapYielding(
  costMap: Record<string, unknown>,
): Promise<NormalizedCatalog> {
  return normalizeLiteLlmCostMapYielding('alibaba-cloud', costMap, dashScopeModelId);
}

/**
 * Adds the models the account lists (DashScope `/models`) that have no price in the cost map, as
 * `unpriced` records: they can be called, but nothing says what they cost.
 */
export function addUnpricedListedModels(
  catalog: NormalizedCatalog,
  listedIds: readonly string[],
): NormalizedCatalog {
  const known = new Set([
    ...catalog.records.map((record) => record.modelId),
    ...(catalog.unreadableIds ?? []),
  ]);
  // The listed ids are feed text too: the builder refuses the ones Postgres cannot store.
  const listed = new CatalogBuilder();
  for (const id of new Set(listedIds)) {
    if (!known.has(id)) listed.add(id, () => emptyRecord('alibaba-cloud', id));
  }
  return {
    records: [...catalog.records, ...listed.records],
    invalid: [...catalog.invalid, ...listed.invalid],
    unreadableIds: catalog.unreadableIds ?? [],
  };
}
