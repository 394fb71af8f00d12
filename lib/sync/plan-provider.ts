import type { NormalizedCatalog, PriceRecord, ProviderSlug } from '../providers/price-record.js';
import { storableJson } from '../text/storable-text.js';
import { diffCatalog, type CatalogDiff } from './diff-catalog.js';
import { applyGuardrails, pricePair, type GuardedDiff, type GuardrailSettings } from './guardrails.js';
import type { StoredModel } from '../domain/stored-model.js';
import { emptyCounts, type ChangeReport, type OutcomeCounts, type ProviderResult } from './sync-result.js';
import { planOperatorEffects } from './operator-effects.js';
import type { OperatorState } from '../db/operator-store.js';
import type { SyncHold } from '../domain/sync-hold.js';
import type { StoredDigest } from '../db/rpc-results.js';

const INVALID_EXAMPLES = 10;
const REPORTED_CHANGES = 50;
const REPORTED_HELD = 100;
/** Held changes recorded as rows per provider and run; past this, no pending row is withdrawn. */
const RECORDED_HELD = 5_000;

/** What one provider's fetched catalog is planned against: everything the planner reads. */
export interface PlanInput {
  provider: ProviderSlug;
  catalog: NormalizedCatalog;
  /**
   * The source shortcut's counts (the catalog, never normalized, is then empty): the counts stored
   * with the catalog last applied.
   */
  counts?: { fetched: number; unpriced: number; variable: number };
  /**
   * The catalog's hash as decideProvider computed it; null when it is hashed while committing: the
   * write then says `storesHash`, and the caller stores the hash after.
   */
  hash: string | null;
  /**
   * The provider's stored models; null when decideProvider took the unchanged-catalog shortcut and
   * nothing was read: the plan then only touches the provider row.
   */
  stored: readonly StoredModel[] | null;
  settings: GuardrailSettings;
  dryRun: boolean;
  force: boolean;
  /** Pins, rejected and rolled-back values (lib/operator/); null when not read (the shortcut). */
  operator?: OperatorState | null;
  /**
   * A digested catalog's stored side (item-digest.ts): every stored model's id, state and digest.
   * With it, `stored` holds only the models the diff needs (the items not skipped, the models no
   * longer listed), and the rest are the catalog's `skippedIds`, unchanged.
   */
  storedDigests?: ReadonlyMap<string, StoredDigest> | undefined;
}

/** One atomic write of a provider, as pricing_commit_provider takes it (run, provider and source aside). */
export interface PlannedWrite {
  records: PriceRecord[];
  missing: string[];
  /** Null when something was held or unreadable, so that the next run diffs again (or when not computed yet). */
  catalogHash: string | null;
  /** Whether the catalog's hash is to be stored: with `catalogHash` null, by the caller after the commit. */
  storesHash: boolean;
  /** The held changes to show (shortened, storable) and how many there are in all. */
  held: unknown[];
  heldCount: number;
  /** A digested catalog's item digests, stored with the rows written. */
  digests?: ReadonlyMap<string, string>;
  /** Unchanged records whose rows hold another digest: the commit writes their digest alone. */
  digestOnly?: PriceRecord[];
}

/** What to do for one provider, and what to report when it is done. */
export interface ProviderPlan {
  /** The provider's result as planned; the counts of what was written are the commit's. */
  result: ProviderResult;
  /** Null when nothing is written: a dry run, or the whole provider is held. */
  write: PlannedWrite | null;
  /**
   * Whether the catalog's LiteLLM entries are stored with the write: all of them but those of the
   * held models, which keep their previous entry. Null when none are stored.
   */
  liteLlmEntries: { heldModelIds: string[] } | null;
  /**
   * The held changes to record as rows after the write (pricing_record_sync_holds), and the
   * provider's record of each pinned model; null when the stored models were not diffed.
   */
  holds: { held: SyncHold[]; complete: boolean; pinned: PriceRecord[] } | null;
}

/**
 * Plans one provider's sync: counts what was fetched, diffs against what is stored (unless
 * decideProvider took the unchanged-catalog shortcut), holds back what looks like a glitch, and
 * says what to write. Pure: the same input always gives the same plan, and nothing is read or written.
 */
