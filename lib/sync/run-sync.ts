import type { Span } from '@opentelemetry/api';
import {
  writesNoModel,
  type FinishResult,
  type PricingStore,
  type ProviderRow,
  type StagedApply,
  type StagedLiteLlmEntries,
} from '../db/pricing-store.js';
import type { RunTrigger } from '../domain/run-types.js';
import { StoreError } from '../db/store-error.js';
import { ProviderError } from '../provider-http/provider-error.js';
import { runErrorSummary } from './run-error-summary.js';
import type { Logger } from '../logging/logger.js';
import type { NormalizedCatalog, ProviderSlug } from '../providers/price-record.js';
import type { FetchContext, FetchedSource, ProviderSource } from '../providers/provider-source.js';
import { storableJson, storableText } from '../text/storable-text.js';
import { inSpan } from '../tracing/tracing.js';
import { catalogHash, itemsHash, type EntriesInHash } from './catalog-hash.js';
import { itemDigestSalt } from '../providers/item-digest.js';
import type { KnownPage } from '../providers/known-page.js';
import type { StoredDigest } from '../db/rpc-results.js';
import {
  decideProvider,
  sameSourceApplies,
  sameSourceDecision,
  type ProviderDecision,
  type SameSource,
} from './provider-decision.js';
import {
  formatFingerprint,
  parseFingerprint,
  sourceKey,
  sourcePartOf,
  withPages,
  type CatalogFingerprint,
  type SourcePart,
} from './catalog-fingerprint.js';
import { VERSION } from '../version.js';
import type { GuardrailSettings } from './guardrails.js';
import { planProvider, withCommittedCounts, type ProviderPlan } from './plan-provider.js';
import { RunDeadlineError, startDeadline, type RunDeadline } from './run-deadline.js';
import { DEFAULTS } from '../config.js';
import { FetchBudget } from '../providers/fetch-budget.js';
import { nextTurn } from '../providers/catalog-items.js';
import { DEFAULT_MAX_PRICE_PER_1M, enforcePriceBounds } from './price-bounds.js';
import { runStatusOf } from './run-status.js';
import { emptyCounts, type OutcomeCounts, type ProviderResult, type RunReport } from './sync-result.js';
import { OperatorStore, type OperatorState } from '../db/operator-store.js';
import { settle, unwrap, type Settled } from './settled.js';
import { heapRelief, type HeapRelief } from './heap-relief.js';
import type { StoredModel } from '../domain/stored-model.js';

export interface SyncSettings extends GuardrailSettings {
  leaseSeconds: number;
  /** Fetches still unanswered this long after the run started are given up as `timeout`. */
  deadlineSeconds: number;
  /** `PRICING_MAX_PRICE_PER_1M`: a price above this (USD per 1M tokens) makes its item invalid. */
  maxPricePer1m?: string;
  /** `PRICING_PROVIDER_MAX_BYTES`: most bytes one provider may send in one run. */
  providerMaxBytes?: number;
  /** `PRICING_PROVIDER_MAX_ITEMS`: most catalog items one provider may send in one run. */
  providerMaxItems?: number;
  /**
   * This build's identity (package version, and the Vercel deployment when there is one): bytes
   * applied by another build are normalized again (catalog-fingerprint.ts). Default: the version.
   */
  buildId?: string;
  /**
   * `PRICING_SYNC_GC_ABOVE_MB`: over this much heap between providers, a full garbage collection
   * (heap-relief.ts); 0 never. Default 128.
   */
  gcAboveMb?: number;
}

export interface SyncDependencies {
  store: PricingStore;
  sources: readonly ProviderSource[];
  settings: SyncSettings;
  logger: Logger;
}

export interface SyncRequest {
  trigger: RunTrigger;
  triggeredBy: string | null;
  dryRun: boolean;
  /** Skip the guardrails for this run: what would be held is applied. */
  force: boolean;
  /** Which of the sources to sync; all of them when omitted. */
  providers?: readonly ProviderSlug[];
  /** Called as each provider finishes (the CLI prints progress with it). */
  onProviderDone?: (result: ProviderResult) => void;
  /** Called as a provider moves on: fetching, fetched (waiting its turn to apply), applying. */
  onProviderProgress?: (event: ProviderProgress) => void;
}

export interface ProviderProgress {
  provider: string;
  phase: 'fetching' | 'fetched' | 'applying';
  /** Items received so far while `fetching` (after each page); items in the catalog from `fetched` on. */
  items?: number;
}

