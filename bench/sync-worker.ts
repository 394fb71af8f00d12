/**
 * One measured sync in a process of its own, so that its peak RSS is its own: started by
 * scripts/bench.ts, it prints one JSON line (`WorkerResult`) and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAppContext } from '../lib/app/app-context.js';
import { PostgresAdapter } from '../lib/db/postgres-adapter.js';
import { PricingStore } from '../lib/db/pricing-store.js';
import { createLogger } from '../lib/logging/logger.js';
import { createProviderSources } from '../lib/providers/registry.js';
import type { SyncRequest } from '../lib/sync/run-sync.js';
import type { FetchPlan } from './floors.js';

export interface WorkerJob {
  /**
   * `supabase`: our sync through supabase-js and the PostgREST emulation (msw, in this process).
   * `fetch-floor` and `write-floor`: the floors of bench/floors.ts, in a process like the sync's;
   * `discovery-floor`: bench/discovery-floor.ts's (bench:profile --discovery).
   */
  kind: 'sync' | 'supabase' | 'baseline' | 'fetch-floor' | 'write-floor' | 'discovery-floor';
  databaseUrl: string;
  env: Record<string, string>;
  /** Baseline only: write just this many models (a sample to extrapolate from). */
  modelLimit?: number;
  /** fetch-floor and discovery-floor: the pages to fetch. */
  plan?: FetchPlan;
  /** write-floor: CSV files of the rows to write (bench/floors.sql's staging columns). */
  floor?: { pricesCsv: string; entriesCsv?: string | undefined };
}

