/**
 * `npm run bench`: our sync against the seed's per-model approach at 1,000, 5,000 and 25,000
 * models, unchanged re-syncs, 1% price changes, /metrics latency and cold imports. Starts its own
 * embedded Postgres and replay server (127.0.0.1 only), prints a table and writes
 * bench/results.local.json (ignored by git), or with `--record` the committed bench/results.json.
 * It measures and reports; the goals are never asserted here.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { coldImportMs } from '../bench/cold-import.js';
import {
  createBenchDatabase,
  changedRows,
  priceSnapshot,
  tableWrites,
  HISTORY_TABLE,
  PRICE_TABLE,
} from '../bench/bench-database.js';
import type { BenchDatabase } from '../bench/bench-database.js';
import type { BenchNotes, BenchResults, SyncFigures } from '../bench/bench-results.js';
import { renderResults } from '../bench/bench-results.js';
import { metricsMedianMs, storeRuns } from '../bench/metrics-latency.js';
import type { WorkerJob, WorkerResult } from '../bench/sync-worker.js';
import { APPLY_CHUNK_ROWS } from '../lib/db/pricing-store.js';
import { createLogger } from '../lib/logging/logger.js';
import { startLocalRunner } from '../lib/local/local-runner.js';
import { startReplayServer, type ReplayRoute, type ReplayServer } from '../lib/replay/replay-server.js';
import { startEmbeddedPostgres } from '../tests/support/embedded-server.js';

const SIZES = [1_000, 5_000, 25_000];
const CHANGES_AT = 25_000;
/** The three providers the catalogs are spread over, with the replay route serving each. */
const PROVIDERS: { slug: string; route: ReplayRoute }[] = [
  { slug: 'openrouter', route: 'openrouter' },
  { slug: 'nearai', route: 'nearai' },
  { slug: 'featherless', route: 'featherless' },
];
/** A baseline projected to take longer than this runs on a sample and is extrapolated. */
const BASELINE_LIMIT_SECONDS = 120;
/** How long a sampled baseline should write for. */
const BASELINE_SAMPLE_SECONDS = 30;

const root = process.cwd();
const record = process.argv.includes('--record');
const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);

function runWorker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/sync-worker.ts'), JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || line === '') reject(new Error(`bench worker (${job.kind}) exited with ${code}`));
      else resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

/** Catalog sizes per provider that add up to n. */
function split(n: number): number[] {
  const base = Math.floor(n / PROVIDERS.length);
  return PROVIDERS.map((_, index) => base + (index < n % PROVIDERS.length ? 1 : 0));
}

function serveCatalogs(
  replay: ReplayServer,
  n: number,
  mutation: { priceChangeFraction?: number } = {},
): void {
  split(n).forEach((size, index) => replay.setScenario(PROVIDERS[index]!.route, { size, ...mutation }));
}