export type SyncOutcome =
  | { kind: 'finished'; report: RunReport }
  | {
      kind: 'refused';
      holder: { runId: number; startedAt: string; trigger: RunTrigger; triggeredBy: string | null };
    };

/**
 * One sync run: take the lease, fetch the providers in parallel under a deadline, then per provider
 * carry out its decision (decideProvider) and apply its plan (planProvider) atomically, and finish.
 * Every path that took the lease records the run and gives the lease back, or, if the run cannot be
 * recorded, lets the lease expire so that the next run records it as abandoned.
 */
export async function runSync(deps: SyncDependencies, request: SyncRequest): Promise<SyncOutcome> {
  const sources = request.providers
    ? deps.sources.filter((source) => request.providers!.includes(source.slug))
    : [...deps.sources];
  const slugs = sources.map((source) => source.slug);
  const lease = await deps.store.takeLease({
    trigger: request.trigger,
    triggeredBy: request.triggeredBy,
    dryRun: request.dryRun,
    forced: request.force,
    providers: slugs,
    leaseSeconds: deps.settings.leaseSeconds,
  });
  if (!lease.acquired) {
    deps.logger.warn({ holder: lease.holder }, 'sync refused: another run holds the lease');
    return { kind: 'refused', holder: lease.holder };
  }
  const log = deps.logger.child({ run_id: lease.runId, trigger: request.trigger, dry_run: request.dryRun });
  if (lease.abandonedRunId !== null) {
    log.warn(
      { abandoned_run_id: lease.abandonedRunId },
      'took over an expired lease: the previous run is abandoned',
    );
  }
  log.info(
    { providers: slugs, forced: request.force, triggered_by: request.triggeredBy },
    'sync run started',
  );
  const run: LeasedRun = { deps, request, runId: lease.runId, startedAt: lease.startedAt, slugs, log };
  return inSpan(
    'pricing_sync.run',
    { trigger: request.trigger, dry_run: request.dryRun, forced: request.force, run_id: lease.runId },
    (span) => syncAndFinish(run, sources, span),
  );
}

/** A run that holds the lease. */
interface LeasedRun {
  deps: SyncDependencies;
  request: SyncRequest;
  runId: number;
  startedAt: string;
  /** The providers of the run, in the order the report lists them. */
  slugs: readonly string[];
  log: Logger;
}

/** Syncs every provider and records the run; a failure of the run itself is recorded as `failed`. */
async function syncAndFinish(
  run: LeasedRun,
  sources: readonly ProviderSource[],
  span: Span,
): Promise<SyncOutcome> {
  const { deps, runId, log } = run;
  let results: ProviderResult[] = [];
  try {
    const providerRows = new Map((await deps.store.readProviders()).map((row) => [row.provider, row]));
    results = await syncProviders(run, sources, providerRows);
    const ordered = run.slugs.map((slug) => results.find((result) => result.provider === slug)!);
    const status = runStatusOf(ordered);
    const summary = runErrorSummary(ordered);
    const finish = await deps.store.finishRun(runId, status, { providers: byProvider(results) }, summary);
    const report = reportOf(run, finish, status, results, summary);
    span.setAttribute('status', report.status);
    log.info({ status: report.status, duration_seconds: report.duration_seconds }, 'sync run finished');
    return { kind: 'finished', report };
  } catch (error) {
    const message = storableText(error instanceof Error ? error.message : String(error));
    log.error({ err: error }, 'sync run failed unexpectedly');
    span.setAttribute('status', 'failed');
    // If even this cannot be recorded (the database is gone), the lease is deliberately not
    // released: it expires, and the next run marks this one abandoned. Releasing it would
    // leave the run 'running' forever.
    const finish = await deps.store
      .finishRun(runId, 'failed', { providers: byProvider(results) }, message)
      .catch((finishError: unknown) => {
        log.error({ err: finishError }, 'could not record the failed run; its lease will expire');
        return null;
      });
    return { kind: 'finished', report: reportOf(run, finish, 'failed', results, message) };
  }
}

/** Results keyed by provider, in the order the providers finished (the CLI's table keeps it). */
function byProvider(results: readonly ProviderResult[]): Record<string, ProviderResult> {
  return Object.fromEntries(results.map((result) => [result.provider, result]));
}

