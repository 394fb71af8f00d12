import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTally, scenario, tally } from './support/scenario.js';
import { startReliabilityRunner, type ReliabilityRunner } from './support/reliability-runner.js';

const AREA = 'Load';

describe('load', () => {
  let fixture: ReliabilityRunner;
  beforeAll(async () => {
    fixture = await startReliabilityRunner({ env: { PRICING_SYNC_PROVIDERS: 'openrouter' } });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('200 concurrent trigger requests while a run is slow: exactly one run, the rest 409', async ({
    task,
  }) => {
    const record = scenario(task, AREA, 'exactly one 200 and one stored run; the other 199 get 409; no 5xx');
    // Each provider answer takes 1.5 s, so every request arrives while the one run holds the lease.
    fixture.replay.setScenario('openrouter', { latencyMs: 1_500 });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${fixture.url}/admin/pricing/scheduler/trigger`, { method: 'POST', headers: fixture.admin }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    fixture.replay.setScenario('openrouter', {});
    const runs = await fixture.database!.admin.query<{ status: string }>(
      'select status from pricing_sync_runs',
    );
    record.observe(
      `${describeTally(tally(statuses))}; stored runs: ${describeTally(tally(runs.rows.map((run) => run.status)))}`,
    );
    expect(tally(statuses)).toEqual({ 200: 1, 409: 199 });
    expect(runs.rows).toEqual([{ status: 'success' }]);
  });

  for (const [path, authorized] of [
    ['/metrics', false],
    ['/admin/pricing/scheduler/status', true],
  ] as const) {
    it(`${path} under autocannon, 50 connections for 10 s: no errors`, async ({ task }) => {
      const record = scenario(
        task,
        AREA,
        'no connection errors, no timeouts, every answer 2xx; requests per second reported',
      );
      const result = await autocannon({
        url: `${fixture.url}${path}`,
        connections: 50,
        duration: 10,
        headers: authorized ? fixture.admin : {},
      });
      record.observe(
        `${result.requests.total} requests, ${Math.round(result.requests.average)} req/s average, p99 latency ${result.latency.p99} ms; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx} (autocannon in the same process as the server, 2 cores)`,
      );
      expect(result.requests.total).toBeGreaterThan(0);
      expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({
        errors: 0,
        timeouts: 0,
        non2xx: 0,
      });
    });
  }
});
