import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as status } from '../../api/admin/pricing/scheduler/status.js';
import { POST as trigger } from '../../api/admin/pricing/scheduler/trigger.js';
import { GET as cron } from '../../api/cron/pricing-sync.js';
import { GET as health } from '../../api/health.js';
import { GET as metrics } from '../../api/metrics.js';
import { POST as cost } from '../../api/prices.js';
import { appContext, setAppContext } from '../../lib/app/app-context.js';
import { readConfig } from '../../lib/config.js';

const STORAGE_VARIABLES = [
  'DATABASE_URL',
  'SUPABASE_URL',
  'SUPABASE_KEY',
  'SUPABASE_SECRET_KEY',
  'SUPABASE_SERVICE_ROLE_KEY',
  'PRICING_DATA_DIR',
];

describe('on Vercel without a database', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    for (const name of STORAGE_VARIABLES) delete process.env[name];
    // Were PGlite tried, it would open this folder: it must stay absent.
    process.env.PRICING_DATA_DIR = '/nonexistent/pricing-sync-must-not-open';
    Object.assign(process.env, {
      VERCEL: '1',
      CRON_SECRET: 'cron-secret-for-tests',
      ADMIN_API_KEY: 'admin-key-for-tests',
      LOG_LEVEL: 'silent',
    });
    setAppContext(null);
  });
  afterAll(() => {
    process.env = saved;
    setAppContext(null);
  });

  it('is a config error naming the variables to set; with any of them it is not', () => {
    expect(readConfig({ VERCEL: '1' }).errors).toEqual([expect.stringMatching(/DATABASE_URL.*SUPABASE_URL/)]);
    expect(readConfig({ VERCEL: '1', DATABASE_URL: 'postgres://db' }).errors).toEqual([]);
    expect(
      readConfig({ VERCEL: '1', SUPABASE_URL: 'https://x.supabase.co', SUPABASE_KEY: 'k' }).errors,
    ).toEqual([]);
    // Locally (no VERCEL) the PGlite default stays the zero-setup store.
    expect(readConfig({}).errors).toEqual([]);
  });

  it('answers every function with 500 and config_errors, from a store that connects nowhere', async () => {
    const admin = { authorization: 'Bearer admin-key-for-tests' };
    const responses = await Promise.all([
      health(new Request('http://localhost/health')),
      status(new Request('http://localhost/admin/pricing/scheduler/status', { headers: admin })),
      cron(
        new Request('http://localhost/api/cron/pricing-sync', {
          headers: { authorization: 'Bearer cron-secret-for-tests' },
        }),
      ),
      trigger(
        new Request('http://localhost/admin/pricing/scheduler/trigger', { method: 'POST', headers: admin }),
      ),
      metrics(new Request('http://localhost/metrics')),
      // Even a request it would refuse: the missing database is what to fix first.
      cost(new Request('http://localhost/prices/cost', { method: 'POST', headers: admin, body: '{}' })),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: string; config_errors: string[] };
      expect(body.error).toBe('invalid configuration');
      expect(body.config_errors.join('\n')).toMatch(/DATABASE_URL/);
      expect(body.config_errors.join('\n')).toMatch(/SUPABASE_URL/);
    }
    expect((await appContext()).store.kind).toBe('none');
  });

  it.each([
    ['SUPABASE_URL without a key', { SUPABASE_URL: 'https://x.supabase.co' }, /SUPABASE_KEY/],
    ['a Supabase key without SUPABASE_URL', { SUPABASE_KEY: 'sb_secret_for_tests_0123' }, /SUPABASE_URL/],
    ['a DATABASE_URL that is not a Postgres URL', { DATABASE_URL: 'mysql://db/pricing' }, /DATABASE_URL/],
  ])(
    'with %s: the same invalid configuration, listed by status and logged by the cron',
    async (_, env, named) => {
      const set = env as Record<string, string>;
      Object.assign(process.env, set);
      setAppContext(null);
      const lines: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        lines.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof process.stdout.write;
      process.env.LOG_LEVEL = 'info';
      try {
        const admin = { authorization: 'Bearer admin-key-for-tests' };
        const responses = await Promise.all([
          health(new Request('http://localhost/health')),
          status(new Request('http://localhost/admin/pricing/scheduler/status', { headers: admin })),
          cron(
            new Request('http://localhost/api/cron/pricing-sync', {
              headers: { authorization: 'Bearer cron-secret-for-tests' },
            }),
          ),
        ]);
        for (const response of responses) {
          expect(response.status).toBe(500);
          const body = (await response.json()) as { error: string; config_errors: string[] };
          expect(body).toMatchObject({
            error: 'invalid configuration',
            config_errors: [expect.stringMatching(named)],
          });
        }
        expect((await appContext()).store.kind).toBe('none');
        expect(
          lines.filter((line) => line.includes('Scheduled pricing sync failed: invalid configuration')),
        ).toHaveLength(1);
      } finally {
        process.stdout.write = write;
        process.env.LOG_LEVEL = 'silent';
        for (const name of Object.keys(set)) delete process.env[name];
        setAppContext(null);
      }
    },
  );

  it('still refuses a caller without the key first', async () => {
    expect((await status(new Request('http://localhost/admin/pricing/scheduler/status'))).status).toBe(401);
    expect((await cron(new Request('http://localhost/api/cron/pricing-sync'))).status).toBe(401);
  });
});