function reportOf(
  { request, runId, startedAt }: LeasedRun,
  finish: FinishResult | null,
  status: RunReport['status'],
  results: readonly ProviderResult[],
  error: string | null,
): RunReport {
  return {
    run_id: runId,
    trigger: request.trigger,
    triggered_by: request.triggeredBy,
    status: finish && !finish.finished && finish.status === 'abandoned' ? 'abandoned' : status,
    dry_run: request.dryRun,
    forced: request.force,
    started_at: startedAt,
    duration_seconds:
      finish?.durationSeconds !== undefined
        ? finish.durationSeconds
        : (Date.now() - Date.parse(startedAt)) / 1000,
    providers: byProvider(results),
    error,
  };
}

/** Every provider's result, in the order they finished. One failing never stops the others. */
async function syncProviders(
  run: LeasedRun,
  sources: readonly ProviderSource[],
  providerRows: ReadonlyMap<string, ProviderRow>,
): Promise<ProviderResult[]> {
  const deadline = startDeadline(run.deps.settings.deadlineSeconds);
  // One per run: the operator's side of the store (pins, rejected values, held rows).
  const operator = new OperatorStore(run.deps.store);
  // At most COMMITS_AT_ONCE applies at once: each is one transaction holding the lease (shared
  // with the run's other commits, which write one at a time: 20261207001100_parallel_commits.sql).
  const applyInTurn = atMost(COMMITS_AT_ONCE);
  // Commits that write no model (the unchanged shortcuts: a touch of the provider row) take turns
  // of their own, one at a time: each takes ~1 ms, and two at once had the second open a new
  // connection (~10 ms) at the end of an unchanged re-sync.
  const touchInTurn = atMost(1);
  const heap = heapRelief((run.deps.settings.gcAboveMb ?? DEFAULTS.gcAboveMb) * 2 ** 20);
  const finished: ProviderResult[] = [];
  try {
    await Promise.all(
      sources.map(async (source) => {
        const row = providerRows.get(source.slug);
        const result = await syncProvider({
          ...run,
          source,
          known: row !== undefined,
          lastCatalogHash: row?.catalogHash ?? null,
          pendingHeld: row?.heldCount ?? 0,
          operator,
          deadline,
          applyInTurn,
          touchInTurn,
          heap,
        });
        finished.push(result);
        // Its catalog and plan are dead now.
        heap.relieve();
        run.request.onProviderDone?.(result);
      }),
    );
  } finally {
    deadline.clear();
  }
  return finished;
}

interface ProviderTask extends LeasedRun {
  source: ProviderSource;
  /** Whether the provider has a row (it was synced before): its stored models may be skipped to. */
  known: boolean;
  lastCatalogHash: string | null;
  /** Held changes the provider row counts as pending before this run. */
  pendingHeld: number;
  operator: OperatorStore;
  deadline: RunDeadline;
  applyInTurn: <T>(work: () => Promise<T>) => Promise<T>;
  /** The turns of commits that write no model (onlyTouches). */
  touchInTurn: <T>(work: () => Promise<T>) => Promise<T>;
  /** Collects garbage between providers when the heap is large (heap-relief.ts). */
  heap: HeapRelief;
}

/** Fetches one provider, then (in its turn) plans and applies it; never throws. */
async function syncProvider(task: ProviderTask): Promise<ProviderResult> {
  const { source, log } = task;
  const started = performance.now();
  let result: ProviderResult;
  try {
    result = await fetchAndApply(task);
  } catch (error) {
    result = failedResult(source.slug, error);
    log.warn(
      {
        provider: source.slug,
        reason: result.error?.reason,
        code: result.error?.code ?? result.error?.status,
        error: result.error?.message,
      },
      'provider failed',
    );
  }
  result.duration_seconds = Math.round(performance.now() - started) / 1000;
  // Results are stored as jsonb: no text from a feed (an id, a body snippet in an error) may
  // make recording the run fail.
  result = storableJson(result);
  if (result.error === null) {
    log.info(
      { provider: source.slug, outcome: result.outcome, counts: result.counts },
      `provider ${result.outcome}`,
    );
  }
  return result;
}

/** What one provider's apply works with, besides its task: all started as soon as it was fetched. */
interface Prepared {
  /** The catalog as planned: once staged, its LiteLLM entries are the database's (only `{}` is left). */
  catalog: NormalizedCatalog;
  decision: ProviderDecision;
  /** The source shortcut's stored counts; the catalog is then empty, never normalized. */
  sameSource?: SourcePart;
  /** The catalog's hash, for when decideProvider says to hash while committing; else null. */
  hashLater: (() => string) | null;
  reads: Settled<PlanReads> | null;
  staging: Settled<StagedLiteLlmEntries> | null;
}