/** Runs a job between two readings of pg_stat_user_tables; the figures of one phase. */
async function measured(
  database: BenchDatabase,
  n: number,
  job: WorkerJob,
): Promise<{ figures: SyncFigures; history: number; worker: WorkerResult }> {
  const before = await tableWrites(database);
  const worker = await runWorker(job);
  const after = await tableWrites(database);
  const delta = (table: string) => (after[table] ?? 0) - (before[table] ?? 0);
  return {
    figures: {
      n,
      wall_s: round(worker.wall_s),
      round_trips: worker.round_trips,
      rows_written: delta(PRICE_TABLE),
      peak_rss_mb: round(worker.peak_rss_mb, 1),
    },
    history: delta(HISTORY_TABLE),
    worker,
  };
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, embedded Postgres 17 (fsync off), replay server at zero latency, all on 127.0.0.1`;
  log(`pricing-sync benchmark on ${machine}`);
  const server = await startEmbeddedPostgres();
  const replay = await startReplayServer({ defaults: { seed: 1, latencyMs: 0 } });
  const results: BenchResults = {
    full: [],
    resync: [],
    changes1pct: [],
    baseline: [],
    speedup_vs_baseline: {},
    metrics_ms_100: 0,
    metrics_ms_100k: 0,
    cold_import_ms: {},
  };
  const notes: BenchNotes = {
    machine,
    roundTripBudget: {},
    historyRows: {},
    baselineSample: {},
    changesServed: null,
    changesReported: null,
  };
  const env = {
    ...replay.baseUrls,
    PRICING_SYNC_PROVIDERS: PROVIDERS.map((provider) => provider.slug).join(','),
    LOG_LEVEL: 'silent',
  };
  let baselineSecondsPerModel: number | null = null;
  let metricsDatabase: BenchDatabase | null = null;
  const databases: BenchDatabase[] = [];
  try {
    for (const n of SIZES) {
      const database = await createBenchDatabase(server.url, `bench_${n}`);
      databases.push(database);
      const job: WorkerJob = { kind: 'sync', databaseUrl: database.url, env };
      serveCatalogs(replay, n);

      log(`N=${n}: full sync`);
      const full = await measured(database, n, job);
      results.full.push(full.figures);
      notes.roundTripBudget[String(n)] = Object.values(full.worker.applied_by_provider).reduce(
        (sum, rows) => sum + Math.ceil(rows / APPLY_CHUNK_ROWS) + 3,
        0,
      );

      log(`N=${n}: unchanged re-sync`);
      const resync = await measured(database, n, job);
      results.resync.push(resync.figures);
      notes.historyRows[String(n)] = { full: full.history, resync: resync.history, baseline: 0 };

      if (n === CHANGES_AT) {
        log(`N=${n}: 1% price changes`);
        const before = await priceSnapshot(database.admin);
        serveCatalogs(replay, n, { priceChangeFraction: 0.01 });
        const changes = await measured(database, n, job);
        results.changes1pct.push(changes.figures);
        notes.changesServed = changedRows(before, await priceSnapshot(database.admin));
        notes.changesReported = Object.values(changes.worker.applied_by_provider).reduce((a, b) => a + b, 0);
        notes.historyRows[String(n)]!.changes1pct = changes.history;
        serveCatalogs(replay, n);
      }

      // The baseline on the same database, emptied of prices first, from the same catalogs.
      await database.admin.query(`truncate ${PRICE_TABLE}, ${HISTORY_TABLE}`);
      const projected = baselineSecondsPerModel === null ? 0 : baselineSecondsPerModel * full.worker.models;
      const sample =
        projected > BASELINE_LIMIT_SECONDS && baselineSecondsPerModel !== null
          ? Math.ceil(BASELINE_SAMPLE_SECONDS / baselineSecondsPerModel)
          : null;
      log(
        `N=${n}: per-model baseline${sample ? ` on a sample of ${sample} models (projected ${Math.round(projected)} s)` : ''}`,
      );
      const baseline = await measured(database, n, {
        kind: 'baseline',
        databaseUrl: database.url,
        env,
        modelLimit: sample ?? undefined,
      });
      const written = baseline.worker.written ?? baseline.worker.models;
      const fetchSeconds = baseline.worker.fetch_s ?? 0;
      const writeSeconds = baseline.worker.wall_s - fetchSeconds;
      baselineSecondsPerModel = writeSeconds / Math.max(1, written);
      const scale = baseline.worker.models / Math.max(1, written);
      const figures: SyncFigures = sample
        ? {
            n,
            wall_s: round(fetchSeconds + writeSeconds * scale),
            // One round trip records the run; three per model.
            round_trips: Math.round(1 + (baseline.figures.round_trips - 1) * scale),
            rows_written: Math.round(baseline.figures.rows_written * scale),
            peak_rss_mb: baseline.figures.peak_rss_mb,
          }
        : baseline.figures;
      results.baseline.push(figures);
      notes.baselineSample[String(n)] = sample ? written : null;
      notes.historyRows[String(n)]!.baseline = Math.round(baseline.history * scale);
      results.speedup_vs_baseline[String(n)] = round(figures.wall_s / full.figures.wall_s, 1);
      metricsDatabase = database;
    }

    log('/metrics latency with 100 and 100,000 stored runs');
    const database = metricsDatabase!;
    const runner = await startLocalRunner({
      env: { DATABASE_URL: database.url, LOCAL_CRON: 'off', ...env },
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
    try {
      await storeRuns(database.admin, 100);
      results.metrics_ms_100 = round(await metricsMedianMs(runner.url));
      await storeRuns(database.admin, 100_000);
      results.metrics_ms_100k = round(await metricsMedianMs(runner.url));
    } finally {
      await runner.close();
    }

    log('cold import of each api/ function (tsc, then 5 fresh node processes each)');
    const imports = await coldImportMs(root);
    results.cold_import_ms = Object.fromEntries(
      Object.entries(imports).map(([name, ms]) => [name, round(ms, 1)]),
    );
  } finally {
    for (const database of databases) await database.drop().catch(() => undefined);
    await replay.close();
    await server.dispose();
  }

  // An ordinary run leaves the committed results alone; `--record` (npm run bench:record) records
  // them, with notes on the machine and its load, for a release.
  const file = record ? 'bench/results.json' : 'bench/results.local.json';
  const recorded = record
    ? {
        ...results,
        machine_notes: {
          machine,
          recorded_at: new Date().toISOString(),
          load_average_1_5_15: loadavg().map((value) => round(value, 2)),
        },
      }
    : results;
  await writeFile(join(root, file), `${JSON.stringify(recorded, null, 2)}\n`);
  process.stdout.write(`${renderResults(results, notes)}\n\nWrote ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
