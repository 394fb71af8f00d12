import type { Span } from '@opentelemetry/api';
import type { PricingStore, ProviderRow } from '../db/pricing-store.js';
import type { RunTrigger } from './run-types.js';
import { StoreError } from '../db/store-error.js';
import { ProviderError } from '../http/provider-error.js';
import { runErrorSummary } from './run-error-summary.js';
import type { Logger } from '../logging/logger.js';
import type { NormalizedCatalog, PriceRecord, ProviderSlug } from '../providers/price-record.js';
import type { ProviderSource } from '../providers/provider-source.js';
import { storableJson, storableText } from '../text/storable-text.js';
import { inSpan } from '../tracing/tracing.js';
import { catalogHash } from './catalog-hash.js';
import { diffCatalog } from './diff-catalog.js';
import { applyGuardrails, pricePair, type GuardedDiff, type GuardrailSettings } from './guardrails.js';
import { DEFAULTS } from '../config.js';
import { FetchBudget } from '../providers/fetch-budget.js';
import { DEFAULT_MAX_PRICE_PER_1M, enforcePriceBounds } from './price-bounds.js';
import { runStatusOf } from './run-status.js';
import { planOperatorEffects } from '../operator/operator-plan.js';
import { OperatorStore } from '../operator/operator-store.js';
import { emptyCounts, type ChangeReport, type ProviderResult, type RunReport } from './sync-result.js';

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

const INVALID_EXAMPLES = 10;
const REPORTED_CHANGES = 50;
const REPORTED_HELD = 100;
/** Held changes recorded as rows per provider and run; past this, no pending row is withdrawn. */
const RECORDED_HELD = 5_000;