/** Fetches the catalog, decides, starts what the decision says, and applies in the provider's turn. */
async function fetchAndApply(task: ProviderTask): Promise<ProviderResult> {
  const { request, source, log } = task;
  request.onProviderProgress?.({ provider: source.slug, phase: 'fetching' });
  const last = parseFingerprint(task.lastCatalogHash);
  const fetched = await fetchCatalog(task, last);
  if (fetched.kind === 'same-source') return applySameSource(task, fetched.fingerprint);
  const { catalog } = fetched;
  log.info(
    {
      provider: source.slug,
      fetched: catalog.records.length + (catalog.skippedIds?.length ?? 0),
      invalid: catalog.invalid.length,
    },
    'provider fetched',
  );
  const items = catalog.records.length + (catalog.skippedIds?.length ?? 0) + catalog.invalid.length;
  request.onProviderProgress?.({ provider: source.slug, phase: 'fetched', items });
  // The pages' text and parsed items are dead once normalized.
  task.heap.relieve();
  const prepared = prepare(task, fetched, last);
  try {
    return await applyPrepared(task, prepared, items);
  } finally {
    // Unused when the plan writes nothing or the apply failed first: then nothing was written from
    // the staged entries, so a staging failure costs nothing (settled, it cannot reject). Awaited
    // so that the run does not end while it still sends them.
    await prepared.staging;
  }
}

/**
 * Decides, and starts what the decision says (the reads, the staging of the LiteLLM entries).
 * Nothing made here keeps the entries once staged: the hash stands for them by the key of their
 * bytes when there is one (catalog-hash.ts), so a cost map's object tree goes with its staging.
 */
function prepare(
  task: ProviderTask,
  { catalog, sourceKey: key, index, pages }: Fetched & { kind: 'catalog' },
  last: CatalogFingerprint | null,
): Prepared {
  const { request } = task;
  const { records, liteLlmEntries, itemDigests } = catalog;
  const entriesInHash: EntriesInHash | undefined =
    liteLlmEntries === undefined
      ? undefined
      : key === null
        ? { entries: liteLlmEntries }
        : { fromSource: key };
  // A digested catalog is hashed by its items' digests: its skipped items have no record.
  const hashOf = () => (itemDigests ? itemsHash(itemDigests) : catalogHash(records, entriesInHash));
  const decision = decideProvider(
    {
      records: records.length + (catalog.skippedIds?.length ?? 0),
      unreadable: catalog.unreadableIds?.length ?? 0,
      liteLlmEntries: liteLlmEntries !== undefined,
      lastCatalogHash: last?.catalogHash ?? null,
      force: request.force,
      dryRun: request.dryRun,
    },
    hashOf,
  );
  // What is stored is the hash with the source part: the next run may then skip these bytes.
  const sourcePart = sourcePartOf(key, catalog, pages);
  const fingerprintOf = (hash: string) => formatFingerprint({ catalogHash: hash, source: sourcePart });
  const staging =
    decision.stagesLiteLlmEntries && liteLlmEntries
      ? settle(task.deps.store.stageLiteLlmEntries(task.runId, liteLlmEntries))
      : null;
  return {
    catalog: staging ? { ...catalog, liteLlmEntries: {} } : catalog,
    decision: { ...decision, hash: decision.hash === null ? null : fingerprintOf(decision.hash) },
    hashLater: decision.hashWhileCommitting ? () => fingerprintOf(hashOf()) : null,
    reads: decision.readsStored ? settle(readForPlan(task, catalog, index)) : null,
    staging,
  };
}

/**
 * Plans as soon as the reads are in, then writes in the provider's turn, all in its span. Planning
 * reads and writes nothing (pure, on what was read when the provider was fetched), so it overlaps
 * the other providers' commits; the commit, Postgres's work, waits for a turn (at most
 * COMMITS_AT_ONCE at once).
 */
function applyPrepared(task: ProviderTask, prepared: Prepared, items: number): Promise<ProviderResult> {
  const { request, source } = task;
  return inSpan('pricing_sync.apply', { provider: source.slug, dry_run: request.dryRun }, async (span) => {
    const plan = await planWithReads(task, prepared, span);
    // Staged before the turn too: Postgres takes this provider's chunks while another commits.
    const staged = plan.write === null ? null : await stagePlan(task, prepared, plan);
    const inTurn = onlyTouches(plan) ? task.touchInTurn : task.applyInTurn;
    return inTurn(async () => {
      request.onProviderProgress?.({ provider: source.slug, phase: 'applying', items });
      const { result } = plan;
      const counts = staged === null ? result.counts : await commitPlan(task, prepared, plan, staged);
      await recordHolds(task, plan, prepared.catalog);
      return { ...result, counts };
    });
  });
}

