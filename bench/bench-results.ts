import type { Floors, GoalReport } from './goals.js';
import { renderGoals } from './goals.js';
import type { LoadReading } from './machine-load.js';

/** The shape of bench/results.json: flat and stable; the issue names every key. */
export interface SyncFigures {
  n: number;
  /** At 25k (full, resync, changes1pct): the median of the ratio rounds, floors interleaved. */
  wall_s: number;
  round_trips: number;
  rows_written: number;
  peak_rss_mb: number;
  /** wall_s over the phase's floor (bench/goals.ts phaseFloors), from the same run. */
  ratio_to_floor?: number | null;
  /** Median CPU seconds (user + system) of the sync's process. */
  cpu_s?: number;
  /** Every round's wall, in order. */
  wall_s_runs?: number[];
}

export interface BenchResults {
  full: SyncFigures[];
  resync: SyncFigures[];
  changes1pct: SyncFigures[];
  baseline: SyncFigures[];
  speedup_vs_baseline: Record<string, number>;
  metrics_ms_100: number;
  metrics_ms_100k: number;
  cold_import_ms: Record<string, number>;
  /** Per RTT in ms (through bench/latency-proxy.ts between client and Postgres), at 25,000 models. */
  rtt_ms: Record<string, RttFigures>;
  /** 250,000 models over five providers, without the proxy. */
  scale: ScaleFigures | null;
  /** Floors measured in the same run (bench/floors.ts), medians in seconds. */
  floors: Floors;
  /** Medians at 25k of our models, through the local runner. */
  litellm_map_ms_p50: number | null;
  prices_page_ms_p50: number | null;
  /** `node -e 0`'s wall (median of 5), and each cold import as a ratio to it. */
  node_e0_ms: number | null;
  cold_import_ratio_to_node: Record<string, number>;
  goals: GoalReport[];
  /** CPU, cores, 1-minute load and steal at the start and the end of the run. */
  machine_load: { start: LoadReading; end: LoadReading | null } | null;
  /** The same sync without webhooks and with a webhook receiver that never answers. */
  dead_receiver?: DeadReceiverFigures | null;
  /**
   * At 25k, each phase's and floor's CPU by process (medians of the ratio rounds): what the machine
   * has to do, against what it can do at once (`cores`). Null when the ratio rounds did not run.
   */
  cpu_budget_25k?: CpuBudget | null;
}

export interface CpuBudgetRow {
  wall_s: number;
  /** The worker process: for a sync, its CPU while it syncs (the sync's `cpu_s`). */
  worker_cpu_s: number;
  /** Postgres over the worker's life (bench/postgres-cpu.ts); null off Linux. */
  postgres_cpu_s: number | null;
  /** The bench's own process meanwhile: the replay server's answers, mostly. */
  bench_cpu_s: number;
  all_cpu_s: number;
}

export interface CpuBudget {
  cores: number;
  full: CpuBudgetRow;
  resync: CpuBudgetRow;
  changes1pct: CpuBudgetRow;
  fetch_floor: CpuBudgetRow;
  write_floor: CpuBudgetRow;
  write_floor_1pct: CpuBudgetRow;
}

export interface DeadReceiverFigures {
  n: number;
  wall_s: number;
  wall_s_dead_receiver: number;
}

export interface RttFigures {
  n: number;
  sync_wall_s: number;
  /** Extrapolated from a sample of `baseline_sampled_models` when that is below n. */
  baseline_wall_s: number;
  baseline_sampled_models: number;
  speedup: number;
  /** Our sync's queries; the baseline's are 1 + 3 per model. */
  round_trips: number;
  baseline_round_trips: number;
  /** Our sync through supabase-js and the PostgREST emulation, the proxy between it and Postgres. */
  supabase: {
    sync_wall_s: number;
    resync_wall_s: number;
    http_calls: number;
    /** Queries the emulation sent to Postgres (it wraps each call in a transaction). */
    round_trips: number;
    speedup: number;
  } | null;
}