export interface WorkerResult {
  wall_s: number;
  round_trips: number;
  peak_rss_mb: number;
  status: string;
  /** Rows each provider sent to the database (our sync) or models written (baseline). */
  applied_by_provider: Record<string, number>;
  /** Models in the fetched catalogs. */
  models: number;
  /** Providers that failed, with the reason: a benchmark that lost a provider says so. */
  failed?: Record<string, string>;
  /** Supabase only: HTTP requests (PostgREST calls) the sync made. */
  http_calls?: number;
  /** CPU time (user + system) this process spent during the timed sync: less sensitive to load than the wall. */
  cpu_s?: number;
  /** The timed sync's start and end on the process's monotonic clock in µs (a CPU profile's clock). */
  window_us?: [number, number];
  /** Baseline only: models written (fewer than `models` when sampled) and the fetch's share of the wall. */
  written?: number;
  fetch_s?: number;
  /** discovery-floor only: the items whose digests were not stored. */
  changed?: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
  let roundTrips = 0;
  const onRoundTrip = () => {
    roundTrips += 1;
  };
  let result: Omit<WorkerResult, 'peak_rss_mb' | 'round_trips'>;
  if (job.kind === 'fetch-floor' || job.kind === 'write-floor' || job.kind === 'discovery-floor') {
    result = await runFloor(job);
  } else if (job.kind === 'sync' || job.kind === 'supabase') {
    // The emulation's own queries (it runs each call in a transaction) are counted as round trips
    // too: that is what a PostgREST in front of the database pays per call.
    // The emulation (msw) and supabase-js are loaded only for the supabase job: in a postgres run
    // they were ~30 MB of RSS (~20 MB of heap) that the sync being measured never uses.
    const supabase =
      job.kind === 'supabase'
        ? {
            ...(await import('../tests/support/postgrest-emulator.js')),
            ...(await import('../lib/db/supabase-adapter.js')),
          }
        : null;
    const emulator = supabase?.startPostgrestEmulator({ databaseUrl: job.databaseUrl, onQuery: onRoundTrip });
    const store = new PricingStore(
      supabase && emulator
        ? new supabase.SupabaseAdapter({ url: emulator.url, key: supabase.supabaseKey('service_role') })
        : new PostgresAdapter({ connectionString: job.databaseUrl, onRoundTrip }),
    );
    if (process.env.BENCH_CALL_TIMES) timeCalls(store);
    const context = createAppContext({ env: job.env, store, logger: createLogger({ level: 'silent' }) });
    const startedUs = Number(process.hrtime.bigint() / 1000n);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    if (process.env.BENCH_CALL_TIMES)
      process.stderr.write(`sync started at ${(started / 1000).toFixed(3)} s\n`);
    const loopDelay = process.env.BENCH_CALL_TIMES ? monitorEventLoopDelay({ resolution: 10 }) : null;
    loopDelay?.enable();
    const rssSamples: string[] = [];
    const sampler = process.env.BENCH_CALL_TIMES
      ? setInterval(() => {
          const memory = process.memoryUsage();
          rssSamples.push(
            `${(performance.now() / 1000).toFixed(2)} ${(memory.rss / 2 ** 20).toFixed(0)} ${(memory.heapUsed / 2 ** 20).toFixed(0)}`,
          );
        }, 50)
      : null;
    const outcome = await context.sync({
      trigger: 'cli',
      triggeredBy: 'bench',
      dryRun: false,
      force: false,
      ...(process.env.BENCH_CALL_TIMES ? progressPrinters() : {}),
    });
    if (sampler) {
      clearInterval(sampler);
      process.stderr.write(`rss samples (s, rss MB, heap MB): ${rssSamples.join(' | ')}\n`);
    }
    if (loopDelay) {
      loopDelay.disable();
      process.stderr.write(`event loop blocked at most ${(loopDelay.max / 1e6).toFixed(0)} ms at a time\n`);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const endedUs = Number(process.hrtime.bigint() / 1000n);
    const cpu = process.cpuUsage(cpuBefore);
    await store.close();
    const httpCalls = emulator?.calls.length;
    await emulator?.close();
    if (outcome.kind !== 'finished') throw new Error('the benchmark sync was refused the lease');
    const providers = Object.values(outcome.report.providers);
    result = {
      wall_s: wallSeconds,
      status: outcome.report.status,
      applied_by_provider: Object.fromEntries(
        providers.map((provider) => [
          provider.provider,
          provider.counts.added + provider.counts.changed + provider.counts.restored,
        ]),
      ),
      models: providers.reduce((sum, provider) => sum + provider.counts.fetched, 0),
      http_calls: httpCalls,
      window_us: [startedUs, endedUs],
      cpu_s: (cpu.user + cpu.system) / 1e6,
      failed: Object.fromEntries(
        providers
          .filter((provider) => provider.error)
          .map((provider) => [provider.provider, provider.error!.message]),
      ),
    };
  } else {
    const started = performance.now();
    const { runPerModelBaseline } = await import('./per-model-baseline.js');
    const baseline = await runPerModelBaseline({
      connectionString: job.databaseUrl,
      sources: createProviderSources(job.env),
      modelLimit: job.modelLimit,
      onRoundTrip,
    });
    result = {
      wall_s: (performance.now() - started) / 1000,
      status: 'success',
      applied_by_provider: {},
      models: baseline.catalogModels,
      written: baseline.written,
      fetch_s: baseline.fetchSeconds,
    };
  }
  const output: WorkerResult = {
    ...result,
    round_trips: roundTrips,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

/** A floor of bench/floors.ts, timed like the sync: wall and CPU seconds of this process. */
async function runFloor(job: WorkerJob): Promise<Omit<WorkerResult, 'peak_rss_mb' | 'round_trips'>> {
  const floors = await import('./floors.js');
  const discovery = job.kind === 'discovery-floor' ? await import('./discovery-floor.js') : null;
  const statements = await floors.loadFloorStatements(process.cwd());
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let found: { items: number; changed: number } | null = null;
  if (discovery) found = await discovery.runDiscoveryFloor(job.plan ?? {}, job.databaseUrl);
  else if (job.kind === 'fetch-floor') await floors.runFetchFloor(job.plan ?? {});
  else if (job.floor) await floors.runWriteFloor({ databaseUrl: job.databaseUrl, statements, ...job.floor });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wall_s: wallSeconds,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    status: 'success',
    applied_by_provider: {},
    models: found?.items ?? 0,
    ...(found ? { changed: found.changed } : {}),
  };
}

/**
 * `BENCH_CALL_TIMES=1`: when each provider was fetched, began to apply and was done, on the same clock;
 * `BENCH_CALL_TIMES=timeline` (bench:profile --timeline) also each page taken.
 */
function progressPrinters(): Pick<SyncRequest, 'onProviderProgress' | 'onProviderDone'> {
  const at = () => {
    const memory = process.memoryUsage();
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    return `${(performance.now() / 1000).toFixed(3)} s (rss ${mb(memory.rss)} MB, heap ${mb(memory.heapUsed)} MB, external ${mb(memory.external)} MB, of it array buffers ${mb(memory.arrayBuffers)} MB)`;
  };
  return {
    onProviderProgress(event) {
      if (event.phase !== 'fetching')
        process.stderr.write(`provider ${event.provider} ${event.phase} at ${at()}\n`);
      // Every page taken (items so far), for bench:profile's timeline only: thousands at 250k.
      else if (process.env.BENCH_CALL_TIMES === 'timeline' && event.items !== undefined)
        process.stderr.write(
          `provider ${event.provider} page at ${(performance.now() / 1000).toFixed(3)} s (${event.items} items)\n`,
        );
    },
    onProviderDone(result) {
      process.stderr.write(`provider ${result.provider} ${result.outcome} at ${at()}\n`);
    },
  };
}

/** `BENCH_CALL_TIMES=1`: each store call's name and milliseconds on stderr (where the wall goes). */
function timeCalls(store: PricingStore): void {
  const transport = store.transport;
  const call = transport.call.bind(transport);
  transport.call = async (name, args) => {
    const started = performance.now();
    try {
      return await call(name, args);
    } finally {
      process.stderr.write(
        `call ${name} ${(performance.now() - started).toFixed(1)} ms (started at ${(started / 1000).toFixed(3)} s)\n`,
      );
    }
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
