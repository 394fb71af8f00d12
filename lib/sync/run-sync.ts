import type { Span } from '@opentelemetry/api';
import type { FinishResult, PricingStore, ProviderRow, StagedLiteLlmEntries } from '../db/pricing-store.js';
import type { RunTrigger } from '../domain/run-types.js';
import { StoreError } from '../db/store-error.js';
import { ProviderError } from '../provider-http/provider-error.js';
import { runErrorSummary } from './run-error-summary.js';
import type { Logger } from '../logging/logger.js';
import type { NormalizedCatalog, ProviderSlug } from '../providers/price-record.js';
import type { ProviderSource } from '../providers/provider-source.js';
import { storableJson, storableText } from '../text/storable-text.js';
import { inSpan } from '../tracing/tracing.js';
import { catalogHash } from './catalog-hash.js';
import type { GuardrailSettings } from './guardrails.js';
import { mayBeUnchanged, planProvider, skipsStoredModels, withCommittedCounts } from './plan-provider.js';
import { RunDeadlineError, startDeadline, type RunDeadline } from './run-deadline.js';
import { DEFAULTS } from '../config.js';
import { FetchBudget } from '../providers/fetch-budget.js';
import { nextTurn } from '../providers/catalog-items.js';
import { DEFAULT_MAX_PRICE_PER_1M, enforcePriceBounds } from './price-bounds.js';
import { runStatusOf } from './run-status.js';
import { emptyCounts, type OutcomeCounts, type ProviderResult, type RunReport } from './sync-result.js';
import { OperatorStore, type OperatorState } from '../db/operator-store.js';
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
 * apply its plan (planProvider) atomically, and finish. Every path that took the lease records the run
 * and gives the lease back, or, if the run cannot be recorded, lets the lease expire so that the
 * next run records it as abandoned.
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
  const runId = lease.runId;
  const log = deps.logger.child({ run_id: runId, trigger: request.trigger, dry_run: request.dryRun });
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

  return inSpan(
    'pricing_sync.run',
    { trigger: request.trigger, dry_run: request.dryRun, forced: request.force, run_id: runId },
    async (span) => {
      let results: ProviderResult[] = [];
      try {
        const providerRows = new Map((await deps.store.readProviders()).map((row) => [row.provider, row]));
        results = await syncProviders(deps, request, runId, sources, providerRows, log);
        const ordered = slugs.map((slug) => results.find((result) => result.provider === slug)!);
        const status = runStatusOf(ordered);
        const summary = runErrorSummary(ordered);
        const finish = await deps.store.finishRun(runId, status, { providers: byProvider(results) }, summary);
        const report = reportOf(runId, request, lease.startedAt, finish, status, results, summary);
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
        return {
          kind: 'finished',
          report: reportOf(runId, request, lease.startedAt, finish, 'failed', results, message),
        };
      }
    },
  );
}

/** Results keyed by provider, in the order the providers finished (the CLI's table keeps it). */
function byProvider(results: readonly ProviderResult[]): Record<string, ProviderResult> {
  return Object.fromEntries(results.map((result) => [result.provider, result]));
}

function reportOf(
  runId: number,
  request: SyncRequest,
  startedAt: string,
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
  deps: SyncDependencies,
  request: SyncRequest,
  runId: number,
  sources: readonly ProviderSource[],
  providerRows: ReadonlyMap<string, ProviderRow>,
  log: Logger,
): Promise<ProviderResult[]> {
  const deadline = startDeadline(deps.settings.deadlineSeconds);
  // Applies go one at a time: each is one transaction holding the lease row.
  const applyInTurn = oneAtATime();
  const finished: ProviderResult[] = [];
  try {
    await Promise.all(
      sources.map(async (source) => {
        const result = await syncProvider({
          deps,
          request,
          runId,
          source,
          lastCatalogHash: providerRows.get(source.slug)?.catalogHash ?? null,
          pendingHeld: providerRows.get(source.slug)?.heldCount ?? 0,
          deadline,
          applyInTurn,
          log,
        });
        finished.push(result);
        request.onProviderDone?.(result);
      }),
    );
  } finally {
    deadline.clear();
  }
  return finished;
}

interface ProviderTask {
  deps: SyncDependencies;
  request: SyncRequest;
  runId: number;
  source: ProviderSource;
  lastCatalogHash: string | null;
  /** Held changes the provider row counts as pending before this run. */
  pendingHeld: number;
  deadline: RunDeadline;
  applyInTurn: <T>(work: () => Promise<T>) => Promise<T>;
  log: Logger;
}