export function planProvider(input: PlanInput): ProviderPlan {
  const { catalog, dryRun } = input;
  const result: ProviderResult = {
    provider: input.provider,
    outcome: dryRun ? 'dry_run' : 'applied',
    applied: true,
    duration_seconds: 0,
    counts: input.counts ? { ...emptyCounts(), ...input.counts } : fetchedCounts(catalog),
    error: null,
    invalid_examples: catalog.invalid.slice(0, INVALID_EXAMPLES),
    held_changes: [],
  };
  if (input.stored === null) return unchangedPlan(result, input);
  return diffedPlan(result, { ...input, stored: input.stored });
}

/** The shortcut: the catalog is the one last applied, so only the provider row is touched. */
function unchangedPlan(result: ProviderResult, { hash, dryRun }: PlanInput): ProviderPlan {
  result.counts.unchanged = result.counts.fetched;
  if (dryRun) return { result, write: null, liteLlmEntries: null, holds: null };
  result.outcome = 'unchanged';
  const write = { records: [], missing: [], catalogHash: hash, storesHash: true, held: [], heldCount: 0 };
  return { result, write, liteLlmEntries: null, holds: null };
}

/** The catalog diffed against the stored models, with the guardrails' and the operator's decisions. */
function diffedPlan(
  result: ProviderResult,
  input: PlanInput & { stored: readonly StoredModel[] },
): ProviderPlan {
  const { catalog, dryRun } = input;
  const records = catalog.records;
  const skipped = catalog.skippedIds?.length ?? 0;
  const diff = diffCatalog(input.stored, records, catalog.unreadableIds);
  // Skipped items are unchanged: their rows stand for them (item-digest.ts).
  diff.unchanged += skipped;
  const listed = input.storedDigests ? listedCount(input.storedDigests) : undefined;
  const operator = planOperatorEffects(
    applyGuardrails(input.stored, records.length + skipped, diff, input.settings, input.force, listed),
    diff,
    records,
    input.operator ?? { pins: [], expiredPins: [], rolledBack: [] },
    input.force,
  );
  const guarded = operator.guarded;
  const holds = {
    held: storableJson(operator.holds.slice(0, RECORDED_HELD)),
    complete: operator.holds.length <= RECORDED_HELD,
    pinned: storableJson(operator.pinned),
  };
  countChanges(result.counts, diff, guarded);
  // Results are stored as jsonb: no text from a feed may make recording the run fail.
  result.held_changes = storableJson(guarded.held.slice(0, REPORTED_HELD));
  if (guarded.providerHold) {
    result.applied = false;
    result.outcome = 'held';
  }

  if (dryRun) {
    result.changes = changeReports(guarded);
    return { result, write: null, liteLlmEntries: null, holds: null };
  }
  if (guarded.providerHold) return { result, write: null, liteLlmEntries: null, holds };

  const unreadable = catalog.unreadableIds?.length ?? 0;
  const pinned = input.operator?.pins.length ?? 0;
  // With something held, forget the hash so the next run diffs (and holds) again.
  // With unreadable models listed, forget it too (see decideProvider).
  // With pins, forget it too: every sync must see the provider's price of a pinned model.
  const storesHash = guarded.held.length === 0 && unreadable === 0 && pinned === 0;
  const digests = catalog.itemDigests;
  const write: PlannedWrite = {
    records: guarded.apply.map((change) => change.record),
    missing: guarded.missing.map((model) => model.modelId),
    catalogHash: storesHash ? input.hash : null,
    storesHash,
    held: result.held_changes,
    heldCount: guarded.held.length,
  };
  if (digests) {
    write.digests = digests;
    const pins = input.operator?.pins ?? [];
    write.digestOnly = digestsToRefresh(records, diff, input.stored, digests, input.storedDigests, pins);
  }
  return { result, write, liteLlmEntries: liteLlmEntriesOf(catalog, guarded), holds };
}

/** Stored models that are not missing: what the guardrails compare the catalog's size with. */
function listedCount(storedDigests: ReadonlyMap<string, StoredDigest>): number {
  let listed = 0;
  for (const stored of storedDigests.values()) if (stored.state !== 'missing') listed += 1;
  return listed;
}

