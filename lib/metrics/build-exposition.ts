import { Counter, Gauge, Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { MetricsSnapshot } from '../db/pricing-store.js';
import {
  DURATION_BUCKETS_SECONDS,
  ERROR_REASONS,
  MODEL_OUTCOMES,
  MODEL_STATES,
  PRICE_DIRECTIONS,
  RUN_STATUSES,
  RUN_TRIGGERS,
} from './metric-labels.js';
import { registerOperatorMetrics } from './operator-metrics.js';
import { STALE_REASONS, type ProviderFreshness } from '../sync/provider-freshness.js';
import { StoredHistogram, type StoredHistogramSeries } from './stored-histogram.js';

/** The Prometheus text format, version 0.0.4. */
export const EXPOSITION_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The trigger whose runs the seed's `pricing_scheduled_sync_*` metrics count. */
const SCHEDULED_TRIGGER = 'cron';

type Total = MetricsSnapshot['totals'][number];
/** Stored totals by metric, as [label1, label2, value] with the value as a number. */
type Totals = Map<string, [string, string, number][]>;

/** What every family of metrics is built from, and where it is registered. */
interface MetricsBuild {
  registry: Registry;
  registers: Registry[];
  snapshot: MetricsSnapshot;
  totals: Totals;
  /** The configured providers: every per-provider series covers them. */
  providers: readonly string[];
  providerRows: ReadonlyMap<string, MetricsSnapshot['providers'][number]>;
  histograms: Metrics['histograms'];
}

/**
 * A fresh registry holding every pricing metric, built from the stored totals alone: no
 * in-process state, so every serverless instance answers the same. Counters are the stored
 * monotonic totals; per-provider gauges cover the configured providers; every known label set
 * of a counter is served, zero until counted, so `increase()` sees the first increment. The
 * families are registered in the order the exposition lists them.
 */
function buildMetrics(
  snapshot: MetricsSnapshot,
  config: Config,
  version: string,
  freshness: readonly ProviderFreshness[],
): Metrics {
  const registry = new Registry();
  const build: MetricsBuild = {
    registry,
    registers: [registry],
    snapshot,
    totals: groupTotals(snapshot.totals),
    providers: config.providers as readonly string[],
    providerRows: new Map(snapshot.providers.map((row) => [row.provider, row])),
    histograms: [],
  };
  registerScheduledRunMetrics(build);
  registerLastSync(build);
  totalsCounter(build, {
    name: 'pricing_models_synced_total',
    help: 'Models seen by non-dry sync runs, by provider and outcome (added, changed, unchanged, missing, restored, held, invalid, unpriced, variable).',
    label: 'status',
    known: MODEL_OUTCOMES,
    total: 'models',
  });
  registerRunMetrics(build);
  registerStoredModels(build);
  totalsCounter(build, {
    name: 'pricing_price_changes_total',
    help: 'Applied model price changes, by provider and direction (up, down).',
    label: 'direction',
    known: PRICE_DIRECTIONS,
    total: 'price_changes',
  });
  totalsCounter(build, {
    name: 'pricing_provider_errors_total',
    help: 'Provider syncs that failed, by provider and reason (http, timeout, too_large, schema, network, store, internal).',
    label: 'reason',
    known: ERROR_REASONS,
    total: 'provider_errors',
  });
  registerOperatorMetrics(build.registers, snapshot, build.providers);
  registerStaleProviders(build, freshness);
  registerConfigMetrics(build, config, version);
  return { registry, histograms: build.histograms };
}

/**
 * A counter by two labels, the first `provider` (the configured ones) unless `first` names another
 * with its values: every known pair served (zero until counted), then the stored totals of `total`.
 */
function totalsCounter(
  { registers, providers, totals }: MetricsBuild,
  counter: {
    name: string;
    help: string;
    label: string;
    known: readonly string[];
    total: string;
    first?: { label: string; known: readonly string[] };
  },
): void {
  const first = counter.first ?? { label: 'provider', known: providers };
  const metric = new Counter({
    name: counter.name,
    help: counter.help,
    labelNames: [first.label, counter.label],
    registers,
  });
  for (const firstValue of first.known) {
    for (const value of counter.known) metric.inc({ [first.label]: firstValue, [counter.label]: value }, 0);
  }
  for (const [firstValue, value, count] of totals.get(counter.total) ?? []) {
    metric.inc({ [first.label]: firstValue, [counter.label]: value }, count);
  }
}

/** A stored histogram, placed in the exposition after the metrics registered so far. */
function storedHistogram(
  { registry, histograms }: MetricsBuild,
  definition: ConstructorParameters<typeof StoredHistogram>[0],
): StoredHistogram {
  const histogram = new StoredHistogram(definition);
  histograms.push({ position: registry.getMetricsAsArray().length, histogram });
  return histogram;
}

/** The seed's `pricing_scheduled_sync_*`: runs and durations of the cron trigger alone. */
function registerScheduledRunMetrics(build: MetricsBuild): void {
  const scheduledRuns = new Counter({
    name: 'pricing_scheduled_sync_runs_total',
    help: 'Finished scheduled (cron) sync runs, by how they ended.',
    labelNames: ['status'] as const,
    registers: build.registers,
  });
  for (const status of RUN_STATUSES) scheduledRuns.inc({ status }, 0);
  for (const [trigger, status, value] of build.totals.get('runs') ?? []) {
    if (trigger === SCHEDULED_TRIGGER) scheduledRuns.inc({ status }, value);
  }
  storedHistogram(build, {
    name: 'pricing_scheduled_sync_duration_seconds',
    help: 'Duration of finished scheduled (cron) sync runs, in seconds.',
    labelNames: [],
    buckets: DURATION_BUCKETS_SECONDS,
  }).setSeries(durationSeries(build.totals, SCHEDULED_TRIGGER, {}));
}

function registerLastSync({ registers, providers, providerRows }: MetricsBuild): void {
  const lastSync = new Gauge({
    name: 'pricing_last_sync_timestamp',
    help: "Unix time, in seconds, of each configured provider's last successful sync (absent until its first).",
    labelNames: ['provider'] as const,
    registers,
  });
  for (const provider of providers) {
    const lastSuccessAt = providerRows.get(provider)?.lastSuccessAt;
    if (lastSuccessAt) lastSync.set({ provider }, Date.parse(lastSuccessAt) / 1000);
  }
}

/** Runs of every trigger: how they ended, how long they took, and whether one is running. */
function registerRunMetrics(build: MetricsBuild): void {
  const { registers, totals } = build;
  totalsCounter(build, {
    name: 'pricing_sync_runs_total',
    help: 'Finished sync runs of every trigger (cron, manual, cli), by how they ended. Dry runs included.',
    first: { label: 'trigger', known: RUN_TRIGGERS },
    label: 'status',
    known: RUN_STATUSES,
    total: 'runs',
  });

  const duration = storedHistogram(build, {
    name: 'pricing_sync_duration_seconds',
    help: 'Duration of finished sync runs, in seconds, by trigger.',
    labelNames: ['trigger'],
    buckets: DURATION_BUCKETS_SECONDS,
  });
  const durationTriggers = new Set<string>(RUN_TRIGGERS);
  for (const [trigger] of totals.get('duration_count') ?? []) durationTriggers.add(trigger);
  for (const trigger of durationTriggers) duration.setSeries(durationSeries(totals, trigger, { trigger }));

  new Gauge({
    name: 'pricing_sync_in_progress',
    help: '1 while a sync run holds the lease, else 0.',
    registers,
  }).set(build.snapshot.inProgress ? 1 : 0);
}

/** A gauge of one value per provider and one other label (a state, a reason). */
function providerGauge(
  registers: MetricsBuild['registers'],
  metric: { name: string; help: string; label: string },
  values: readonly (readonly [provider: string, label: string, value: number])[],
): void {
  const gauge = new Gauge({
    name: metric.name,
    help: metric.help,
    labelNames: ['provider', metric.label],
    registers,
  });
  for (const [provider, label, value] of values) gauge.set({ provider, [metric.label]: label }, value);
}

function registerStoredModels({ registers, providers, providerRows }: MetricsBuild): void {
  providerGauge(
    registers,
    {
      name: 'pricing_models',
      help: 'Stored models of each configured provider, by state (active, variable, unpriced, missing).',
      label: 'state',
    },
    providers.flatMap((provider) => {
      const byState = providerRows.get(provider)?.modelsByState ?? {};
      return MODEL_STATES.map((state) => [provider, state, Number(byState[state] ?? 0)] as const);
    }),
  );
}

/**
 * `pricing_provider_stale{provider,reason}`: for every provider with stored models, configured or
 * not, 1 for the reason it is stale and 0 for the others (all 0 while it is fresh).
 */
function registerStaleProviders({ registers }: MetricsBuild, freshness: readonly ProviderFreshness[]): void {
  providerGauge(
    registers,
    {
      name: 'pricing_provider_stale',
      help: 'Per provider with stored models (configured or not), 1 while its prices are stale, by reason (not_configured, never_synced, failing: last success older than PRICING_STALE_AFTER_HOURS), else 0.',
      label: 'reason',
    },
    freshness
      .filter((entry) => entry.hasModels)
      .flatMap((entry) =>
        STALE_REASONS.map(
          (reason) => [entry.provider, reason, entry.staleReason === reason ? 1 : 0] as const,
        ),
      ),
  );
}

/** What is configured: scheduled syncs on or off, their interval, the version and providers. */
function registerConfigMetrics(
  { registers, providers }: MetricsBuild,
  config: Config,
  version: string,
): void {
  new Gauge({
    name: 'pricing_sync_enabled',
    help: '1 when scheduled syncs are enabled (PRICING_SYNC_ENABLED), else 0.',
    registers,
  }).set(config.enabled ? 1 : 0);

  new Gauge({
    name: 'pricing_sync_interval_seconds',
    help: 'Configured time between scheduled syncs (PRICING_SYNC_INTERVAL_HOURS), in seconds.',
    registers,
  }).set(config.intervalHours * 3600);

  new Gauge({
    name: 'pricing_sync_info',
    help: 'Always 1; the version running and the configured providers, comma-separated.',
    labelNames: ['version', 'providers'] as const,
    registers,
  }).set({ version, providers: providers.join(',') }, 1);
}

/** The exposition text for a snapshot: what GET /metrics answers. */
export async function buildExposition(
  snapshot: MetricsSnapshot,
  config: Config,
  version: string,
  /** The providers' freshness (lib/sync/provider-freshness); none: no staleness series. */
  freshness: readonly ProviderFreshness[] = [],
): Promise<string> {
  const { registry, histograms } = buildMetrics(snapshot, config, version, freshness);
  const families = await Promise.all(
    registry.getMetricsAsArray().map((metric) => registry.getSingleMetricAsString(metric.name)),
  );
  for (const { position, histogram } of [...histograms].reverse()) {
    families.splice(position, 0, histogram.exposition());
  }
  // As Registry.metrics() joins them.
  return `${families.join('\n\n')}\n`;
}

/** prom-client's registry for the metrics it can set, and the stored histograms with their places. */
interface Metrics {
  registry: Registry;
  histograms: { position: number; histogram: StoredHistogram }[];
}

/** Stored totals by metric, as [label1, label2, value] with the value as a number. */
function groupTotals(rows: readonly Total[]): Totals {
  const grouped: Totals = new Map();
  for (const [metric, label1, label2, text] of rows) {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`stored total ${metric}{${label1},${label2}} is not a non-negative number: ${text}`);
    }
    const list = grouped.get(metric) ?? [];
    list.push([label1, label2, value]);
    grouped.set(metric, list);
  }
  return grouped;
}

/**
 * One trigger's duration histogram from its stored (non-cumulative) buckets. `_count` is the
 * buckets' total, which equals the stored `duration_count`: both are bumped in the transaction
 * that finishes a run.
 */
function durationSeries(
  totals: Totals,
  trigger: string,
  labels: Record<string, string>,
): StoredHistogramSeries {
  const bucketCounts = new Map<number, number>();
  let overflowCount = 0;
  for (const [bucketTrigger, upperBound, value] of totals.get('duration_bucket') ?? []) {
    if (bucketTrigger !== trigger) continue;
    // A bound the code does not know (a future migration's) folds into the next known one,
    // which keeps every cumulative bucket right.
    const bound = DURATION_BUCKETS_SECONDS.find((known) => Number(upperBound) <= known);
    if (bound === undefined) overflowCount += value;
    else bucketCounts.set(bound, (bucketCounts.get(bound) ?? 0) + value);
  }
  const sum = (totals.get('duration_sum') ?? []).find(([sumTrigger]) => sumTrigger === trigger)?.[2] ?? 0;
  return { labels, bucketCounts, overflowCount, sum };
}
