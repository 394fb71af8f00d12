import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '../../api/metrics.js';
import { request, startFunctionHarness, type FunctionHarness } from '../support/function-harness.js';
import { readDashboard } from './dashboard.js';
import { promtool, requirePrometheusTools } from './promtool.js';

describe('promtool on monitoring/ and on a scrape of a real database', () => {
  let scratch: string;

  beforeAll(async () => {
    requirePrometheusTools();
    scratch = await mkdtemp(join(tmpdir(), 'pricing-sync-promtool-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('accepts the alert rules', async () => {
    const result = await promtool(['check', 'rules', 'monitoring/prometheus-rules.yml']);
    expect(result.stdout + result.stderr).toContain('SUCCESS: 7 rules found');
    expect(result.code).toBe(0);
  });

  it('passes the rules’ unit tests', async () => {
    const result = await promtool(['test', 'rules', 'monitoring/prometheus-rules.test.yml']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('accepts the example prometheus.yml', async () => {
    // promtool checks that the token file exists: point it at a scratch one.
    const example = await readFile('monitoring/prometheus.yml', 'utf8');
    const tokenFile = join(scratch, 'token');
    await writeFile(tokenFile, 'example-token', { mode: 0o600 });
    expect(example).toMatch(/credentials_file: \S+/);
    await writeFile(
      join(scratch, 'prometheus.yml'),
      example.replace(/credentials_file: \S+/, `credentials_file: ${tokenFile}`),
    );
    await copyFile('monitoring/prometheus-rules.yml', join(scratch, 'prometheus-rules.yml'));
    const result = await promtool(['check', 'config', 'prometheus.yml'], { cwd: scratch });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('parses every query of the dashboard', async () => {
    const dashboard = await readDashboard();
    const rules = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target, index) => ({ record: `dashboard:panel_${index}`, expr: target.expr })),
    );
    expect(rules.length).toBeGreaterThanOrEqual(5);
    const file = join(scratch, 'dashboard-queries.yml');
    // JSON is YAML: one recording rule per query lets promtool parse them all.
    await writeFile(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await promtool(['check', 'rules', file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  describe('promtool check metrics', () => {
    let harness: FunctionHarness;

    beforeAll(async () => {
      harness = await startFunctionHarness();
      const context = harness.configure();
      const run = (trigger: 'cron' | 'manual') =>
        context.sync({ trigger, triggeredBy: null, dryRun: false, force: false });
      await run('cron');
      harness.replay.setScenario('nearai', { failFirst: 1_000, errorStatus: 404 });
      await run('cron');
      harness.replay.setScenario('nearai', {});
      await run('manual');
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('reports no problem with the exposition of a real database', async () => {
      harness.configure();
      const response = await GET(request('/metrics'));
      expect(response.status).toBe(200);
      const exposition = await response.text();
      expect(exposition).toContain('pricing_scheduled_sync_runs_total{status="success"} 1');
      const result = await promtool(['check', 'metrics'], { stdin: exposition });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  });
});
