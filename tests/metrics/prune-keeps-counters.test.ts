import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '../../api/metrics.js';
import { parseAgeSeconds, runPruneCommand } from '../../lib/cli/prune-command.js';
import { request, startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';
import { parseExposition } from './parse-exposition.js';

describe('parseAgeSeconds', () => {
  it.each([
    ['90d', 7_776_000],
    ['12h', 43_200],
    ['30m', 1_800],
    ['45s', 45],
    [' 1d ', 86_400],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseAgeSeconds(text)).toBe(seconds);
  });

  it.each(['90', 'd', '0d', '-1d', '1.5d', '90x', '90 d', '1w', '', '99999999999999999d'])(
    'refuses %j, naming the units',
    (text) => {
      expect(() => parseAgeSeconds(text)).toThrow(/d, h, m or s/);
    },
  );
});

describe('npm run db:prune', () => {
  let harness: FunctionHarness;
  const run = (trigger: 'cron' | 'manual') =>
    harness.configure().sync({ trigger, triggeredBy: null, dryRun: false, force: false });
  const scrape = async () => {
    harness.configure();
    const response = await GET(request('/metrics'));
    expect(response.status).toBe(200);
    // The ages of the oldest held change and of the oldest waiting webhook event grow with the
    // clock; everything else must stay as it was.
    return (await response.text())
      .split('\n')
      .filter(
        (line) =>
          !line.startsWith('pricing_held_oldest_age_seconds{') &&
          !line.startsWith('pricing_webhook_oldest_pending_age_seconds '),
      )
      .join('\n');
  };
  const runCount = async () =>
    Number(
      (await harness.database.admin.query<{ n: string }>('select count(*)::text as n from pricing_sync_runs'))
        .rows[0]?.n,
    );
  const prune = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPruneCommand(
      argv,
      { DATABASE_URL: harness.database.url },
      {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
      },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    harness = await startFunctionHarness();
    await run('cron');
    harness.replay.setScenario('openrouter', { failFirst: 1_000, errorStatus: 404 });
    await run('cron');
    harness.replay.setScenario('all', { failFirst: 1_000, errorStatus: 404 });
    await run('cron');
    harness.replay.setScenario('all', { seed: 2, priceChangeFraction: 0.2 });
    await run('manual');
    harness.replay.setScenario('all', {});
    // Everything but the manual run is a hundred days old.
    await harness.database.admin.query(
      `update pricing_sync_runs set started_at = started_at - interval '100 days',
                                    finished_at = finished_at - interval '100 days'
        where trigger = 'cron'`,
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  it('deletes old runs and leaves every counter exactly as it was', async () => {
    const before = await scrape();
    expect(await runCount()).toBe(4);
    const parsed = parseExposition(before);
    expect(parsed.value('pricing_scheduled_sync_runs_total', { status: 'success' })).toBe(1);
    expect(parsed.value('pricing_scheduled_sync_runs_total', { status: 'partial' })).toBe(1);
    expect(parsed.value('pricing_scheduled_sync_runs_total', { status: 'failed' })).toBe(1);

    const result = await prune(['--older-than', '90d']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^deleted 3 finished runs older than 90d/);
    expect(await runCount()).toBe(1);
    expect(await scrape()).toBe(before);
  });

  it('counts on from the kept totals after a prune', async () => {
    const before = parseExposition(await scrape());
    await run('cron');
    const after = parseExposition(await scrape());
    for (const sample of before.samples) {
      if (!/_total$|_bucket$|_count$|_sum$/.test(sample.name)) continue;
      expect(after.value(sample.name, sample.labels), sample.name).toBeGreaterThanOrEqual(sample.value);
    }
    expect(after.value('pricing_scheduled_sync_runs_total', { status: 'success' })).toBe(2);
  });

  it('explains what it needs when the age is missing or wrong', async () => {
    expect(await prune([])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--older-than is required/),
    });
    expect(await prune(['--older-than', '3 months'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/d, h, m or s/),
    });
    expect(await prune(['--older', '90d'])).toMatchObject({ code: 1, err: expect.stringMatching(/usage/) });
    expect(await runCount()).toBe(2);
  });
});