/**
 * The source shortcut: the provider sent the very bytes last applied, under the same build and
 * bounds, so nothing is normalized, hashed or read; the provider row is touched as by the
 * unchanged-catalog shortcut, and the counts reported are the stored ones.
 */
function applySameSource(task: ProviderTask, fingerprint: SameSource): Promise<ProviderResult> {
  const { fetched } = fingerprint.source;
  task.log.info({ provider: task.source.slug, fetched, invalid: 0 }, 'provider fetched');
  task.request.onProviderProgress?.({ provider: task.source.slug, phase: 'fetched', items: fetched });
  const prepared: Prepared = {
    catalog: { records: [], invalid: [], unreadableIds: [] },
    decision: sameSourceDecision(formatFingerprint(fingerprint)),
    sameSource: fingerprint.source,
    hashLater: null,
    reads: null,
    staging: null,
  };
  return applyPrepared(task, prepared, fetched);
}

type Fetched =
  | {
      kind: 'catalog';
      catalog: NormalizedCatalog;
      sourceKey: string | null;
      /** A digested catalog's stored side, read before it was built (null: not digested). */
      index: StoredIndex | null;
      /** A paged source's pages with their layouts, kept with the fingerprint (known-page.ts). */
      pages: readonly KnownPage[] | undefined;
    }
  | { kind: 'same-source'; fingerprint: SameSource };

/**
 * Fetches the provider's catalog and normalizes it, unless its bytes are those of the fingerprint
 * (and the run is not forced): then nothing is normalized (see catalog-fingerprint.ts).
 */
async function fetchCatalog(task: ProviderTask, last: CatalogFingerprint | null): Promise<Fetched> {
  const { deps, request, source, deadline } = task;
  return inSpan('pricing_sync.fetch', { provider: source.slug }, async (span) => {
    const maxPricePer1m = deps.settings.maxPricePer1m ?? DEFAULT_MAX_PRICE_PER_1M;
    const build = deps.settings.buildId ?? VERSION;
    const mayBeUnchanged = !request.force && (Boolean(last?.source) || task.known);
    const knownPages = mayBeUnchanged ? last?.source?.pages : undefined;
    const context = {
      signal: deadline.signal,
      // Kept as parsed until built when its bytes may be those last applied, or its items those
      // of the stored rows (item-digest.ts): either way most of it may never be normalized.
      mayBeUnchanged,
      itemDigestSalt: itemDigestSalt(build, maxPricePer1m),
      // The pages last applied: the same bytes' envelopes are read without a scan (known-page.ts).
      knownPages: knownPages ? new Map(knownPages.map((page) => [page.key, page])) : undefined,
      budget: new FetchBudget(
        source.slug,
        deps.settings.providerMaxBytes ?? DEFAULTS.providerMaxBytes,
        deps.settings.providerMaxItems ?? DEFAULTS.providerMaxItems,
        (items: number) => request.onProviderProgress?.({ provider: source.slug, phase: 'fetching', items }),
      ),
    };
    const fetched = await Promise.race([fetchSourceOf(source, context), deadline.passed]);
    const key = fetched.digest === null ? null : sourceKey(fetched.digest, { build, maxPricePer1m });
    if (sameSourceApplies(last, key, request.force)) {
      fetched.skip?.(last.source.fetched);
      span.setAttributes({ fetched: last.source.fetched, invalid: 0, same_source: true });
      // Stored again with the pages as read now: a layout that no longer fit was found again.
      const fingerprint = { ...last, source: withPages(last.source, fetched.pages) };
      return { kind: 'same-source', fingerprint };
    }
    // A digested catalog skips the items its stored rows were written from: read them first, and
    // the operator state meanwhile. It may remove an expired pin's row before or after the index
    // is read: either way that model's digest is null (its pin changed its values) or stands for
    // the values its row holds, so skipping it is right.
    // A provider never synced (no provider row) has no rows written from its items to skip to: it
    // is built while its index is read, not after (the index still says which rows to diff).
    const operatorState = fetched.itemsDigested ? settle(readOperatorStateOf(task)) : null;
    const reading = fetched.itemsDigested ? settle(readStoredIndex(task)) : null;
    const skipping = reading && task.known ? await unwrap(reading) : null;
    const built = await fetched.build(
      skipping?.unchanged ? { unchanged: skipping.unchanged, unchangedId: skipping.unchangedId } : undefined,
    );
    const index = reading ? { ...(await unwrap(reading)), operatorState } : null;
    const catalog = enforcePriceBounds(index ? withSkippedStates(built, index) : built, { maxPricePer1m });
    span.setAttributes({
      fetched: catalog.records.length,
      invalid: catalog.invalid.length,
      skipped: catalog.skippedIds?.length ?? 0,
    });
    return { kind: 'catalog', catalog, sourceKey: key, index, pages: fetched.pages };
  });
}

