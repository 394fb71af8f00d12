/**
 * `npm run bench:profile`: a CPU profile (node --cpu-prof) of a full 25,000-model sync, an
 * unchanged re-sync and a re-sync with 1% of prices changed, each in a fresh worker like the
 * benchmark's, printed as Markdown: self time per function and inclusive time of our own (lib/)
 * functions, both counted only while the sync runs (module loading before it is left out). The
 * .cpuprofile files stay in .data/profiles/ (open them in Chrome DevTools for the call tree).
 *
 * `--n=` sets the model count. `--times=N` runs the three phases N times without the profiler
 * (a fresh database each round) and prints each phase's wall times and median: for comparing a
 * change back to back, which the whole bench is too slow for.
 *
 * `--against=REV` (with `--rounds=N`, default 10) runs this tree's 1% price changes and unchanged
 * re-sync alternated with those of revision REV, on one database, and prints each tree's medians
 * and this tree's ratio to REV (bench/against.ts): for judging a change of a few per cent.
 *
 * `--discovery` (with `--rounds=N`, default 10) runs the 1% price changes' sync, the fetch floor
 * and the discovery floor (bench/discovery-floor.ts: the fetch floor plus finding which items
 * changed, in the simplest hand-written way) in turn on one database, and prints each one's
 * medians and their ratios: what finding the 1% costs, which the 1% goal's floors leave out.
 *
 * `--timeline` (or `--timeline=MS`, default 50) adds, under each phase's profile, its wall cut into
 * slices of MS: the main thread's busy, garbage-collection and idle time in each, its heaviest
 * functions, and what the sync did then (each store call with its duration, each provider's pages
 * taken and its fetched / applying / done; `BENCH_CALL_TIMES=timeline` in the worker). It shows
 * where a phase waits and where it is at the limit of one thread.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  againstTable,
  checkOutAgainst,
  orderOf,
  summarizeAgainst,
  type AgainstSample,
} from '../bench/against.js';
import { createBenchDatabase } from '../bench/bench-database.js';
import { storeDiscoveryDigests } from '../bench/discovery-floor.js';
import { fetchPlanOf } from '../bench/floors.js';
import { median } from '../bench/goals.js';
import { readPostgresCpuSeconds } from '../bench/postgres-cpu.js';
import {
  marksBySlice,
  summarizeProfile,
  summarizeTimeline,
  type ProfileLine,
} from '../bench/profile-summary.js';
import type { WorkerJob, WorkerResult } from '../bench/sync-worker.js';
import { startReplayServer } from '../dev/replay/replay-server.js';
import { startEmbeddedPostgres } from '../tests/support/embedded-server.js';

const argument = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const N = Number(argument('n') ?? 25_000);
const TIMES = argument('times') === undefined ? null : Number(argument('times'));
const TIMELINE_MS = process.argv.includes('--timeline')
  ? 50
  : argument('timeline') === undefined
    ? null
    : Number(argument('timeline'));
if (TIMELINE_MS !== null && !(TIMELINE_MS >= 1))
  throw new Error('--timeline=MS takes a slice of at least 1 ms');
const AGAINST = argument('against');
const DISCOVERY = process.argv.includes('--discovery');
const ROUNDS = Number(argument('rounds') ?? 10);
if (AGAINST !== undefined && !(AGAINST.length > 0 && Number.isSafeInteger(ROUNDS) && ROUNDS >= 1))
  throw new Error('--against=REV takes a revision, and --rounds=N a count of at least 1');
if (DISCOVERY && !(Number.isSafeInteger(ROUNDS) && ROUNDS >= 1))
  throw new Error('--discovery takes --rounds=N, a count of at least 1');
const root = process.cwd();
const directory = join(root, '.data/profiles');

/**
 * A worker's result, and with `--timeline` what it printed on stderr (its marks). `tree`: the
 * checkout whose worker runs (another revision's with `--against`).
 */
