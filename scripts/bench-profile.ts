/**
 * `npm run bench:profile`: a CPU profile (node --cpu-prof) of a full 25,000-model sync and of an
 * unchanged re-sync, each in a fresh worker like the benchmark's, and the self time per function
 * of each, printed as Markdown. The .cpuprofile files stay in .data/profiles/ (open them in
 * Chrome DevTools for the call tree).
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createBenchDatabase } from '../bench/bench-database.js';
import { summarizeProfile } from '../bench/profile-summary.js';
import type { WorkerJob } from '../bench/sync-worker.js';
import { startReplayServer } from '../dev/replay/replay-server.js';
import { startEmbeddedPostgres } from '../tests/support/embedded-server.js';

const N = Number(process.argv.find((arg) => arg.startsWith('--n='))?.slice(4) ?? 25_000);
const root = process.cwd();
const directory = join(root, '.data/profiles');

function profiled(job: WorkerJob, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        directory,
        '--cpu-prof-name',
        `${name}.cpuprofile`,
        '--import',
        'tsx',
        join(root, 'bench/sync-worker.ts'),
        JSON.stringify(job),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output.trim()) : reject(new Error(`worker exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  await mkdir(directory, { recursive: true });
  for (const file of await readdir(directory)) await rm(join(directory, file));
  const server = await startEmbeddedPostgres();
  const replay = await startReplayServer({ defaults: { seed: 1, latencyMs: 0 } });
  const routes = ['openrouter', 'nearai', 'featherless'] as const;
  routes.forEach((route, index) =>
    replay.setScenario(route, { size: Math.floor(N / 3) + (index < N % 3 ? 1 : 0) }),
  );
  const database = await createBenchDatabase(server.url, 'bench_profile');
  const env = { ...replay.baseUrls, PRICING_SYNC_PROVIDERS: routes.join(','), LOG_LEVEL: 'silent' };
  try {
    for (const phase of ['full', 'resync']) {
      const result = JSON.parse(await profiled({ kind: 'sync', databaseUrl: database.url, env }, phase)) as {
        wall_s: number;
      };
      const summary = await summarizeProfile(join(directory, `${phase}.cpuprofile`));
      process.stdout.write(
        `\n### ${phase === 'full' ? 'Full' : 'Unchanged re-sync'}, ${N} models: sync ${result.wall_s.toFixed(3)} s (profiler on), process profiled ${summary.total_ms} ms\n\n| function | self ms | share |\n|---|---:|---:|\n`,
      );
      for (const line of summary.lines) {
        process.stdout.write(`| ${line.function} | ${line.self_ms} | ${(line.share * 100).toFixed(1)}% |\n`);
      }
    }
  } finally {
    await database.drop().catch(() => undefined);
    await replay.close();
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
