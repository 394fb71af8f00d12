import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { createLogger } from '../../lib/logging/logger.js';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { readDashboard } from './dashboard.js';
import { startPrometheus, type PrometheusServer, type Sample } from './prometheus-server.js';
import { promtool, requirePrometheusTools } from './promtool.js';

const CRON_SECRET = 'e2e-cron-secret-0123456789';
const ADMIN_KEY = 'e2e-admin-key-0123456789';
const METRICS_TOKEN = 'e2e-metrics-token-0123456789';
const RULES = 'monitoring/prometheus-rules.yml';

interface AlertingRule {
  name: string;
  query: string;
  health: string;
  lastError?: string;
  type: string;
}
interface ActiveAlert {
  labels: Record<string, string>;
  state: string;
}

const one = (samples: Sample[]) => {
  expect(samples, JSON.stringify(samples)).toHaveLength(1);
  return samples[0]!.value;
};
const byLabels = (samples: Sample[], ...names: string[]) =>
  Object.fromEntries(
    samples.map((sample) => [names.map((name) => sample.metric[name]).join(' '), sample.value]),
  );
/** increase() extrapolates a little past the last scrape: counts are checked to the nearest whole. */
const rounded = (values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.round(value)]));

describe('a real Prometheus scraping the local runner through cron, manual and failing runs', () => {
  let database: TestDatabase;
  let replay: ReplayServer;
  let runner: LocalRunner;
  let prometheus: PrometheusServer;
  const sql = async <Row extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    (await database.admin.query<Row>(text, params)).rows;

  async function cronTick(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${runner.url}/api/cron/pricing-sync`, {
      headers: { authorization: `Bearer ${CRON_SECRET}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  /** Makes the next tick due, as if the interval had passed since every run so far. */
  async function intervalPasses(): Promise<void> {
    await sql(`update pricing_sync_runs set started_at = started_at - interval '6 hours',
                                            finished_at = finished_at - interval '6 hours'`);
  }
  /** Waits until Prometheus has scraped this many finished runs of the trigger and status. */
  async function scraped(trigger: string, status: string, count: number): Promise<void> {
    await prometheus.waitFor(
      `sum(pricing_sync_runs_total{trigger="${trigger}",status="${status}"})`,
      (samples) => samples[0]?.value === count,
    );
  }
  async function alertStates(): Promise<Record<string, string>> {
    const { alerts } = await prometheus.api<{ alerts: ActiveAlert[] }>('/api/v1/alerts');
    return Object.fromEntries(alerts.map((alert) => [alert.labels.alertname!, alert.state]));
  }
  async function alertingRules(): Promise<AlertingRule[]> {
    const { groups } = await prometheus.api<{ groups: { rules: AlertingRule[] }[] }>('/api/v1/rules');
    return groups.flatMap((group) => group.rules).filter((rule) => rule.type === 'alerting');
  }
  async function totals(metric: string): Promise<[string, string, number][]> {
    const rows = await sql<{ label1: string; label2: string; value: string }>(
      'select label1, label2, value::text from pricing_metric_totals where metric = $1',
      [metric],
    );
    return rows.map((row) => [row.label1, row.label2, Number(row.value)]);
  }

  beforeAll(async () => {
    requirePrometheusTools();
    database = await createTestDatabase();
    replay = await startReplayServer({ defaults: { size: 50 } });
    runner = await startLocalRunner({
      port: 0,
      env: {
        ...replay.baseUrls,
        DATABASE_URL: database.url,
        PRICING_SYNC_PROVIDERS: 'openrouter,nearai',
        PRICING_SYNC_INTERVAL_HOURS: '6',
        CRON_SECRET,
        ADMIN_API_KEY: ADMIN_KEY,
        METRICS_TOKEN,
        LOCAL_CRON: 'off',
      },
      logger: createLogger({ level: 'silent' }),
    });
    prometheus = await startPrometheus({
      target: runner.url,
      bearerToken: METRICS_TOKEN,
      ruleFiles: [RULES],
    });
    await prometheus.waitFor('up{job="pricing-sync"} == 1', (samples) => samples.length === 1);
    await prometheus.waitFor('pricing_sync_enabled', (samples) => samples.length === 1);
  });
  afterAll(async () => {
    await prometheus?.close();
    await runner?.close();
    await replay?.close();
    await database?.drop();
  });

  it('loads every alert rule and evaluates it without error', async () => {
    const rules = await alertingRules();
    expect(rules.map((rule) => rule.name).sort()).toEqual([
      'PricingHeldChangesWaiting',
      'PricingMetricsAbsent',
      'PricingNoSyncsRunning',
      'PricingProviderStale',
      'PricingSchedulerStopped',
      'PricingSyncHighErrorRate',
      'PricingSyncSlow',
    ]);
    for (const rule of rules) expect(rule.health, `${rule.name}: ${rule.lastError}`).not.toBe('err');
  });

  it('serves /metrics only with the token, and its live scrape passes promtool check metrics', async () => {
    expect((await fetch(`${runner.url}/metrics`)).status).toBe(401);
    const response = await fetch(`${runner.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const result = await promtool(['check', 'metrics'], { stdin: await response.text() });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('fires the high error rate rule on a failed first run', async () => {
    replay.setScenario('all', { failFirst: 1_000_000, errorStatus: 404 });
    const tick = await cronTick();
    expect(tick).toMatchObject({ status: 200, body: { status: 'failed' } });
    await scraped('cron', 'failed', 1);
    const rules = await alertingRules();
    const highErrorRate = rules.find((rule) => rule.name === 'PricingSyncHighErrorRate')!;
    expect(one(await prometheus.query(highErrorRate.query))).toBe(1);
    // Its `for` has not passed: pending, as Prometheus itself evaluates the rule file.
    await prometheus.waitFor(
      'ALERTS{alertname="PricingSyncHighErrorRate"}',
      (samples) => samples.length === 1,
    );
    expect((await alertStates()).PricingSyncHighErrorRate).toBe('pending');
  });

  it('counts a successful, a partial and a manual run, and a tick that is not due not at all', async () => {
    replay.setScenario('all', {});
    await intervalPasses();
    expect(await cronTick()).toMatchObject({ status: 200, body: { status: 'success' } });
    await scraped('cron', 'success', 1);

    replay.setScenario('nearai', { failFirst: 1_000_000, errorStatus: 404 });
    await intervalPasses();
    expect(await cronTick()).toMatchObject({ status: 200, body: { status: 'partial' } });
    await scraped('cron', 'partial', 1);

    // Not due: an hourly tick right after a run is skipped and counted nowhere.
    expect(await cronTick()).toMatchObject({ status: 200, body: { skipped: 'not_due' } });

    replay.setScenario('all', { seed: 1, priceChangeFraction: 0.1, priceChangeFactor: '1.5' });
    const manual = await fetch(`${runner.url}/admin/pricing/scheduler/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(manual.status).toBe(200);
    expect(await manual.json()).toMatchObject({ status: 'success', triggered_by: 'admin' });
    await scraped('manual', 'success', 1);
    // A few more scrapes of the final state.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  });

  it("answers the seed's queries as corrected", async () => {
    expect(one(await prometheus.query('sum(pricing_scheduled_sync_runs_total{status="success"})'))).toBe(1);
    expect(one(await prometheus.query('sum(pricing_scheduled_sync_runs_total{status="partial"})'))).toBe(1);
    expect(one(await prometheus.query('sum(pricing_scheduled_sync_runs_total{status="failed"})'))).toBe(1);
    expect(one(await prometheus.query('sum(pricing_scheduled_sync_runs_total)'))).toBe(3);
    expect(one(await prometheus.query('sum(pricing_sync_runs_total{trigger="manual"})'))).toBe(1);
    expect(one(await prometheus.query('pricing_scheduled_sync_duration_seconds_count'))).toBe(3);
    for (const provider of ['openrouter', 'nearai']) {
      const age = one(await prometheus.query(`time() - pricing_last_sync_timestamp{provider="${provider}"}`));
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    }
  });

  it('answers every dashboard panel with what was done', async () => {
    const dashboard = await readDashboard();
    const answers = new Map<string, Sample[]>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        answers.set(`${panel.title} ${target.refId}`, await prometheus.query(target.expr));
      }
    }
    const answer = (title: string, refId = 'A') => {
      const samples = answers.get(`${title} ${refId}`);
      if (!samples) throw new Error(`no dashboard panel "${title}" with query ${refId}`);
      return samples;
    };
    expect(answers.size).toBe(dashboard.panels.reduce((count, panel) => count + panel.targets.length, 0));

    // One of three scheduled runs succeeded.
    expect(one(answer('Sync success rate (scheduled runs, last 24 h)'))).toBeCloseTo(1 / 3, 2);

    const [[, , durationSum]] = (await totals('duration_sum')).filter(([trigger]) => trigger === 'cron') as [
      [string, string, number],
    ];
    const average = one(answer('Sync duration over time (scheduled runs, last 24 h)', 'A'));
    expect(average).toBeCloseTo(durationSum / 3, 2);
    const buckets = (await totals('duration_bucket')).filter(([trigger]) => trigger === 'cron');
    const slowestBound = Math.max(...buckets.map(([, le]) => (le === '+Inf' ? Infinity : Number(le))));
    const p95 = one(answer('Sync duration over time (scheduled runs, last 24 h)', 'B'));
    expect(p95).toBeGreaterThan(0);
    expect(p95).toBeLessThanOrEqual(slowestBound);

    const ages = byLabels(answer('Time since last successful sync'), 'provider');
    expect(Object.keys(ages).sort()).toEqual(['nearai', 'openrouter']);
    for (const age of Object.values(ages)) expect(age).toBeLessThan(60);

    // Updates per run that wrote something (cron success, cron partial, manual success).
    const updated = new Map<string, number>();
    for (const [provider, outcome, value] of await totals('models')) {
      if (['added', 'changed', 'missing', 'restored'].includes(outcome)) {
        updated.set(provider, (updated.get(provider) ?? 0) + value);
      }
    }
    const perSync = byLabels(answer('Models updated per sync (last 24 h)'), 'provider');
    expect(Object.keys(perSync).sort()).toEqual(['nearai', 'openrouter']);
    for (const [provider, value] of Object.entries(perSync))
      expect(value).toBeCloseTo(updated.get(provider)! / 3, 1);
    expect(updated.get('openrouter')).toBeGreaterThan(50); // 50 added, then some price changes

    const errors = rounded(byLabels(answer('Errors (last 24 h)', 'A'), 'provider', 'reason'));
    expect(errors['openrouter http']).toBe(1);
    expect(errors['nearai http']).toBe(2);
    expect(Object.values(errors).reduce((sum, value) => sum + value, 0)).toBe(3);
    expect(rounded(byLabels(answer('Errors (last 24 h)', 'B'), 'status'))).toEqual({
      failed: 1,
      abandoned: 0,
    });

    const runs = rounded(byLabels(answer('Runs by trigger and status (last 24 h)'), 'trigger', 'status'));
    expect(Object.fromEntries(Object.entries(runs).filter(([, value]) => value > 0))).toEqual({
      'cron failed': 1,
      'cron success': 1,
      'cron partial': 1,
      'manual success': 1,
    });

    expect(byLabels(answer('Held changes waiting'), 'provider')).toEqual({ nearai: 0, openrouter: 0 });
    // Both providers synced within the hour: every reason 0, for each provider with models.
    expect(rounded(byLabels(answer('Stale providers'), 'provider', 'reason'))).toEqual({
      'nearai failing': 0,
      'nearai never_synced': 0,
      'nearai not_configured': 0,
      'openrouter failing': 0,
      'openrouter never_synced': 0,
      'openrouter not_configured': 0,
    });
    const operator = 'Operator control: oldest held change, pins';
    for (const refId of ['A', 'B', 'C']) {
      expect(byLabels(answer(operator, refId), 'provider'), refId).toEqual({ nearai: 0, openrouter: 0 });
    }

    const [openrouterRow] = await sql<{ models_by_state: Record<string, number> }>(
      `select models_by_state from pricing_providers where provider = 'openrouter'`,
    );
    const models = byLabels(answer('Models by state'), 'provider', 'state');
    expect(models['openrouter active']).toBe(openrouterRow!.models_by_state.active);
    expect(models['openrouter active']).toBeGreaterThan(0);

    expect(one(answer('Scheduler', 'A'))).toBe(1);
    expect(one(answer('Scheduler', 'B'))).toBe(0);
    expect(one(answer('Scheduler', 'C'))).toBe(6);
  });

  it('fires no alert once the runs recovered: one failure in three is not an error rate above half', async () => {
    const rules = await alertingRules();
    for (const rule of rules) {
      expect(await prometheus.query(rule.query), rule.name).toEqual([]);
      expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
    }
    const highErrorRate = rules.find((rule) => rule.name === 'PricingSyncHighErrorRate')!;
    const ratio = highErrorRate.query.replace(/\s*>\s*0\.5\s*$/, '');
    expect(ratio).not.toBe(highErrorRate.query);
    expect(one(await prometheus.query(ratio))).toBeCloseTo(1 / 3, 2);
    await prometheus.waitFor('ALERTS', (samples) => samples.length === 0);
    expect(await alertStates()).toEqual({});
  });
});