/**
 * The records the diff found unchanged whose rows hold another digest (or none): a new build, an
 * item whose other fields changed, a row written before digests. Written with the commit (their
 * digest alone), so that the next sync skips them. Without the stored digests, every unchanged one.
 */
function digestsToRefresh(
  records: readonly PriceRecord[],
  diff: CatalogDiff,
  stored: readonly StoredModel[],
  digests: ReadonlyMap<string, string>,
  storedDigests: ReadonlyMap<string, StoredDigest> | undefined,
  /** Pinned models: their digests read as null (never skipped), so never refreshed either. */
  pins: readonly string[],
): PriceRecord[] {
  const differs = new Set<string>(pins);
  for (const change of diff.added) differs.add(change.modelId);
  for (const change of diff.changed) differs.add(change.modelId);
  for (const change of diff.restored) differs.add(change.modelId);
  const storedIds = new Set<string>();
  for (const model of stored) storedIds.add(model.modelId);
  return records.filter(
    (record) =>
      !differs.has(record.modelId) &&
      storedIds.has(record.modelId) &&
      storedDigests?.get(record.modelId)?.digest !== digests.get(record.modelId),
  );
}

/** The diff's counts: unchanged, held, and what is applied by kind and direction. */
function countChanges(counts: OutcomeCounts, diff: CatalogDiff, guarded: GuardedDiff): void {
  counts.unchanged = diff.unchanged;
  counts.held = guarded.heldModels;
  for (const change of guarded.apply) {
    counts[change.kind] += 1;
    if (change.direction === 'up') counts.price_up += 1;
    if (change.direction === 'down') counts.price_down += 1;
  }
  counts.missing = guarded.missing.length;
}

/** The counts known from the catalog alone: its models, skipped items, unpriced and variable ones. */
export function fetchedCounts(catalog: NormalizedCatalog): OutcomeCounts {
  const counts = emptyCounts();
  // Skipped items (item-digest.ts) are listed models too, in their stored rows' states.
  counts.fetched = catalog.records.length + (catalog.skippedIds?.length ?? 0);
  counts.invalid = catalog.invalid.length;
  counts.unpriced = catalog.skippedStates?.unpriced ?? 0;
  counts.variable = catalog.skippedStates?.variable ?? 0;
  for (const record of catalog.records) {
    if (record.state === 'unpriced') counts.unpriced += 1;
    else if (record.state === 'variable') counts.variable += 1;
  }
  return counts;
}

/** A held model keeps its previous entry, so no held price reaches the map we serve. */
function liteLlmEntriesOf(
  catalog: NormalizedCatalog,
  guarded: GuardedDiff,
): { heldModelIds: string[] } | null {
  if (!catalog.liteLlmEntries) return null;
  const heldModelIds = new Set<string>();
  for (const change of guarded.held) if (change.model_id !== undefined) heldModelIds.add(change.model_id);
  return { heldModelIds: [...heldModelIds] };
}

/** The first changes a real run would write, with old and new prices. */
function changeReports(guarded: GuardedDiff): ChangeReport[] {
  const reports: ChangeReport[] = [];
  for (const change of guarded.apply) {
    if (reports.length >= REPORTED_CHANGES) return reports;
    reports.push({
      model_id: change.modelId,
      kind: change.kind,
      old: pricePair(change.old),
      new: pricePair(change.record),
    });
  }
  for (const model of guarded.missing) {
    if (reports.length >= REPORTED_CHANGES) return reports;
    reports.push({ model_id: model.modelId, kind: 'missing', old: pricePair(model), new: null });
  }
  return reports;
}

/** The committed counts of a write, as pricing_commit_provider returns them. */
export interface CommittedCounts {
  added: number;
  changed: number;
  restored: number;
  missing: number;
}

/**
 * The provider's counts with what the database committed in place of what was planned: the
 * database decides what really differed. Equal to the plan unless something else wrote meanwhile.
 */
export function withCommittedCounts(counts: OutcomeCounts, committed: CommittedCounts): OutcomeCounts {
  return {
    ...counts,
    added: committed.added,
    changed: committed.changed,
    restored: committed.restored,
    missing: committed.missing,
  };
}