/** The source's fetch in two steps; one without `fetchSource` has no digest and is built at once. */
async function fetchSourceOf(
  source: ProviderSource,
  context: FetchContext,
): Promise<{ digest: string | null } & Omit<FetchedSource, 'digest'>> {
  if (source.fetchSource) return source.fetchSource(context);
  const catalog = await source.fetchCatalog(context);
  return { digest: null, build: async () => catalog };
}

interface PlanReads {
  operatorState: OperatorState;
  /** The stored models the diff needs: all of them, or with `storedDigests` those it names. */
  stored: StoredModel[];
  storedDigests?: ReadonlyMap<string, StoredDigest>;
}

/**
 * A digested catalog's stored side, read as soon as the provider is fetched and before it is built
 * (item-digest.ts): every stored model's id, state and digest. `unchanged` says which items their
 * rows stand for; none in a forced run.
 */
interface StoredIndex {
  byId: ReadonlyMap<string, StoredDigest>;
  unchanged: ((id: string, digest: string) => boolean) | undefined;
  /** The same, for items digested by their bytes: the model whose row stands for this digest. */
  unchangedId: ((digest: string) => string | undefined) | undefined;
  /** The operator state, read alongside (readForPlan uses it). */
  operatorState?: Settled<OperatorState> | null;
}

/** Pins and rolled-back values; removing an expired pin applies the provider's price. */
function readOperatorStateOf({ operator, request, runId, source }: ProviderTask): Promise<OperatorState> {
  return operator.readOperatorState(request.dryRun ? null : runId, source.slug);
}

async function readStoredIndex({ deps, request, source }: ProviderTask): Promise<StoredIndex> {
  const byId = new Map<string, StoredDigest>();
  // Digest to model, for items digested by their bytes; null when two rows hold one digest (it then
  // stands for neither).
  const byDigest = new Map<string, string | null>();
  for (const row of await deps.store.readSourceDigests(source.slug)) {
    byId.set(row.modelId, row);
    if (row.digest !== null && row.state !== 'missing')
      byDigest.set(row.digest, byDigest.has(row.digest) ? null : row.modelId);
  }
  // A pinned model has no digest here (it is always normalized: its record is reported for drift),
  // nor has a row whose values came from elsewhere (a rollback, an approval). A missing one is
  // restored, so normalized too.
  const unchanged = (id: string, digest: string) => {
    const stored = byId.get(id);
    return stored !== undefined && stored.digest === digest && stored.state !== 'missing';
  };
  const unchangedId = (digest: string) => byDigest.get(digest) ?? undefined;
  return request.force
    ? { byId, unchanged: undefined, unchangedId: undefined }
    : { byId, unchanged, unchangedId };
}

/** The catalog with how many of its skipped items are unpriced and variable (their rows' states). */
function withSkippedStates(catalog: NormalizedCatalog, index: StoredIndex): NormalizedCatalog {
  let unpriced = 0;
  let variable = 0;
  for (const id of catalog.skippedIds ?? []) {
    const state = index.byId.get(id)?.state;
    if (state === 'unpriced') unpriced += 1;
    else if (state === 'variable') variable += 1;
  }
  return { ...catalog, skippedStates: { unpriced, variable } };
}

/**
 * Reads what the plan needs (operator state, then the stored models) as soon as the provider is
 * fetched, not in its turn to apply: while the run holds the lease only this provider's own apply
 * writes its rows (operator actions take the lease too), so what is read now is what its turn would
 * read, and the reads overlap with the other providers' work. A digested catalog's operator state
 * was read with its index, and only the stored models its diff needs are read (storedToDiff).
 */