/**
 * One sync run: take the lease, fetch the providers in parallel under a deadline, then per provider
 * diff, guard and apply atomically, and finish. Every path that took the lease records the run
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
      const results = new Map<string, ProviderResult>();
      try {
        const providerRows = new Map((await deps.store.readProviders()).map((row) => [row.provider, row]));
        await syncProviders(deps, request, runId, sources, providerRows, results, log);
        const ordered = slugs.map((slug) => results.get(slug)!);
        const status = runStatusOf(ordered);
        const summary = runErrorSummary(ordered);
        const finish = await deps.store.finishRun(
          runId,
          status,
          { providers: Object.fromEntries(results) },
          summary,
        );
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
          .finishRun(runId, 'failed', { providers: Object.fromEntries(results) }, message)
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

function reportOf(
  runId: number,
  request: SyncRequest,
  startedAt: string,
  finish: Awaited<ReturnType<PricingStore['finishRun']>> | null,
  status: RunReport['status'],
  results: Map<string, ProviderResult>,
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
      finish?.run?.duration_seconds !== undefined
        ? Number(finish.run.duration_seconds)
        : (Date.now() - Date.parse(startedAt)) / 1000,
    providers: Object.fromEntries(results),
    error,
  };
}

async function syncProviders(
  deps: SyncDependencies,
  request: SyncRequest,
  runId: number,
  sources: ProviderSource[],
  providerRows: Map<string, ProviderRow>,
  results: Map<string, ProviderResult>,
  log: Logger,
): Promise<void> {
  const deadline = new AbortController();
  const deadlineMs = deps.settings.deadlineSeconds * 1000;
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const deadlineHit = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener('abort', () =>
      reject(
        new ProviderError(
          `no complete answer before the run's deadline of ${deps.settings.deadlineSeconds} s`,
          {
            reason: 'timeout',
            provider: 'run',
            url: '',
            retryable: true,
          },
        ),
      ),
    );
  });
  deadlineHit.catch(() => undefined);
  // Applies go one at a time: each is one transaction holding the lease row.
  let applyQueue: Promise<unknown> = Promise.resolve();
  try {
    await Promise.all(
      sources.map(async (source) => {
        const started = performance.now();
        let result: ProviderResult;
        try {
          request.onProviderProgress?.({ provider: source.slug, phase: 'fetching' });
          const catalog = await inSpan('pricing_sync.fetch', { provider: source.slug }, async (span) => {
            const fetched = enforcePriceBounds(
              await Promise.race([
                source.fetchCatalog({
                  signal: deadline.signal,
                  budget: new FetchBudget(
                    source.slug,
                    deps.settings.providerMaxBytes ?? DEFAULTS.providerMaxBytes,
                    deps.settings.providerMaxItems ?? DEFAULTS.providerMaxItems,
                    (items) =>
                      request.onProviderProgress?.({ provider: source.slug, phase: 'fetching', items }),
                  ),
                }),
                deadlineHit,
              ]),
              { maxPricePer1m: deps.settings.maxPricePer1m ?? DEFAULT_MAX_PRICE_PER_1M },
            );
            span.setAttributes({ fetched: fetched.records.length, invalid: fetched.invalid.length });
            return fetched;
          });
          log.info(
            { provider: source.slug, fetched: catalog.records.length, invalid: catalog.invalid.length },
            'provider fetched',
          );
          const items = catalog.records.length + catalog.invalid.length;
          request.onProviderProgress?.({ provider: source.slug, phase: 'fetched', items });
          const apply = applyQueue.then(() => {
            request.onProviderProgress?.({ provider: source.slug, phase: 'applying', items });
            return inSpan('pricing_sync.apply', { provider: source.slug, dry_run: request.dryRun }, (span) =>
              syncOneProvider(
                deps,
                request,
                runId,
                source.slug,
                source.sourceLabel,
                catalog,
                providerRows.get(source.slug),
                span,
              ),
            );
          });
          applyQueue = apply.catch(() => undefined);
          result = await apply;
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
        results.set(source.slug, result);
        if (result.error === null) {
          log.info(
            { provider: source.slug, outcome: result.outcome, counts: result.counts },
            `provider ${result.outcome}`,
          );
        }
        request.onProviderDone?.(result);
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

function failedResult(provider: string, error: unknown): ProviderResult {
  let reason: NonNullable<ProviderResult['error']>['reason'];
  if (error instanceof ProviderError) reason = error.reason;
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

async function syncOneProvider(
  deps: SyncDependencies,
  request: SyncRequest,
  runId: number,
  provider: ProviderSlug,
  /** Stored in model_pricing.source: the provider definition's `sourceLabel`. */
  sourceLabel: string,
  catalog: NormalizedCatalog,
  row: ProviderRow | undefined,
  span: Span,
): Promise<ProviderResult> {
  const records = catalog.records;
  const counts = emptyCounts();
  counts.fetched = records.length;
  counts.invalid = catalog.invalid.length;
  counts.unpriced = records.filter((record) => record.state === 'unpriced').length;
  counts.variable = records.filter((record) => record.state === 'variable').length;
  const result: ProviderResult = {
    provider,
    outcome: request.dryRun ? 'dry_run' : 'applied',
    applied: true,
    duration_seconds: 0,
    counts,
    error: null,
    invalid_examples: catalog.invalid.slice(0, INVALID_EXAMPLES),
    held_changes: [],
  };
  const hash = catalogHash(records, catalog.liteLlmEntries);
  // Listed-but-unreadable models are not in the hash: with any, always diff (and store no hash), or
  // one that later disappears from the feed would never be marked missing.
  const unreadable = catalog.unreadableIds?.length ?? 0;

  if (!request.force && records.length > 0 && unreadable === 0 && row?.catalog_hash === hash) {
    // The catalog is exactly what was last applied: touch the provider row, write nothing else.
    counts.unchanged = records.length;
    if (!request.dryRun) {
      await deps.store.applyProvider({
        runId,
        provider,
        records: [],
        missing: [],
        catalogHash: hash,
        held: [],
        source: sourceLabel,
      });
      // Back to exactly what was last applied: what was held meanwhile (a shrunken catalog) is withdrawn.
      if ((row?.held_count ?? 0) > 0) {
        await new OperatorStore(deps.store).recordSyncHolds({
          runId,
          provider,
          held: [],
          complete: true,
          keep: [],
          pinned: [],
        });
      }
      result.outcome = 'unchanged';
    }
    span.setAttributes({ unchanged: counts.unchanged, shortcut: true });
    return result;
  }

  // Pins and rolled-back values first: removing an expired pin applies the provider's price.
  const operator = new OperatorStore(deps.store);
  const operatorState = await operator.readOperatorState(request.dryRun ? null : runId, provider);
  const stored = await deps.store.readModels(provider);
  const diff = diffCatalog(stored, records, catalog.unreadableIds);
  const plan = planOperatorEffects(
    applyGuardrails(stored, records.length, diff, deps.settings, request.force),
    diff,
    records,
    operatorState,
    request.force,
  );
  const guarded = plan.guarded;
  const recordHolds = () =>
    operator.recordSyncHolds({
      runId,
      provider,
      held: storableJson(plan.holds.slice(0, RECORDED_HELD)),
      complete: plan.holds.length <= RECORDED_HELD,
      keep: catalog.unreadableIds ?? [],
      pinned: storableJson(plan.pinned),
    });
  counts.unchanged = diff.unchanged;
  counts.held = guarded.heldModels;
  result.held_changes = guarded.held.slice(0, REPORTED_HELD);
  for (const change of guarded.apply) {
    counts[change.kind] += 1;
    if (change.direction === 'up') counts.price_up += 1;
    if (change.direction === 'down') counts.price_down += 1;
  }
  counts.missing = guarded.missing.length;
  if (guarded.providerHold) {
    result.applied = false;
    result.outcome = 'held';
  }
  span.setAttributes({
    added: counts.added,
    changed: counts.changed,
    missing: counts.missing,
    restored: counts.restored,
    held: counts.held,
    unchanged: counts.unchanged,
  });

  if (request.dryRun) {
    result.changes = changeReports(guarded);
    return result;
  }
  if (guarded.providerHold) {
    await recordHolds();
    return result;
  }

  const toApply: PriceRecord[] = guarded.apply.map((change) => change.record);
  await deps.store.applyProvider({
    runId,
    provider,
    records: toApply,
    missing: guarded.missing.map((model) => model.modelId),
    // With something held, forget the hash so the next run diffs (and holds) again.
    // With unreadable models listed, forget it too (see above).
    // With pins, forget it too: every sync must see the provider's price of a pinned model.
    catalogHash: guarded.held.length > 0 || unreadable > 0 || operatorState.pins.length > 0 ? null : hash,
    held: storableJson(result.held_changes),
    heldCount: guarded.held.length,
    source: sourceLabel,
  });
  if (catalog.liteLlmEntries) {
    // A held model keeps its previous entry, so no held price reaches the map we serve.
    const heldIds = new Set(guarded.held.map((change) => change.model_id));
    const entries = Object.fromEntries(
      Object.entries(catalog.liteLlmEntries).filter(([modelId]) => !heldIds.has(modelId)),
    );
    await deps.store.putLiteLlmEntries(runId, entries);
  }
  await recordHolds();
  return result;
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