/** Fetches one provider, then (in its turn) plans and applies it; never throws. */
async function syncProvider(task: ProviderTask): Promise<ProviderResult> {
  const { request, source, log } = task;
  const started = performance.now();
  let result: ProviderResult;
  try {
    request.onProviderProgress?.({ provider: source.slug, phase: 'fetching' });
    let catalog = await fetchCatalog(task);
    // The hash decides now only if the catalog may be the one last applied. If not, a LiteLLM
    // catalog's (~0.8 s of CPU at 250k: 160,000 records and entries, in one go) is computed while
    // Postgres commits it, and stored after; other hashes are cheap and go with their commit.
    const hashAfter = hashAfterCommit(task, catalog);
    const hash = hashAfter ? null : catalogHash(catalog.records, catalog.liteLlmEntries);
    log.info(
      { provider: source.slug, fetched: catalog.records.length, invalid: catalog.invalid.length },
      'provider fetched',
    );
    const items = catalog.records.length + catalog.invalid.length;
    request.onProviderProgress?.({ provider: source.slug, phase: 'fetched', items });
    // Decided once: the catalog is exactly what was last applied, so nothing is read or staged.
    const shortcut = skipsStoredModels(plannedOf(task, catalog, hash));
    const reads = shortcut ? null : readForPlan(task);
    const staging = shortcut ? null : stageLiteLlmEntries(task, catalog);
    // Being staged, the entries (at scale 160,000 objects) are the database's from now on: the plan
    // only needs to know that the catalog has some.
    if (staging) catalog = { ...catalog, liteLlmEntries: {} };
    try {
      result = await task.applyInTurn(() => {
        request.onProviderProgress?.({ provider: source.slug, phase: 'applying', items });
        return inSpan('pricing_sync.apply', { provider: source.slug, dry_run: request.dryRun }, (span) =>
          planAndApply(task, catalog, { hash, hashAfter }, reads, staging, span),
        );
      });
    } finally {
      // Unused when the plan writes nothing (or the apply failed): still let it end before the run does.
      await staging?.catch(() => undefined);
    }
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

async function fetchCatalog({ deps, request, source, deadline }: ProviderTask): Promise<NormalizedCatalog> {
  return inSpan('pricing_sync.fetch', { provider: source.slug }, async (span) => {
    const fetched = enforcePriceBounds(
      await Promise.race([
        source.fetchCatalog({
          signal: deadline.signal,
          budget: new FetchBudget(
            source.slug,
            deps.settings.providerMaxBytes ?? DEFAULTS.providerMaxBytes,
            deps.settings.providerMaxItems ?? DEFAULTS.providerMaxItems,
            (items) => request.onProviderProgress?.({ provider: source.slug, phase: 'fetching', items }),
          ),
        }),
        deadline.passed,
      ]),
      { maxPricePer1m: deps.settings.maxPricePer1m ?? DEFAULT_MAX_PRICE_PER_1M },
    );
    span.setAttributes({ fetched: fetched.records.length, invalid: fetched.invalid.length });
    return fetched;
  });
}

interface PlanReads {
  operatorState: OperatorState;
  stored: StoredModel[];
}

function plannedOf(task: ProviderTask, catalog: NormalizedCatalog, hash: string | null) {
  return {
    provider: task.source.slug,
    catalog,
    hash,
    lastCatalogHash: task.lastCatalogHash,
    force: task.request.force,
  };
}

/**
 * Starts reading what the plan needs (operator state, then the stored models) as soon as the
 * provider is fetched, not in its turn to apply: while the run holds the lease only this provider's
 * own apply writes its rows (operator actions take the lease too), so what is read now is what its
 * turn would read, and the reads overlap with the other providers' work. Not for the shortcut.
 */
function readForPlan(task: ProviderTask): Promise<PlanReads> {
  const { deps, request, runId, source } = task;
  const reads = (async () => {
    // Pins and rolled-back values first: removing an expired pin applies the provider's price.
    const operatorState = await new OperatorStore(deps.store).readOperatorState(
      request.dryRun ? null : runId,
      source.slug,
    );
    return { operatorState, stored: await deps.store.readModels(source.slug) };
  })();
  // Awaited in the provider's turn; not an unhandled rejection meanwhile.
  reads.catch(() => undefined);
  return reads;
}

/** The catalog's hash for later, when nothing needs it before the commit (see syncProvider); else null. */
function hashAfterCommit(task: ProviderTask, catalog: NormalizedCatalog): (() => string) | null {
  const { records, liteLlmEntries } = catalog;
  if (!liteLlmEntries) return null;
  const unchangedPossible = mayBeUnchanged(plannedOf(task, catalog, null));
  return unchangedPossible ? null : () => catalogHash(records, liteLlmEntries);
}

/**
 * Starts staging the catalog's LiteLLM entries as soon as it is fetched, when they will be written
 * (a real run, and not the shortcut: the caller decides that): at scale, 160,000 entries (~36 MB)
 * are staged while other providers apply, instead of being sent after the litellm commit. Null
 * when there is nothing to stage.
 */
function stageLiteLlmEntries(
  task: ProviderTask,
  catalog: NormalizedCatalog,
): Promise<StagedLiteLlmEntries> | null {
  const entries = catalog.liteLlmEntries;
  if (!entries || task.request.dryRun) return null;
  const staging = task.deps.store.stageLiteLlmEntries(task.runId, entries);
  // Awaited by the apply (or at the end of syncProvider): not an unhandled rejection meanwhile.
  staging.catch(() => undefined);
  return staging;
}

/** Plans with what was read, and writes what the plan says; the counts reported are the commit's. */
async function planAndApply(
  task: ProviderTask,
  catalog: NormalizedCatalog,
  { hash, hashAfter }: { hash: string | null; hashAfter: (() => string) | null },
  reads: Promise<PlanReads> | null,
  staging: Promise<StagedLiteLlmEntries> | null,
  span: Span,
): Promise<ProviderResult> {
  const { deps, request, runId, source } = task;
  const planned = plannedOf(task, catalog, hash);
  const operator = new OperatorStore(deps.store);
  const read = reads === null ? null : await reads;
  const operatorState = read?.operatorState ?? null;
  const stored = read?.stored ?? null;
  const plan = planProvider({
    ...planned,
    stored,
    operator: operatorState,
    settings: deps.settings,
    dryRun: request.dryRun,
  });
  // Held changes as rows (never in a dry run). Back at exactly what was last applied (the
  // shortcut), what was held meanwhile (a shrunken catalog) is withdrawn.
  const recordHolds = async () => {
    if (request.dryRun) return;
    // Nothing held now, no pin to record drift for, and no pending row to withdraw: no call (a
    // first sync of every provider stays at its round-trip budget).
    const nothing = plan.holds === null || (plan.holds.rows.length === 0 && plan.holds.pinned.length === 0);
    if (nothing && task.pendingHeld === 0) return;
    await operator.recordSyncHolds({
      runId,
      provider: source.slug,
      held: plan.holds?.rows ?? [],
      complete: plan.holds?.complete ?? true,
      keep: catalog.unreadableIds ?? [],
      pinned: plan.holds?.pinned ?? [],
    });
  };
  const { result } = plan;
  span.setAttributes(
    stored === null
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
  if (plan.write === null) {
    await recordHolds();
    return result;
  }

  // The entries are written in the commit's transaction: all of the provider or nothing.
  if (plan.liteLlmEntries && !staging)
    throw new Error(`${source.slug}: LiteLLM entries to write were never staged`);
  const liteLlmEntries =
    plan.liteLlmEntries && staging
      ? { staged: await staging, heldModelIds: plan.liteLlmEntries.heldModelIds }
      : undefined;
  const staged = await deps.store.stageApply({
    ...plan.write,
    runId,
    provider: source.slug,
    source: source.sourceLabel,
    ...(liteLlmEntries ? { liteLlmEntries } : {}),
  });
  const committing = staged.commit();
  // Awaited below, after the hash: a failure meanwhile is not an unhandled rejection.
  committing.catch(() => undefined);
  const laterHash =
    plan.write.storesHash && hash === null ? await hashWhileCommitting(task, hashAfter) : null;
  const committed = await committing;
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
  const counts = withCommittedCounts(result.counts, committed);
  if (!sameCounts(counts, result.counts)) {
    task.log.warn(
      { provider: source.slug, planned: result.counts, committed: counts },
      'the database committed other counts than planned; reporting what it committed',
    );
  }
  await recordHolds();
  return { ...result, counts };
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

/** Runs the works given to it one after another, in the order given; one failing stops none. */
function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
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
