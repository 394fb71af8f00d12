import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/embedded-server.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

const execute = promisify(execFile);
/** The terminal's erase-line sequence, which the live progress line redraws with. */
const CLEAR_LINE = '\x1b[K';
const SYNC = `${process.execPath} --import tsx scripts/sync.ts`;

/** Runs npm run sync's script piped (not a terminal), or under a pseudo-terminal with script(1). */
async function sync(args: string, env: Record<string, string>, terminal: boolean) {
  const command = terminal
    ? ['script', ['-qec', `${SYNC} ${args}`, '/dev/null']]
    : ['sh', ['-c', `${SYNC} ${args}`]];
  try {
    const { stdout, stderr } = await execute(command[0] as string, command[1] as string[], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        SUPABASE_URL: '',
        LOG_LEVEL: '',
        LOG_FORMAT: '',
        NODE_OPTIONS: '',
        ...env,
      },
      timeout: 180_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('npm run sync says each thing once, in the form the terminal wants', () => {
  let directory: string;
  let offline: Record<string, string>;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-output-'));
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    offline = { OPENROUTER_BASE_URL: nowhere, NEARAI_BASE_URL: nowhere };
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  /** An already migrated PGlite folder: the output is tested here, not PGlite's initdb (5-8 s a child). */
  const migratedDir = async (name: string) => {
    const dataDir = join(directory, name);
    await copyMigratedPgliteDir(dataDir);
    return dataDir;
  };

  // The two offline cases run at once: each spends most of its time waiting for the retries.
  it.concurrent(
    'piped: each provider failure once, as a JSON line with its cause code; no text copy',
    async ({ expect }) => {
      const result = await sync(
        '--providers openrouter,nearai',
        {
          ...offline,
          PRICING_DATA_DIR: await migratedDir('piped'),
        },
        false,
      );
      expect(result.code).toBe(1);
      const failures = result.output
        .split('\n')
        .filter((line) => line.includes('openrouter') && line.includes('connect ECONNREFUSED'));
      expect(failures).toHaveLength(1);
      expect(JSON.parse(failures[0]!)).toMatchObject({
        msg: 'provider failed',
        provider: 'openrouter',
        code: 'ECONNREFUSED',
      });
      expect(result.output).not.toContain('\x1b[K');
    },
  );

  it.concurrent('on a terminal: each provider failure once, as text', async ({ expect }) => {
    const result = await sync(
      '--providers openrouter,nearai',
      {
        ...offline,
        PRICING_DATA_DIR: await migratedDir('terminal'),
      },
      true,
    );
    expect(result.code).toBe(1);
    const failures = result.output
      .split(/[\r\n]+/)
      .map((line) => (line.startsWith(CLEAR_LINE) ? line.slice(CLEAR_LINE.length) : line))
      .filter((line) => line.includes('openrouter') && line.includes('connect ECONNREFUSED'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^ {2}openrouter: failed \(network\): .*: connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    );
    expect(result.output).not.toContain('"provider failed"');
  });

  it('on a terminal: shows each provider fetching, then applying its items; piped: no progress', async () => {
    const env = { PRICING_DATA_DIR: await migratedDir('progress'), REPLAY_CATALOG_SIZE: '1000' };
    const live = await sync('--demo --providers openrouter,litellm', env, true);
    expect(live.code).toBe(0);
    expect(live.output).toMatch(/openrouter fetching \(\d+ s\)/);
    // What has arrived so far, page by page, while the fetch goes on.
    expect(live.output).toMatch(/litellm fetching, [\d,]+ items so far \(\d+ s\)/);
    expect(live.output).toMatch(/litellm applying [\d,]+ items \(\d+ s\)/);
    expect(live.output).toMatch(/ {2}litellm: applied, [\d,]+ fetched/);

    const piped = await sync('--demo --providers openrouter,litellm --force', env, false);
    expect(piped.code).toBe(0);
    expect(piped.output).not.toMatch(/fetching|applying/);
    expect(piped.output).not.toContain(CLEAR_LINE);
    expect(piped.output).toMatch(/run \d+: success/);
  }, 240_000);
});