async function readForPlan(
  task: ProviderTask,
  catalog: NormalizedCatalog,
  index: StoredIndex | null,
): Promise<PlanReads> {
  const { deps, source } = task;
  // Pins and rolled-back values first: removing an expired pin applies the provider's price (an
  // expired pin's model is diffed unless its row's digest stands for its values: see fetchCatalog).
  const operatorState = index?.operatorState
    ? await unwrap(index.operatorState)
    : await readOperatorStateOf(task);
  if (!index) return { operatorState, stored: await deps.store.readModels(source.slug) };
  const needed = storedToDiff(catalog, index.byId);
  let stored: StoredModel[] = [];
  const read = storedReadOf(needed.size, index.byId.size);
  if (read === 'all')
    stored = (await deps.store.readModels(source.slug)).filter((model) => needed.has(model.modelId));
  else if (read === 'by id') stored = await deps.store.readModelsOf(source.slug, [...needed]);
  return { operatorState, stored, storedDigests: index.byId };
}

/** Most ids sent to pricing_read_models_of in one call: ~40 bytes each, well under a request body's cap. */
export const READ_BY_ID_MAX = 5_000;

/**
 * How to read the stored models a digested catalog's diff needs: none; by id; or all of them (and
 * keep those needed) when they are most of the provider's, where one read of all is cheaper than
 * sending their ids, or more than READ_BY_ID_MAX (a hostile feed that changes every item must not
 * make one request of megabytes of ids).
 */
export function storedReadOf(needed: number, stored: number): 'none' | 'by id' | 'all' {
  if (needed === 0) return 'none';
  return needed > stored / 2 || needed > READ_BY_ID_MAX ? 'all' : 'by id';
}

/**
 * The stored models a digested catalog's diff needs: those of its records (changed, restored or
 * unchanged), and those not missing that it no longer lists (to be marked missing). Not the rows
 * of skipped items (unchanged), of unreadable ones (kept), or missing ones not listed (left).
 */
function storedToDiff(catalog: NormalizedCatalog, byId: ReadonlyMap<string, StoredDigest>): Set<string> {
  const needed = new Set<string>();
  for (const record of catalog.records) if (byId.has(record.modelId)) needed.add(record.modelId);
  const listed = new Set<string>(catalog.skippedIds);
  for (const id of catalog.unreadableIds ?? []) listed.add(id);
  for (const stored of byId.values()) {
    if (stored.state !== 'missing' && !listed.has(stored.modelId)) needed.add(stored.modelId);
  }
  return needed;
}

/** Plans with what was read (the counts reported are then the commit's). */
async function planWithReads(task: ProviderTask, prepared: Prepared, span: Span): Promise<ProviderPlan> {
  const { deps, request } = task;
  const { catalog, decision } = prepared;
  // A failed read fails the provider here, where its result records it.
  const read = prepared.reads === null ? null : await unwrap(prepared.reads);
  const plan = planProvider({
    provider: task.source.slug,
    catalog,
    ...(prepared.sameSource ? { counts: prepared.sameSource } : {}),
    hash: decision.hash,
    stored: read?.stored ?? null,
    operator: read?.operatorState ?? null,
    storedDigests: read?.storedDigests,
    settings: deps.settings,
    dryRun: request.dryRun,
    force: request.force,
  });
  const { result } = plan;
  span.setAttributes(
    read === null
      ? { unchanged: result.counts.unchanged, shortcut: true }
      : {
          added: result.counts.added,
          changed: result.counts.changed,
          missing: result.counts.missing,
          restored: result.counts.restored,
          held: result.counts.held,
          unchanged: result.counts.unchanged,
        },
  );
  return plan;
}

/**
 * Stages the plan's write (every chunk but the last, and the LiteLLM entries' staging awaited),
 * outside the provider's turn: staging writes nothing another run or provider reads, so it
 * overlaps the commits before this one. What it returns commits in the turn.
 */
async function stagePlan(task: ProviderTask, prepared: Prepared, plan: ProviderPlan): Promise<StagedApply> {
  const { deps, runId, source } = task;
  const write = plan.write!;
  // The entries are written in the commit's transaction: all of the provider or nothing.
  if (plan.liteLlmEntries && !prepared.staging)
    throw new Error(`${source.slug}: LiteLLM entries to write were never staged`);
  const liteLlmEntries =
    plan.liteLlmEntries && prepared.staging
      ? { staged: await unwrap(prepared.staging), heldModelIds: plan.liteLlmEntries.heldModelIds }
      : undefined;
  return deps.store.stageApply({
    ...write,
    runId,
    provider: source.slug,
    source: source.sourceLabel,
    ...(liteLlmEntries ? { liteLlmEntries } : {}),
  });
}