function worker(
  job: WorkerJob,
  profileName: string | null,
  tree = root,
): Promise<WorkerResult & { marks: string }> {
  return new Promise((resolve, reject) => {
    const profiling = profileName
      ? ['--cpu-prof', '--cpu-prof-dir', directory, '--cpu-prof-name', `${profileName}.cpuprofile`]
      : [];
    const marking = TIMELINE_MS !== null && profileName !== null;
    const child = spawn(
      process.execPath,
      [...profiling, '--import', 'tsx', join(tree, 'bench/sync-worker.ts'), JSON.stringify(job)],
      {
        cwd: tree,
        stdio: ['ignore', 'pipe', marking ? 'pipe' : 'inherit'],
        ...(marking ? { env: { ...process.env, BENCH_CALL_TIMES: 'timeline' } } : {}),
      },
    );
    let output = '';
    let marks = '';
    child.stdout?.on('data', (chunk) => (output += String(chunk)));
    child.stderr?.on('data', (chunk) => (marks += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve({ ...(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as WorkerResult), marks })
        : reject(new Error(`worker exited with ${code}${marks ? `: ${marks.slice(-2000)}` : ''}`)),
    );
  });
}

/** A worker's run without the profiler, with Postgres's CPU read around it. */
async function measuredRun(
  job: WorkerJob,
  tree = root,
): Promise<{ result: WorkerResult; sample: RunSample }> {
  const before = await readPostgresCpuSeconds();
  const result = await worker(job, null, tree);
  // The worker's backends are reaped a moment after it exits (bench.ts does the same).
  await new Promise((resolve) => setTimeout(resolve, 100));
  const after = await readPostgresCpuSeconds();
  return {
    result,
    sample: {
      wall_s: result.wall_s,
      cpu_s: result.cpu_s ?? Number.NaN,
      postgres_cpu_s: before === null || after === null ? null : after - before,
    },
  };
}

/** What one measured run gives: its wall, its worker's CPU and Postgres's. */
type RunSample = Omit<AgainstSample, 'tree' | 'phase'>;

async function timelineTable(profile: string, result: WorkerResult & { marks: string }): Promise<string> {
  const sliceMs = TIMELINE_MS!;
  const buckets = await summarizeTimeline(profile, { windowUs: result.window_us!, bucketMs: sliceMs });
  const events = marksBySlice(result.marks, sliceMs);
  const rows = buckets.map((bucket, slice) => {
    const top = bucket.top.map(([name, ms]) => `${name} ${ms}`).join(', ');
    return `| ${bucket.at_ms} | ${bucket.busy_ms} | ${bucket.gc_ms} | ${bucket.idle_ms} | ${top} | ${(events.get(slice) ?? []).join('; ')} |`;
  });
  return `\n| ms | busy | GC | idle | main thread (nearest lib/ function, ms) | the sync |\n|---:|---:|---:|---:|---|---|\n${rows.join('\n')}\n`;
}

const PHASES = [
  { name: 'full', title: 'Full' },
  { name: 'resync', title: 'Unchanged re-sync' },
  { name: 'changes1pct', title: '1% price changes' },
] as const;

const table = (lines: ProfileLine[], heading: string) =>
  `| ${heading} | ms | share |\n|---|---:|---:|\n${lines
    .map((line) => `| ${line.function} | ${line.self_ms} | ${(line.share * 100).toFixed(1)}% |`)
    .join('\n')}\n`;

async function main(): Promise<void> {
  await mkdir(directory, { recursive: true });
  if (TIMES === null) for (const file of await readdir(directory)) await rm(join(directory, file));
  const server = await startEmbeddedPostgres();
  const replay = await startReplayServer({ defaults: { seed: 1, latencyMs: 0 } });
  const routes = ['openrouter', 'nearai', 'featherless'] as const;
  const serve = (priceChangeFraction?: number) =>
    routes.forEach((route, index) =>
      replay.setScenario(route, {
        size: Math.floor(N / 3) + (index < N % 3 ? 1 : 0),
        ...(priceChangeFraction === undefined ? {} : { priceChangeFraction }),
      }),
    );
  // Generate and cache each catalog before a measured sync, as the bench does: the generator is
  // the replay server's cost, not a provider's.
  const warm = async () => {
    for (const url of [
      `${replay.baseUrls.OPENROUTER_BASE_URL}/models`,
      `${replay.baseUrls.NEARAI_BASE_URL}/model/list?limit=1`,
      `${replay.baseUrls.FEATHERLESS_BASE_URL}/models?per_page=100`,
    ]) {
      await (await fetch(url, { headers: { authorization: 'Bearer bench' } })).arrayBuffer();
    }
  };
  const env = { ...replay.baseUrls, PRICING_SYNC_PROVIDERS: routes.join(','), LOG_LEVEL: 'silent' };
  if (AGAINST !== undefined || DISCOVERY) {
    try {
      if (AGAINST !== undefined) await compareAgainst(AGAINST, server.url, serve, warm, env);
      else await compareDiscovery(server.url, replay, serve, warm, env);
    } finally {
      await replay.close();
      await server.dispose();
    }
    return;
  }
  const walls = new Map<string, number[]>(PHASES.map((phase) => [phase.name, []]));
  const cpus = new Map<string, number[]>(PHASES.map((phase) => [phase.name, []]));
  try {
    for (let round = 0; round < (TIMES ?? 1); round += 1) {
      const database = await createBenchDatabase(server.url, 'bench_profile');
      try {
        for (const phase of PHASES) {
          serve(phase.name === 'changes1pct' ? 0.01 : undefined);
          await warm();
          const result = await worker(
            { kind: 'sync', databaseUrl: database.url, env },
            TIMES === null ? phase.name : null,
          );
          walls.get(phase.name)!.push(result.wall_s);
          cpus.get(phase.name)!.push(result.cpu_s ?? Number.NaN);
          if (TIMES !== null) continue;
          const summary = await summarizeProfile(join(directory, `${phase.name}.cpuprofile`), {
            windowUs: result.window_us,
          });
          process.stdout.write(
            `\n### ${phase.title}, ${N} models: sync ${result.wall_s.toFixed(3)} s (profiler on), ${summary.total_ms} ms of samples in the sync\n\n${table(summary.lines, 'function (self)')}\n${table(summary.byOwnFunction, 'nearest lib/ function (self time charged to it)')}\n${table(summary.inclusive.slice(0, 12), 'lib/ function (inclusive)')}`,
          );
          if (TIMELINE_MS !== null)
            process.stdout.write(await timelineTable(join(directory, `${phase.name}.cpuprofile`), result));
        }
      } finally {
        await database.drop().catch(() => undefined);
      }
    }
    if (TIMES !== null) {
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const runs = (values: number[]) => values.map((value) => value.toFixed(3)).join(', ');
      process.stdout.write(
        `\n${N} models, ${TIMES} rounds, load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(
            ' ',
          )}\n\n| phase | median wall s | median CPU s | wall s | CPU s |\n|---|---:|---:|---|---|\n${PHASES.map(
          (phase) =>
            `| ${phase.title} | ${median(walls.get(phase.name)!).toFixed(3)} | ${median(cpus.get(phase.name)!).toFixed(3)} | ${runs(walls.get(phase.name)!)} | ${runs(cpus.get(phase.name)!)} |`,
        ).join('\n')}\n`,
      );
    }
  } finally {
    await replay.close();
    await server.dispose();
  }
}

/**
 * `--against`: the base catalog applied once, then ROUNDS rounds in which each tree (taking turns
 * to go first) syncs a 1% change and then the unchanged re-sync of it. The replay server flips
 * between the base catalog and its 1% changed prices at each tree's turn, so every change-sync
 * changes 1% of the prices, one way or the other.
 */
async function compareAgainst(
  revision: string,
  serverUrl: string,
  serve: (priceChangeFraction?: number) => void,
  warm: () => Promise<void>,
  env: Record<string, string>,
): Promise<void> {
  const other = await checkOutAgainst(root, revision);
  const samples: AgainstSample[] = [];
  const started = loadavg()[0]!;
  try {
    const database = await createBenchDatabase(serverUrl, 'bench_against');
    try {
      serve();
      await warm();
      await worker({ kind: 'sync', databaseUrl: database.url, env }, null);
      let changed = false;
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const tree of orderOf(round)) {
          changed = !changed;
          serve(changed ? 0.01 : undefined);
          await warm();
          for (const phase of ['changes1pct', 'resync'] as const) {
            const { sample } = await measuredRun(
              { kind: 'sync', databaseUrl: database.url, env },
              tree === 'this' ? root : other.directory,
            );
            samples.push({ tree, phase, ...sample });
          }
        }
      }
    } finally {
      await database.drop().catch(() => undefined);
    }
  } finally {
    await other.remove();
  }
  const load = loadavg()[0]!;
  process.stdout.write(
    `
${N} models, ${ROUNDS} rounds, this tree against ${revision}; load average ${started.toFixed(2)} at the start, ${load.toFixed(2)} at the end

${againstTable(summarizeAgainst(samples), revision)}`,
  );
}