export interface ScaleFigures {
  n: number;
  /** The median of the runs. */
  wall_s: number;
  /** The largest of the runs. */
  peak_rss_mb: number;
  peak_rss_mb_runs: number[];
  wall_s_runs: number[];
  cpu_s: number;
  ratio_to_floor: number | null;
  round_trips: number;
  rows_written: number;
  providers: Record<string, number>;
}

/** What the printed table says beside the figures: checks, budgets and how the baseline was run. */
export interface BenchNotes {
  machine: string;
  /** Per N: the sum over providers of ceil(rows/5000)+3, the issue's round-trip budget. */
  roundTripBudget: Record<string, number>;
  /** Per N: history rows appended, beside the price rows. */
  historyRows: Record<string, { full: number; resync: number; changes1pct?: number; baseline: number }>;
  /** Per N: models the baseline really wrote, when it ran on a sample. */
  baselineSample: Record<string, number | null>;
  /** Price changes served at 1%, counted by comparing the table before and after. */
  changesServed: number | null;
  changesReported: number | null;
}

const GOALS = {
  wall25k: 3,
  speedup25k: 100,
  metricsRatio: 1.5,
  metricsMedianMs: 50,
  coldImportMs: 300,
  peakRssMb: 250,
};

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function mark(ok: boolean): string {
  return ok ? 'met' : 'NOT MET';
}