/** Commits the staged write, and stores the catalog's hash if it was left for later. */
async function commitPlan(
  task: ProviderTask,
  prepared: Prepared,
  plan: ProviderPlan,
  staged: StagedApply,
): Promise<OutcomeCounts> {
  const { deps, runId, source } = task;
  const write = plan.write!;
  // Postgres commits while the catalog is hashed; a failed commit is thrown below, where it fails
  // the provider.
  const committing = settle(staged.commit());
  const laterHash =
    write.storesHash && prepared.decision.hash === null
      ? await hashWhileCommitting(task, prepared.hashLater)
      : null;
  // Also while Postgres commits: the staging's rows are dead.
  task.heap.relieve();
  const committed = await unwrap(committing);
  // The provider is committed: failing to store its hash costs the next run a full diff, never
  // this run's result.
  if (laterHash !== null) {
    await deps.store.setCatalogHash(runId, source.slug, laterHash).catch((error: unknown) => {
      task.log.warn(
        { provider: source.slug, err: error },
        'could not store the catalog hash; the next run diffs in full',
      );
    });
  }
  const counts = withCommittedCounts(plan.result.counts, committed);
  if (!sameCounts(counts, plan.result.counts)) {
    task.log.warn(
      { provider: source.slug, planned: plan.result.counts, committed: counts },
      'the database committed other counts than planned; reporting what it committed',
    );
  }
  return counts;
}

/**
 * Records the plan's held changes as rows (never in a dry run). Back at exactly what was last
 * applied (the shortcut), what was held meanwhile (a shrunken catalog) is withdrawn.
 */
async function recordHolds(
  task: ProviderTask,
  plan: ProviderPlan,
  catalog: NormalizedCatalog,
): Promise<void> {
  if (task.request.dryRun) return;
  // Nothing held now, no pin to record drift for, and no pending row to withdraw: no call (a
  // first sync of every provider stays at its round-trip budget).
  const nothing = plan.holds === null || (plan.holds.held.length === 0 && plan.holds.pinned.length === 0);
  if (nothing && task.pendingHeld === 0) return;
  await task.operator.recordSyncHolds({
    runId: task.runId,
    provider: task.source.slug,
    held: plan.holds?.held ?? [],
    complete: plan.holds?.complete ?? true,
    keep: catalog.unreadableIds ?? [],
    pinned: plan.holds?.pinned ?? [],
  });
}
/**
 * The catalog's hash, computed once the commit is on its way (Postgres commits meanwhile). A hash
 * only lets the next run skip an unchanged catalog: if it cannot be had, none is stored and the
 * next run diffs in full.
 */
async function hashWhileCommitting(
  task: ProviderTask,
  hashAfter: (() => string) | null,
): Promise<string | null> {
  if (!hashAfter) return null;
  await nextTurn();
  try {
    return hashAfter();
  } catch (error) {
    task.log.warn(
      { provider: task.source.slug, err: error },
      'could not hash the catalog; the next run diffs in full',
    );
    return null;
  }
}

function sameCounts(a: OutcomeCounts, b: OutcomeCounts): boolean {
  return (
    a.added === b.added && a.changed === b.changed && a.restored === b.restored && a.missing === b.missing
  );
}

/**
 * Providers committing at once (20261207001100_parallel_commits.sql): each reads what it will write
 * beside the others, and writes its rows and history in turn. Two: the 2-core machine the bench
 * runs on; a third at once only shares the same cores (measured: no quicker).
 */
export const COMMITS_AT_ONCE = 2;

/** A plan whose write changes no model row nor LiteLLM entry: its commit only records the provider. */
function onlyTouches({ write, liteLlmEntries }: ProviderPlan): boolean {
  return write !== null && !liteLlmEntries && writesNoModel(write);
}

/** Runs at most `limit` of the works given to it at once, in the order given; one failing stops none. */
export function atMost(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await work();
    } finally {
      // The slot passes to the next waiting work, if any; a work's failure is its caller's.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

function failedResult(provider: string, error: unknown): ProviderResult {
  let reason: NonNullable<ProviderResult['error']>['reason'];
  if (error instanceof ProviderError) reason = error.reason;
  else if (error instanceof RunDeadlineError) reason = 'timeout';
  else if (error instanceof StoreError) reason = 'store';
  else reason = 'internal';
  return {
    provider,
    outcome: 'failed',
    applied: false,
    duration_seconds: 0,
    counts: emptyCounts(),
    error: {
      reason,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof ProviderError && error.causeCode ? { code: error.causeCode } : {}),
      ...(error instanceof ProviderError && error.status !== undefined ? { status: error.status } : {}),
    },
    invalid_examples: [],
    held_changes: [],
  };
}
