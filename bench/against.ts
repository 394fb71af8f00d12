/**
 * `npm run bench:profile -- --against=REV`: this tree's 1% changes and unchanged re-sync against
 * another revision's, alternated on one database and one replay server, so that a change of a few
 * per cent shows through this machine's noise (issue 29: one `--times=5` run against another, a
 * minute apart, often differed by more than the change being judged).
 *
 * REV is checked out into a temporary git worktree. It shares this tree's node_modules when its
 * package-lock.json is the same, and runs `npm ci` there otherwise. Its worker (its own
 * bench/sync-worker.ts, through tsx) runs against the database this tree migrated, so REV must be
 * one whose SQL calls exist there (migrations are append-only, so an older one does).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './goals.js';

/** One measured sync of one tree. */
export interface AgainstSample {
  tree: 'this' | 'against';
  phase: 'changes1pct' | 'resync';
  wall_s: number;
  cpu_s: number;
  postgres_cpu_s: number | null;
}

/** A phase's medians for each tree, and this tree's ratio to the other's. */
export interface AgainstRow {
  phase: AgainstSample['phase'];
  runs: number;
  this: { wall_s: number; cpu_s: number; postgres_cpu_s: number | null; walls: number[] };
  against: { wall_s: number; cpu_s: number; postgres_cpu_s: number | null; walls: number[] };
  /** This tree's median over the other's: under 1 is faster. */
  wall_ratio: number;
  cpu_ratio: number;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Each phase's medians and ratios; a phase without samples of both trees is left out. */
export function summarizeAgainst(samples: readonly AgainstSample[]): AgainstRow[] {
  const rows: AgainstRow[] = [];
  for (const phase of ['changes1pct', 'resync'] as const) {
    const side = (tree: AgainstSample['tree']) => {
      const mine = samples.filter((sample) => sample.phase === phase && sample.tree === tree);
      const postgres = mine.map((sample) => sample.postgres_cpu_s).filter((value) => value !== null);
      return {
        wall_s: round3(median(mine.map((sample) => sample.wall_s))),
        cpu_s: round3(median(mine.map((sample) => sample.cpu_s))),
        postgres_cpu_s: postgres.length === mine.length && mine.length > 0 ? round3(median(postgres)) : null,
        walls: mine.map((sample) => round3(sample.wall_s)),
      };
    };
    const mine = side('this');
    const theirs = side('against');
    if (mine.walls.length === 0 || theirs.walls.length === 0) continue;
    rows.push({
      phase,
      runs: Math.min(mine.walls.length, theirs.walls.length),
      this: mine,
      against: theirs,
      wall_ratio: round3(mine.wall_s / theirs.wall_s),
      cpu_ratio: round3(mine.cpu_s / theirs.cpu_s),
    });
  }
  return rows;
}

/** Which tree goes first in round `round`: they take turns, so neither always runs on a warmer machine. */
export function orderOf(round: number): readonly AgainstSample['tree'][] {
  return round % 2 === 0 ? ['this', 'against'] : ['against', 'this'];
}

/** The Markdown table of summarizeAgainst's rows. */
export function againstTable(rows: readonly AgainstRow[], revision: string): string {
  const title = { changes1pct: '1% price changes', resync: 'Unchanged re-sync' } as const;
  const postgres = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
  const lines = rows.map(
    (row) =>
      `| ${title[row.phase]} | ${row.runs} | ${row.this.wall_s.toFixed(3)} | ${row.against.wall_s.toFixed(3)} | **${row.wall_ratio.toFixed(3)}** | ${row.this.cpu_s.toFixed(3)} | ${row.against.cpu_s.toFixed(3)} | ${row.cpu_ratio.toFixed(3)} | ${postgres(row.this.postgres_cpu_s)} | ${postgres(row.against.postgres_cpu_s)} |`,
  );
  return `| phase | runs each | wall s, this tree | wall s, ${revision} | wall ratio | worker CPU s, this tree | worker CPU s, ${revision} | CPU ratio | Postgres CPU s, this tree | Postgres CPU s, ${revision} |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n${lines.join('\n')}\n`;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** REV checked out beside this tree, ready to run its worker; `remove` takes the worktree away. */
export async function checkOutAgainst(
  root: string,
  revision: string,
): Promise<{ directory: string; remove: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-against-'));
  await run('git', ['worktree', 'add', '--detach', directory, revision], root);
  const remove = async () => {
    await run('git', ['worktree', 'remove', '--force', directory], root).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const lock = (tree: string) => readFile(join(tree, 'package-lock.json'), 'utf8').catch(() => null);
    const [mine, theirs] = await Promise.all([lock(root), lock(directory)]);
    if (mine !== null && mine === theirs)
      await symlink(join(root, 'node_modules'), join(directory, 'node_modules'));
    else await run('npm', ['ci', '--no-audit', '--no-fund'], directory);
  } catch (error) {
    await remove();
    throw error;
  }
  return { directory, remove };
}
