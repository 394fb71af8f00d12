import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ReplayServer } from '../../dev/replay/replay-server.js';
import { freePort } from './embedded-server.js';

/** Polls `probe` every 100 ms until it gives a value; throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | null>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * `npm start` (scripts/start.ts) with PGlite in `directory/pglite` and no secrets set: it serves on
 * PORT, generates local secrets without printing them, and its emulated cron fires once.
 * tests/functions/local-runner.test.ts starts it on a migrated copy of the run's template;
 * local-runner.scale.ts on an empty folder, as a new user does (PGlite's initdb in the child).
 */
export async function expectNpmStartServes(directory: string, replay: ReplayServer): Promise<void> {
  const port = await freePort();
  const secretsFile = join(directory, 'local-secrets.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: {
      ...process.env,
      ...replay.baseUrls,
      PORT: String(port),
      PRICING_DATA_DIR: join(directory, 'pglite'),
      LOCAL_SECRETS_FILE: secretsFile,
      LOCAL_CRON_FIRST_DELAY_SECONDS: '1',
      PRICING_SYNC_PROVIDERS: 'openrouter,nearai',
      CRON_SECRET: '',
      ADMIN_API_KEY: '',
      DATABASE_URL: '',
      SUPABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => ((await fetch(`${url}/health`)).ok ? true : null),
      'npm start to serve',
      60_000,
    );
    const secrets = JSON.parse(await readFile(secretsFile, 'utf8')) as {
      ADMIN_API_KEY: string;
      CRON_SECRET: string;
    };
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    expect(output).toContain(secretsFile.split('/').pop()!);
    expect(output).toContain('store: pglite');
    const headers = { authorization: `Bearer ${secrets.ADMIN_API_KEY}` };
    const status = await waitFor(async () => {
      const answer = (await (await fetch(`${url}/admin/pricing/scheduler/status`, { headers })).json()) as {
        last_run: { trigger: string; status: string } | null;
      };
      return answer.last_run?.trigger === 'cron' ? answer : null;
    }, 'the emulated cron run');
    expect(status.last_run?.status).toBe('success');
    const tick = await fetch(`${url}/api/cron/pricing-sync`, {
      headers: { authorization: `Bearer ${secrets.CRON_SECRET}` },
    });
    expect(await tick.json()).toMatchObject({ skipped: 'not_due' });
    expect(output).toContain('✅ Pricing sync scheduler started');
    expect(output).not.toContain(secrets.ADMIN_API_KEY);
    expect(output).not.toContain(secrets.CRON_SECRET);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