/** The table printed after a run, in Markdown (paste-ready for docs/performance.md). */
export function renderResults(results: BenchResults, notes: BenchNotes): string {
  const lines: string[] = [];
  lines.push(`Machine: ${notes.machine}`, '');
  lines.push(...renderRatios(results), ...renderGoals(results.goals), '');
  lines.push(...renderSizes(results, notes), ...renderBaselineLines(results));
  lines.push(...renderRtt(results), ...renderScale(results), ...renderDeadReceiver(results));

  const full25k = results.full.find((row) => row.n === 25_000);
  // Issue 15's goal is against the baseline at 2 ms RTT (the latency proxy), not at zero latency.
  const speedup25k = results.rtt_ms['2']?.speedup;
  const peakRss = Math.max(
    ...results.full
      .concat(results.resync, results.changes1pct)
      .filter((row) => notes.roundTripBudget[String(row.n)] !== undefined)
      .map((row) => row.peak_rss_mb),
  );
  const slowestImport = Math.max(...Object.values(results.cold_import_ms));
  const budgetsMet = results.full
    .filter((row) => notes.roundTripBudget[String(row.n)] !== undefined)
    .every((row) => row.round_trips <= (notes.roundTripBudget[String(row.n)] ?? 0));
  const resyncZero = results.resync.every((row) => row.rows_written === 0);
  const changes = results.changes1pct[0];
  // Issue 15's checks, kept; the absolute ones (seconds, MB) depend on the machine, so the goals
  // are the ratios printed first. A phase that did not run (`--only`) is left out.
  lines.push('| check (issue 15; absolute figures depend on the machine) | measured | |', '|---|---|---|');
  if (full25k) {
    lines.push(
      `| 25,000-model sync under ${GOALS.wall25k} s | ${full25k.wall_s} s | ${mark(full25k.wall_s < GOALS.wall25k)} |`,
    );
  }
  if (speedup25k !== undefined) {
    const sampled =
      (results.rtt_ms['2']?.baseline_sampled_models ?? 0) < 25_000 ? ' (baseline extrapolated)' : '';
    lines.push(
      `| at least ${GOALS.speedup25k}× faster than the per-model baseline at 25,000 models, 2 ms RTT | ${speedup25k}×${sampled} | ${mark(speedup25k >= GOALS.speedup25k)} |`,
    );
  }
  const sized = results.full.filter((row) => notes.roundTripBudget[String(row.n)] !== undefined);
  if (sized.length > 0) {
    lines.push(
      `| round trips per provider at most ceil(rows/5000)+3 | ${sized.map((row) => `${row.round_trips}/${notes.roundTripBudget[String(row.n)]}`).join(', ')} | ${mark(budgetsMet)} |`,
      `| peak RSS of the syncs up to 25,000 models under ${GOALS.peakRssMb} MB (the 250k goal is above) | ${peakRss} MB | ${mark(peakRss < GOALS.peakRssMb)} |`,
      `| unchanged re-sync writes 0 rows | ${results.resync.map((row) => row.rows_written).join(', ')} | ${mark(resyncZero)} |`,
    );
  }
  if (results.metrics_ms_100 > 0) {
    const metricsRatio = results.metrics_ms_100k / results.metrics_ms_100;
    lines.push(
      `| /metrics ratio at most ${GOALS.metricsRatio}, median under ${GOALS.metricsMedianMs} ms | ${round(metricsRatio, 2)}, ${results.metrics_ms_100k} ms | ${mark(metricsRatio <= GOALS.metricsRatio && Math.max(results.metrics_ms_100, results.metrics_ms_100k) < GOALS.metricsMedianMs)} |`,
    );
  }
  if (Object.keys(results.cold_import_ms).length > 0) {
    lines.push(
      `| every function's cold import under ${GOALS.coldImportMs} ms | slowest ${slowestImport} ms | ${mark(slowestImport < GOALS.coldImportMs)} |`,
    );
  }
  if (changes && notes.changesServed !== null) {
    const equal =
      changes.rows_written === notes.changesServed && notes.changesServed === notes.changesReported;
    lines.push(
      `| 1% changes: rows written equal the changes | ${changes.rows_written} written, ${notes.changesServed} rows differ, ${notes.changesReported} reported changed | ${mark(equal)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The table per size (full, re-sync, 1%, baseline), for the sizes the `sizes` phase measured; the
 * ratio rounds' 25k medians carry no round trips or RSS and are in the ratio table instead.
 */
function renderSizes(results: BenchResults, notes: BenchNotes): string[] {
  const sized = results.full.filter((row) => notes.roundTripBudget[String(row.n)] !== undefined);
  if (sized.length === 0) return [];
  const lines = [
    '| N | phase | wall s | round trips (budget) | price rows written | history rows | peak RSS MB |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const full of sized) {
    const key = String(full.n);
    const history = notes.historyRows[key];
    const resync = results.resync.find((row) => row.n === full.n);
    const changes = results.changes1pct.find((row) => row.n === full.n);
    const baseline = results.baseline.find((row) => row.n === full.n);
    const sample = notes.baselineSample[key];
    lines.push(
      `| ${full.n} | full sync | ${full.wall_s} | ${full.round_trips} (≤ ${notes.roundTripBudget[key]}) | ${full.rows_written} | ${history?.full ?? ''} | ${full.peak_rss_mb} |`,
    );
    if (resync) {
      lines.push(
        `| ${full.n} | unchanged re-sync | ${resync.wall_s} | ${resync.round_trips} | ${resync.rows_written} | ${history?.resync ?? ''} | ${resync.peak_rss_mb} |`,
      );
    }
    if (changes) {
      lines.push(
        `| ${full.n} | 1% price changes | ${changes.wall_s} | ${changes.round_trips} | ${changes.rows_written} | ${history?.changes1pct ?? ''} | ${changes.peak_rss_mb} |`,
      );
    }
    if (baseline) {
      const how = sample ? ` (extrapolated from ${sample} models)` : '';
      lines.push(
        `| ${full.n} | per-model baseline${how} | ${baseline.wall_s} | ${baseline.round_trips} | ${baseline.rows_written} | ${history?.baseline ?? ''} | ${baseline.peak_rss_mb} |`,
      );
    }
  }
  lines.push('');
  return lines;
}

/** The baseline's speed-ups, /metrics and the cold imports: each line only when its phase ran. */
function renderBaselineLines(results: BenchResults): string[] {
  const lines: string[] = [];
  const speedups = Object.entries(results.speedup_vs_baseline);
  if (speedups.length > 0) {
    lines.push(
      `Speed-up vs the per-model baseline at zero latency: ${speedups.map(([n, ratio]) => `${n}: ${ratio}×`).join(', ')}`,
    );
  }
  if (results.metrics_ms_100 > 0) {
    const ratio = results.metrics_ms_100k / results.metrics_ms_100;
    lines.push(
      `/metrics median over 200 requests: ${results.metrics_ms_100} ms with 100 runs stored, ${results.metrics_ms_100k} ms with 100,000 (ratio ${round(ratio, 2)})`,
    );
  }
  const imports = Object.entries(results.cold_import_ms);
  if (imports.length > 0) {
    lines.push(
      `Cold import (median of 5 fresh processes): ${imports.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`,
    );
  }
  if (lines.length > 0) lines.push('');
  return lines;
}

/** Slope of log(y) against log(x), least squares: y grows like x to this power. */
export function growthExponent(points: readonly [number, number][]): number {
  const logs = points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => [Math.log(x), Math.log(y)] as const);
  if (logs.length < 2) return Number.NaN;
  const meanX = logs.reduce((sum, [x]) => sum + x, 0) / logs.length;
  const meanY = logs.reduce((sum, [, y]) => sum + y, 0) / logs.length;
  const covariance = logs.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = logs.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

function renderRtt(results: BenchResults): string[] {
  const rows = Object.entries(results.rtt_ms);
  if (rows.length === 0) return [];
  const lines = [
    'Through the latency proxy (bench/latency-proxy.ts) between the client and Postgres, 25,000 models:',
    '',
    '| RTT ms | our sync s (round trips) | supabase-js sync s (HTTP calls, queries) | supabase-js re-sync s | per-model baseline s (round trips) | speed-up (supabase-js) |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [rtt, row] of rows) {
    const sampled =
      row.baseline_sampled_models < row.n ? `, extrapolated from ${row.baseline_sampled_models} models` : '';
    const supabase = row.supabase;
    lines.push(
      `| ${rtt} | ${row.sync_wall_s} (${row.round_trips}) | ${supabase ? `${supabase.sync_wall_s} (${supabase.http_calls}, ${supabase.round_trips})` : ''} | ${supabase?.resync_wall_s ?? ''} | ${row.baseline_wall_s} (${row.baseline_round_trips}${sampled}) | ${row.speedup}× (${supabase?.speedup ?? ''}×) |`,
    );
  }
  lines.push('');
  return lines;
}

function renderScale(results: BenchResults): string[] {
  const scale = results.scale;
  if (!scale) return [];
  const points = results.full.map((row) => ({ n: row.n, wall: row.wall_s, rss: row.peak_rss_mb }));
  points.push({ n: scale.n, wall: scale.wall_s, rss: scale.peak_rss_mb });
  const lines = [
    `Scale: ${scale.n} models over five providers (${Object.entries(scale.providers)
      .map(([provider, rows]) => `${provider} ${rows}`)
      .join(
        ', ',
      )} rows applied), ${scale.wall_s} s, peak RSS ${scale.peak_rss_mb} MB, ${scale.round_trips} round trips.`,
    '',
    '| models | full sync s | peak RSS MB |',
    '|---:|---:|---:|',
    ...points.map((point) => `| ${point.n} | ${point.wall} | ${point.rss} |`),
    '',
    `Growth (least-squares fit of log y on log n): wall ~ n^${growthExponent(points.map((p) => [p.n, p.wall])).toFixed(2)}, peak RSS ~ n^${growthExponent(points.map((p) => [p.n, p.rss])).toFixed(2)}.`,
    '',
  ];
  return lines;
}

/**
 * The CPU each phase and floor spent at 25k, by process, and the least wall that much CPU allows
 * on this machine's cores: a phase whose CPU alone needs more than its goal's wall cannot meet the
 * goal by overlapping its work better, only by doing less of it.
 */
export function renderCpuBudget(budget: CpuBudget | null): string[] {
  if (!budget) return [];
  const rows: [string, CpuBudgetRow][] = [
    ['full sync', budget.full],
    ['unchanged re-sync', budget.resync],
    ['1% price changes', budget.changes1pct],
    ['fetch floor', budget.fetch_floor],
    ['write floor', budget.write_floor],
    ['write floor, 1% changes', budget.write_floor_1pct],
  ];
  return [
    '',
    `CPU budget at 25k (medians, CPU seconds by process; ${budget.cores} cores: the least wall for that CPU is all ÷ ${budget.cores}):`,
    '',
    '| phase | wall s | worker | Postgres | bench (replay server) | all | all ÷ cores |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ([name, row]) =>
        `| ${name} | ${row.wall_s} | ${row.worker_cpu_s} | ${row.postgres_cpu_s ?? 'n/a'} | ${row.bench_cpu_s} | ${row.all_cpu_s} | ${round(row.all_cpu_s / budget.cores, 3)} |`,
    ),
  ];
}

/** The ratios first: each phase against its floor, then the floors and the seconds. */
function renderRatios(results: BenchResults): string[] {
  const rows: [string, SyncFigures | ScaleFigures | undefined][] = [
    ['full sync 25k', results.full.find((row) => row.n === 25_000)],
    ['unchanged re-sync 25k', results.resync.find((row) => row.n === 25_000)],
    ['1% price changes 25k', results.changes1pct[0]],
    ['250k sync', results.scale ?? undefined],
  ];
  const lines = [
    '| phase | ratio to floor | wall s (median) | CPU s (median) | runs |',
    '|---|---:|---:|---:|---|',
  ];
  for (const [name, row] of rows) {
    if (!row) continue;
    lines.push(
      `| ${name} | ${row.ratio_to_floor ?? ''} | ${row.wall_s} | ${row.cpu_s ?? ''} | ${(row.wall_s_runs ?? []).join(', ')} |`,
    );
  }
  lines.push(...renderCpuBudget(results.cpu_budget_25k ?? null));
  const at25k = results.floors['25000'];
  const at250k = results.floors['250000'];
  lines.push('');
  if (at25k) {
    lines.push(
      `Floors at 25k (medians): fetch ${at25k.fetch_s} s, write ${at25k.write_s} s, write of the 1% changes ${at25k.write_1pct_s} s.`,
    );
  }
  if (at250k) lines.push(`Floors at 250k (medians): fetch ${at250k.fetch_s} s, write ${at250k.write_s} s.`);
  if (results.scale) {
    lines.push(`250k peak RSS per run (MB): ${results.scale.peak_rss_mb_runs.join(', ')}.`);
  }
  if (results.litellm_map_ms_p50 !== null) {
    lines.push(
      `LiteLLM map at 25k p50 ${results.litellm_map_ms_p50} ms; /prices?limit=1000 p50 ${results.prices_page_ms_p50} ms.`,
    );
  }
  if (results.node_e0_ms !== null) {
    lines.push(
      `Cold import as a ratio to \`node -e 0\` (${results.node_e0_ms} ms): ${Object.entries(
        results.cold_import_ratio_to_node,
      )
        .map(([name, ratio]) => `${name} ${ratio}×`)
        .join(', ')}.`,
    );
  }
  lines.push('');
  return lines;
}

function renderDeadReceiver(results: BenchResults): string[] {
  const figures = results.dead_receiver;
  if (!figures) return [];
  return [
    `Sync with a dead receiver configured: ${figures.n} models, ${figures.wall_s} s without webhooks, ${figures.wall_s_dead_receiver} s with PRICING_WEBHOOK_URL on a receiver that never answers (webhooks are sent after the run, off its path).`,
    '',
  ];
}