/**
 * `--discovery`: the base catalog applied once (the pages it fetched are the floors' plan) and its
 * items' digests stored for the discovery floor; then ROUNDS rounds of, with 1% of the prices
 * changed: the discovery floor and the fetch floor (taking turns to go first), then the sync, which
 * flips between the 1% changes and the base catalog so that each of its runs changes 1% of the
 * prices. Each in a fresh worker; Postgres's CPU read around each.
 */
async function compareDiscovery(
  serverUrl: string,
  replay: Awaited<ReturnType<typeof startReplayServer>>,
  serve: (priceChangeFraction?: number) => void,
  warm: () => Promise<void>,
  env: Record<string, string>,
): Promise<void> {
  const kinds = ['discovery floor', 'fetch floor', 'sync, 1% changes'] as const;
  const samples = new Map<string, RunSample[]>(kinds.map((kind) => [kind, []]));
  const changedCounts = new Set<number>();
  const started = loadavg()[0]!;
  const database = await createBenchDatabase(serverUrl, 'bench_discovery');
  const record = (kind: string, { result, sample }: { result: WorkerResult; sample: RunSample }) => {
    if (result.changed !== undefined) changedCounts.add(result.changed);
    samples.get(kind)!.push(sample);
  };
  try {
    serve();
    await warm();
    const mark = replay.requests.length;
    await worker({ kind: 'sync', databaseUrl: database.url, env }, null);
    const plan = fetchPlanOf(replay.requests.slice(mark), replay.url);
    await storeDiscoveryDigests(database.admin, plan);
    const floors = [
      [kinds[0], { kind: 'discovery-floor', databaseUrl: database.url, env, plan }],
      [kinds[1], { kind: 'fetch-floor', databaseUrl: database.url, env, plan }],
    ] as const;
    let changed = false;
    for (let round = 0; round < ROUNDS; round += 1) {
      serve(0.01);
      await warm();
      for (const [kind, job] of round % 2 === 0 ? floors : [...floors].reverse())
        record(kind, await measuredRun(job));
      changed = !changed;
      serve(changed ? 0.01 : undefined);
      await warm();
      record(kinds[2], await measuredRun({ kind: 'sync', databaseUrl: database.url, env }));
    }
  } finally {
    await database.drop().catch(() => undefined);
  }
  const load = loadavg()[0]!;
  const medianOf = (kind: string, pick: (sample: RunSample) => number | null) => {
    const values = samples
      .get(kind)!
      .map(pick)
      .filter((value): value is number => value !== null);
    return values.length === 0 ? null : median(values);
  };
  const fetchWall = medianOf(kinds[1], (sample) => sample.wall_s)!;
  const rows = kinds.map((kind) => {
    const wall = medianOf(kind, (sample) => sample.wall_s)!;
    const postgres = medianOf(kind, (sample) => sample.postgres_cpu_s);
    const runs = samples
      .get(kind)!
      .map((sample) => sample.wall_s.toFixed(3))
      .join(', ');
    return `| ${kind} | ${wall.toFixed(3)} | ${(wall / fetchWall).toFixed(2)} | ${medianOf(kind, (sample) => sample.cpu_s)!.toFixed(3)} | ${postgres === null ? 'n/a' : postgres.toFixed(2)} | ${runs} |`;
  });
  process.stdout.write(
    `
${N} models, ${ROUNDS} rounds; load average ${started.toFixed(2)} at the start, ${load.toFixed(2)} at the end; the discovery floor found ${[...changedCounts].join(' or ')} changed items

| run | median wall s | ÷ fetch floor | worker CPU s | Postgres CPU s | runs (wall s) |
|---|---:|---:|---:|---:|---|
${rows.join('\n')}
`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
