import type { CatalogFingerprint, SourcePart } from './catalog-fingerprint.js';

/** What a run knows of one provider once its catalog is fetched: all that decides how it is synced. */
export interface ProviderFacts {
  /** Models in the fetched catalog. */
  records: number;
  /** Models the feed lists but whose prices could not be read. */
  unreadable: number;
  /** Whether the catalog carries LiteLLM entries (160,000 at scale), stored with its commit. */
  liteLlmEntries: boolean;
  /** The hash stored on the provider row by the last apply (null: none, or something was held). */
  lastCatalogHash: string | null;
  force: boolean;
  dryRun: boolean;
}

/** How one provider is synced: decided once, carried out by runSync, planned by planProvider. */
export interface ProviderDecision {
  /**
   * The catalog is exactly the one last applied: touch the provider row, read, diff and stage
   * nothing (the unchanged-catalog shortcut).
   */
  shortcut: boolean;
  /** The catalog's hash when computed before planning; null when `hashWhileCommitting`. */
  hash: string | null;
  /** Read the operator state and the stored models as soon as the catalog is fetched. */
  readsStored: boolean;
  /** Stage the catalog's LiteLLM entries as soon as it is fetched, for the commit to use. */
  stagesLiteLlmEntries: boolean;
  /** Hash the catalog once its commit is on its way, and store the hash after, if the plan stores one. */
  hashWhileCommitting: boolean;
}

/**
 * Decides, for one fetched catalog, whether the unchanged-catalog shortcut applies, what is read,
 * whether the LiteLLM entries are staged, and when the catalog is hashed. Pure; `hashOf` (the
 * catalog's hash) is called at most once, and only when the hash is needed now.
 *
 * - The shortcut needs a stored hash equal to this catalog's, no force, and a catalog with models.
 *   Listed-but-unreadable models are not in the hash: with any, always diff (and store no hash), or
 *   one that later disappears from the feed would never be marked missing.
 * - A LiteLLM catalog that cannot be the one last applied is hashed while Postgres commits it
 *   (~0.8 s of CPU at 250k); every other hash is cheap and is computed now, to go with its commit.
 * - The entries are staged while other providers apply, unless the shortcut or a dry run writes none.
 */
export function decideProvider(facts: ProviderFacts, hashOf: () => string): ProviderDecision {
  const mayBeUnchanged =
    !facts.force && facts.records > 0 && facts.unreadable === 0 && facts.lastCatalogHash !== null;
  const hashWhileCommitting = facts.liteLlmEntries && !mayBeUnchanged;
  const hash = hashWhileCommitting ? null : hashOf();
  const shortcut = mayBeUnchanged && hash === facts.lastCatalogHash;
  return {
    shortcut,
    hash,
    readsStored: !shortcut,
    stagesLiteLlmEntries: !shortcut && facts.liteLlmEntries && !facts.dryRun,
    hashWhileCommitting,
  };
}

/** A stored fingerprint with a source part: the bytes it was built from are known. */
export type SameSource = CatalogFingerprint & { source: SourcePart };

/**
 * Whether the source shortcut applies: the provider sent bytes of the same key (same bytes, same
 * build, same price bounds) as the catalog last applied, whose fingerprint is still stored (a hold,
 * a pin or an operator action forgets it), and the run is not forced. Then the catalog is neither
 * normalized nor hashed: it would be the one last applied.
 */
export function sameSourceApplies(
  last: CatalogFingerprint | null,
  key: string | null,
  force: boolean,
): last is SameSource {
  return !force && key !== null && last !== null && last.source !== null && last.source.key === key;
}

/** The decision of the source shortcut: the unchanged-catalog shortcut, storing the same fingerprint. */
export function sameSourceDecision(fingerprint: string): ProviderDecision {
  return {
    shortcut: true,
    hash: fingerprint,
    readsStored: false,
    stagesLiteLlmEntries: false,
    hashWhileCommitting: false,
  };
}
