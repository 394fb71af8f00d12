import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../lib/cli/admin-command.js';
import { findLocalServer } from '../../dev/local/server-file.js';
import { actingAdmin, VIA_HEADER } from '../../lib/functions/admin-operator.js';
import { freePort } from '../support/embedded-server.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(command, args, {
    env: { ...process.env, DATABASE_URL: '', SUPABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

// Issue 23 items 10 and 11: `npm run admin` beside a running `npm run demo`, as the docs write it.
describe('npm run admin while npm run demo holds the data', () => {
  let directory: string;
  let env: Record<string, string>;
  let demo: ReturnType<typeof spawn>;
  let demoOutput = '';
  const user = `cli:${userInfo().username}`;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-admin-'));
    // A migrated copy of the run's PGlite template: the admin CLI is tested here, not initdb.
    await copyMigratedPgliteDir(join(directory, 'demo-pglite'));
    env = {
      PRICING_DATA_DIR: join(directory, 'demo-pglite'),
      LOCAL_SECRETS_FILE: join(directory, 'secrets.json'),
      ADMIN_API_KEY: '',
      ADMIN_API_KEYS: '',
    };
    demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: '',
        SUPABASE_URL: '',
        LOG_LEVEL: 'info',
        PORT: String(await freePort()),
        REPLAY_CATALOG_SIZE: '20',
        LOCAL_CRON_FIRST_DELAY_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (chunk) => (demoOutput += String(chunk)));
    demo.stderr!.on('data', (chunk) => (demoOutput += String(chunk)));
    const deadline = Date.now() + 90_000;
    while (!demoOutput.includes('local cron tick')) {
      if (Date.now() > deadline) throw new Error(`the demo did not tick:\n${demoOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  });

  it('`npm run -s admin -- --demo runs list | jq` works as written: JSON on stdout, nothing else', async () => {
    const result = await run('npm', ['run', '-s', 'admin', '--', '--demo', 'runs', 'list'], env);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { runs: { trigger: string; status: string }[] };
    expect(answer.runs).toContainEqual(expect.objectContaining({ trigger: 'cron', status: 'success' }));
  }, 60_000);

  it('acts through the server, attributed to its admin key with via: cli:<user>', async () => {
    const admin = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAdminCommand(
        argv,
        env,
        { out: (line) => out.push(line), err: (line) => err.push(line) },
        async () => {
          throw new Error('opened the PGlite folder instead of calling the server');
        },
        findLocalServer,
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const prices = JSON.parse(
      (await admin('--demo', 'prices', '--provider', 'openrouter', '--limit', '2')).out,
    ) as {
      prices: { model_id: string }[];
      next_cursor: string;
    };
    expect(prices.prices).toHaveLength(2);
    // --cursor continues where the page stopped.
    const next = JSON.parse(
      (
        await admin(
          '--demo',
          'prices',
          '--provider',
          'openrouter',
          '--limit',
          '2',
          '--cursor',
          prices.next_cursor,
        )
      ).out,
    ) as { prices: { model_id: string }[] };
    expect(next.prices[0]!.model_id > prices.prices[1]!.model_id).toBe(true);

    const model = prices.prices[0]!.model_id;
    const set = await admin(
      '--demo',
      'pins',
      'set',
      'openrouter',
      model,
      '--input',
      '1',
      '--output',
      '2',
      '--reason',
      'contract',
    );
    expect(set.code, set.err).toBe(0);
    const pins = JSON.parse((await admin('--demo', 'pins', 'list')).out) as { pins: { pinned_by: string }[] };
    expect(pins.pins).toEqual([expect.objectContaining({ pinned_by: `admin (via: ${user})` })]);
  }, 60_000);

  it('prints a table on a terminal', async () => {
    const out: string[] = [];
    const code = await runAdminCommand(
      ['--demo', 'runs', 'list'],
      env,
      { out: (line) => out.push(line), err: () => undefined, format: 'text' },
      undefined,
      findLocalServer,
    );
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^id +trigger +triggered_by +status +dry_run +started_at/);
    expect(out.some((line) => /^\d+ +cron +vercel-cron +success +false /.test(line))).toBe(true);
    expect(out.join('\n')).not.toContain('{');
  }, 60_000);
});

describe('the via header', () => {
  it('is a 400 when it is not cli:<user>, and never part of who acted', () => {
    const call = (via: string) =>
      actingAdmin(
        new Request('http://localhost/admin/pricing/held', { headers: { [VIA_HEADER]: via } }),
        'ops',
      );
    expect(call('cli:alice')).toBe('ops (via: cli:alice)');
    for (const via of ['alice', 'cli:', 'cli:a b', `cli:${'x'.repeat(65)}`, 'cli:a\u00e9']) {
      expect(() => call(via), via).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe('npm run admin without --demo while only the demo runs', () => {
  it("says that it acts on npm start's folder and that --demo acts on the demo's", async () => {
    const err: string[] = [];
    await runAdminCommand(
      ['held', 'list'],
      { DATABASE_URL: '', SUPABASE_URL: '' },
      { out: () => undefined, err: (line) => err.push(line) },
      async () => {
        throw new Error('not opened in this test');
      },
      async (dataDir) =>
        dataDir === '.data/demo-pglite'
          ? { url: 'http://127.0.0.1:1', command: 'npm run demo', adminKey: 'unused-in-this-test' }
          : null,
    );
    expect(err[0]).toBe(
      "note: npm run demo (http://127.0.0.1:1) holds .data/demo-pglite; this acts on .data/pglite. Add --demo to act on the demo's data.",
    );
  });
});
