import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  againstTable,
  checkOutAgainst,
  orderOf,
  summarizeAgainst,
  type AgainstSample,
} from '../../bench/against.js';

const sample = (
  tree: AgainstSample['tree'],
  phase: AgainstSample['phase'],
  wall_s: number,
  cpu_s: number,
  postgres_cpu_s: number | null = 0.1,
): AgainstSample => ({ tree, phase, wall_s, cpu_s, postgres_cpu_s });

describe('bench:profile --against: this tree against another revision', () => {
  it('takes turns going first', () => {
    expect([0, 1, 2, 3].map((round) => orderOf(round)[0])).toEqual(['this', 'against', 'this', 'against']);
  });

  it("gives each phase's medians per tree and this tree's ratio to the other", () => {
    const samples = [
      sample('this', 'changes1pct', 0.3, 0.31),
      sample('against', 'changes1pct', 0.4, 0.42),
      sample('this', 'changes1pct', 0.9, 0.3),
      sample('against', 'changes1pct', 0.36, 0.4),
      sample('this', 'changes1pct', 0.32, 0.33),
      sample('against', 'changes1pct', 0.38, 0.44, null),
      sample('this', 'resync', 0.1, 0.09),
      sample('against', 'resync', 0.1, 0.09),
    ];
    const [changes, resync] = summarizeAgainst(samples);
    // Medians: one slow run of three does not move them.
    expect(changes).toMatchObject({
      phase: 'changes1pct',
      runs: 3,
      this: { wall_s: 0.32, cpu_s: 0.31, postgres_cpu_s: 0.1, walls: [0.3, 0.9, 0.32] },
      against: { wall_s: 0.38, cpu_s: 0.42, postgres_cpu_s: null },
      wall_ratio: 0.842,
      cpu_ratio: 0.738,
    });
    expect(resync).toMatchObject({ phase: 'resync', runs: 1, wall_ratio: 1, cpu_ratio: 1 });
    const table = againstTable(summarizeAgainst(samples), 'abc1234');
    expect(table).toContain(
      '| 1% price changes | 3 | 0.320 | 0.380 | **0.842** | 0.310 | 0.420 | 0.738 | 0.100 | n/a |',
    );
    expect(table).toContain('wall s, abc1234');
  });

  it('leaves out a phase one tree has no runs of', () => {
    expect(summarizeAgainst([sample('this', 'resync', 0.1, 0.1)])).toEqual([]);
  });
});

// --against checks out a revision with git; a machine with only Node and npm has none to test.
const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) console.warn('tests/bench/against.test.ts: git is not installed; the checkout test is skipped');

describe.skipIf(!hasGit)("checking out the other revision beside this tree's (needs git)", () => {
  let repository: string | null = null;
  afterEach(() => {
    if (repository) rmSync(repository, { recursive: true, force: true });
    repository = null;
  });

  it("shares this tree's node_modules when the lockfile is the same, and takes the worktree away after", async () => {
    repository = mkdtempSync(join(tmpdir(), 'against-test-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=bench@example.test', '-c', 'user.name=bench', ...args], {
        cwd: repository!,
        encoding: 'utf8',
      });
    git('init', '-q');
    writeFileSync(join(repository, 'package-lock.json'), '{"lockfileVersion":3}\n');
    writeFileSync(join(repository, 'marker.txt'), 'first\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const first = git('rev-parse', 'HEAD').trim();
    writeFileSync(join(repository, 'marker.txt'), 'second\n');
    git('commit', '-q', '-am', 'second');
    mkdirSync(join(repository, 'node_modules'));

    const other = await checkOutAgainst(repository, first);
    try {
      expect(execFileSync('cat', ['marker.txt'], { cwd: other.directory, encoding: 'utf8' })).toBe('first\n');
      expect(realpathSync(readlinkSync(join(other.directory, 'node_modules')))).toBe(
        realpathSync(join(repository, 'node_modules')),
      );
      expect(git('worktree', 'list')).toContain(other.directory);
    } finally {
      await other.remove();
    }
    expect(existsSync(other.directory)).toBe(false);
    expect(git('worktree', 'list')).not.toContain(other.directory);
  });
});
