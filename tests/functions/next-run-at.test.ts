import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { createLogger } from '../../lib/logging/logger.js';
import { nextCronTime, SYNC_CRON_SCHEDULE } from '../../lib/scheduler/cron-schedule.js';
import { ADMIN_KEY, CRON_SECRET } from '../support/function-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe("status' next_run_at when a sync is due", () => {
  let database: TestDatabase | null = null;
  let runner: LocalRunner | null = null;
  afterEach(async () => {
    await runner?.close();
    await database?.drop();
    runner = null;
    database = null;
  });

  async function nextRunAt(env: Record<string, string>): Promise<{ next: number; before: number }> {
    database = await createTestDatabase();
    const before = Date.now();
    runner = await startLocalRunner({
      env: {
        DATABASE_URL: database.url,
        PRICING_SYNC_PROVIDERS: 'openrouter',
        ADMIN_API_KEY: ADMIN_KEY,
        CRON_SECRET,
        ...env,
      },
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
    const answer = (await (
      await fetch(`${runner.url}/admin/pricing/scheduler/status`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      })
    ).json()) as { next_run_at: string | null; last_run: unknown };
    expect(answer.last_run).toBeNull();
    return { next: Date.parse(answer.next_run_at ?? ''), before };
  }

  it('is the local runner\'s first tick, 30 s after npm start, not "now"', async () => {
    const { next, before } = await nextRunAt({});
    expect(next).toBeGreaterThanOrEqual(before + 30_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("without the local runner's cron, the next match of vercel.json's schedule", async () => {
    const { next, before } = await nextRunAt({ LOCAL_CRON: 'off' });
    expect(new Date(next).toISOString()).toBe(
      nextCronTime(SYNC_CRON_SCHEDULE, new Date(before)).toISOString(),
    );
  });

  it("holds SYNC_CRON_SCHEDULE equal to vercel.json's cron for the sync", async () => {
    const vercel = JSON.parse(await readFile(new URL('../../vercel.json', import.meta.url), 'utf8')) as {
      crons: { path: string; schedule: string }[];
    };
    expect(vercel.crons.find((cron) => cron.path === '/api/cron/pricing-sync')?.schedule).toBe(
      SYNC_CRON_SCHEDULE,
    );
  });
});
