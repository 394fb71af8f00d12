import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as cron } from '../../api/cron/pricing-sync.js';
import { GET as status } from '../../api/admin/pricing/scheduler/status.js';
import { GET as triggerGet, POST as trigger } from '../../api/admin/pricing/scheduler/trigger.js';
import { GET as health } from '../../api/health.js';
import { createAppContext, setAppContext } from '../../lib/app/app-context.js';
import { createLogger } from '../../lib/logging/logger.js';
import { freePort } from '../support/embedded-server.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  OPS_KEY,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';
import { askLease, postgresStore } from '../support/test-store.js';

type Body = Record<string, unknown>;
const body = async (response: Response) => (await response.json()) as Body;

describe('the functions, called with Web Requests', () => {
  let harness: FunctionHarness;
  const sql = async <Row extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    (await harness.database.admin.query<Row>(text, params)).rows;
  const messages = () => harness.logs.map((line) => line.msg);

  beforeAll(async () => {
    harness = await startFunctionHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.replay.setScenario('all', {});
    harness.configure();
  });

  describe('cron', () => {
    it.each([
      ['no Authorization header', undefined],
      ['a wrong secret', 'wrong-secret'],
      ['the admin key instead of the cron secret', ADMIN_KEY],
    ])('refuses %s with 401 and WWW-Authenticate', async (_name, key) => {
      const response = await cron(request('/api/cron/pricing-sync', { key }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await body(response)).toMatchObject({ success: false });
    });

    it('fails closed when CRON_SECRET is unset, whatever is sent', async () => {
      harness.configure({ CRON_SECRET: undefined });
      for (const key of [undefined, '', 'anything', CRON_SECRET]) {
        const response = await cron(request('/api/cron/pricing-sync', { key }));
        expect(response.status).toBe(401);
      }
    });

    it('answers 500 with the configuration errors when a setting is invalid', async () => {
      harness.configure({ PRICING_SYNC_INTERVAL_HOURS: 'six' });
      const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      expect(response.status).toBe(500);
      expect((await body(response)).config_errors).toEqual([
        expect.stringContaining('PRICING_SYNC_INTERVAL_HOURS'),
      ]);
    });

    it('skips when disabled, logging the seed line', async () => {
      harness.configure({ PRICING_SYNC_ENABLED: 'no' });
      const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      expect(response.status).toBe(200);
      expect(await body(response)).toEqual({ success: true, skipped: 'disabled' });
      expect(messages()).toContain('Pricing sync scheduler disabled');
    });

    it('runs when no cron run ever started, logging the seed lines, then is not due', async () => {
      const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      expect(response.status).toBe(200);
      const summary = await body(response);
      expect(summary).toMatchObject({ success: true, status: 'success', triggered_by: 'vercel-cron' });
      expect(summary.total_models_updated).toBeGreaterThan(0);
      expect(messages()).toContain('📅 Pricing sync scheduler started (interval: 6h = 21600s)');
      expect(messages()).toContain('🔄 Starting scheduled pricing sync...');
      expect(messages()).toContainEqual(
        expect.stringMatching(
          /^✅ Scheduled pricing sync completed successfully \(duration: \d+\.\d+s, updated: \d+\)$/,
        ),
      );

      const again = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      const skipped = await body(again);
      expect(skipped).toMatchObject({ success: true, skipped: 'not_due' });
      expect(Date.parse(String(skipped.next_run_at))).toBeGreaterThan(Date.now() + 5 * 3600_000);
    });

    it('is due 5 minutes early (the tolerance) and not 6 minutes early', async () => {
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '5 hours 54 minutes' where trigger = 'cron'`,
      );
      expect(await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })))).toMatchObject({
        skipped: 'not_due',
      });
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '5 hours 56 minutes' where trigger = 'cron'`,
      );
      const due = await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })));
      expect(due).toMatchObject({ status: 'success' });
    });

    it('retries within the hour after a failed cron run, logging the failure line', async () => {
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '7 hours' where trigger = 'cron'`,
      );
      harness.replay.setScenario('all', { failFirst: 1000, errorStatus: 500 });
      harness.configure({ PRICING_PROVIDER_TIMEOUT_SECONDS: '2' });
      const failed = await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })));
      expect(failed).toMatchObject({ success: false, status: 'failed' });
      expect(messages()).toContain('❌ Scheduled pricing sync failed');

      harness.replay.setScenario('all', {});
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '30 minutes' where trigger = 'cron' and status = 'failed'`,
      );
      expect(await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })))).toMatchObject({
        skipped: 'not_due',
      });
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '56 minutes' where trigger = 'cron' and status = 'failed'`,
      );
      expect(await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })))).toMatchObject({
        status: 'success',
      });
    });

    it('marks a killed cron run abandoned once its lease expired and retries it within the hour', async () => {
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '7 hours' where trigger = 'cron'`,
      );
      // A cron run whose process was killed: it took the lease and never finished.
      const [dead] = await sql<{ id: string }>(
        `select (public.pricing_take_lease('cron', 'vercel-cron', false, false, '{}', 15) -> 'run' ->> 'id') as id`,
      );
      await sql(`update pricing_sync_lease set expires_at = now() - interval '1 second'`);

      const tick = await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })));
      expect(tick).toMatchObject({ skipped: 'not_due' });
      const [run] = await sql<{ status: string; started_at: Date }>(
        `select status, started_at from pricing_sync_runs where id = $1`,
        [dead!.id],
      );
      expect(run!.status).toBe('abandoned');
      expect(Date.parse(String(tick.next_run_at))).toBeLessThanOrEqual(run!.started_at.getTime() + 3600_000);

      const state = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
      expect(state.in_progress).toBeNull();
      expect(state.last_run).toMatchObject({ run_id: Number(dead!.id), status: 'abandoned' });

      await sql(`update pricing_sync_runs set started_at = now() - interval '56 minutes' where id = $1`, [
        dead!.id,
      ]);
      expect(await body(await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET })))).toMatchObject({
        status: 'success',
      });
    });

    it('is harmless when one tick is delivered twice at once', async () => {
      await sql(
        `update pricing_sync_runs set started_at = now() - interval '7 hours' where trigger = 'cron'`,
      );
      harness.replay.setScenario('all', { latencyMs: 400 });
      const before = await sql<{ n: string }>(
        `select count(*)::text as n from pricing_sync_runs where trigger = 'cron'`,
      );
      const answers = await Promise.all(
        [1, 2].map(() => cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }))),
      );
      const bodies = await Promise.all(answers.map(body));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(bodies.filter((item) => item.status === 'success')).toHaveLength(1);
      expect(
        bodies.filter((item) => item.skipped === 'already_running' || item.skipped === 'not_due'),
      ).toHaveLength(1);
      const after = await sql<{ n: string }>(
        `select count(*)::text as n from pricing_sync_runs where trigger = 'cron'`,
      );
      expect(Number(after[0]?.n)).toBe(Number(before[0]?.n) + 1);
    });
  });

  describe('trigger', () => {
    it('runs with the admin key and answers the seed fields, logging the seed lines', async () => {
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
      );
      expect(response.status).toBe(200);
      const summary = await body(response);
      expect(summary).toMatchObject({
        success: true,
        status: 'success',
        dry_run: false,
        triggered_by: 'admin',
        total_errors: 0,
      });
      for (const field of [
        'run_id',
        'duration_seconds',
        'total_models_updated',
        'triggered_at',
        'providers',
        'held_changes',
      ]) {
        expect(summary).toHaveProperty(field);
      }
      expect(messages()).toContain('Manual pricing sync triggered by admin: admin');
      expect(messages()).toContainEqual(
        expect.stringMatching(/^Manual pricing sync completed: \d+ models updated in \d+\.\ds$/),
      );
    });

    it('names the key used: a named key from ADMIN_API_KEYS', async () => {
      const summary = await body(
        await trigger(
          request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: OPS_KEY }),
        ),
      );
      expect(summary).toMatchObject({ triggered_by: 'ops', dry_run: true });
    });

    it('answers 200 with success false for a partial run, with the failed provider in providers', async () => {
      harness.replay.setScenario('nearai', { failFirst: 1000, errorStatus: 500 });
      harness.configure({ PRICING_PROVIDER_TIMEOUT_SECONDS: '2' });
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
      );
      expect(response.status).toBe(200);
      const summary = await body(response);
      expect(summary).toMatchObject({ success: false, status: 'partial', total_errors: 1 });
      expect((summary.providers as Body).nearai).toMatchObject({
        outcome: 'failed',
        error: { reason: 'http' },
      });
    });

    it('accepts options in a JSON body: a providers subset, a dry run, force', async () => {
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', {
          method: 'POST',
          key: ADMIN_KEY,
          body: JSON.stringify({ providers: ['nearai'], dry_run: true, force: true }),
          headers: { 'content-type': 'application/json' },
        }),
      );
      const summary = await body(response);
      expect(response.status).toBe(200);
      expect(Object.keys(summary.providers as Body)).toEqual(['nearai']);
      expect(summary).toMatchObject({ dry_run: true, forced: true });
      const run = await sql<{ forced: boolean; dry_run: boolean; triggered_by: string }>(
        'select forced, dry_run, triggered_by from pricing_sync_runs order by id desc limit 1',
      );
      expect(run[0]).toEqual({ forced: true, dry_run: true, triggered_by: 'admin' });
    });

    it.each([
      ['an unknown option', '?dry_run=true&verbose=1', undefined, /unknown option "verbose"/],
      [
        'a bad value, with every word it accepts',
        '?dry_run=maybe',
        undefined,
        /^dry_run must be true or false \(or 1\/0, yes\/no, on\/off\), got "maybe"$/,
      ],
      // Read as the last one, this ran a real sync for a dry run.
      [
        'a key the body repeats',
        '',
        '{"dry_run":true,"providers":["nearai"],"dry_run":false}',
        /key "dry_run" more than once/,
      ],
      ['a repeated option', '?dry_run=true&dry_run=false', undefined, /"dry_run" is given more than once/],
      [
        'a repeated provider list',
        '?providers=nearai&providers=openrouter',
        undefined,
        /"providers" is given/,
      ],
      ['an unknown provider', '?providers=openrouter,acme', undefined, /unknown provider "acme"/],
      [
        'an injection-like provider',
        `?providers=${encodeURIComponent("openrouter'; drop table model_pricing;--")}`,
        undefined,
        /unknown provider/,
      ],
      ['a provider not configured', '?providers=featherless', undefined, /unknown provider "featherless"/],
      ['a body that is not JSON', '', 'dry_run=true', /JSON object/],
      ['a JSON array body', '', '[]', /JSON object/],
    ])('answers 400 for %s, naming it', async (_name, query, requestBody, message) => {
      const response = await trigger(
        request(`/admin/pricing/scheduler/trigger${query}`, {
          method: 'POST',
          key: ADMIN_KEY,
          body: requestBody,
        }),
      );
      expect(response.status).toBe(400);
      const answer = await body(response);
      expect(answer.success).toBe(false);
      expect(String(answer.error)).toMatch(message);
    });

    it('answers 413 for an oversized body', async () => {
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', {
          method: 'POST',
          key: ADMIN_KEY,
          body: JSON.stringify({ providers: 'x'.repeat(100_000) }),
        }),
      );
      expect(response.status).toBe(413);
    });

    it.each([
      ['no key', undefined],
      ['a wrong key', 'nope'],
      ['an empty key', ''],
      ['the cron secret', CRON_SECRET],
      ['a 1 MB key', 'k'.repeat(1024 * 1024)],
    ])('answers 401 for %s', async (_name, key) => {
      const response = await trigger(request('/admin/pricing/scheduler/trigger', { method: 'POST', key }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await body(response)).toMatchObject({ success: false });
    });

    it('ignores a key in the query string', async () => {
      const response = await trigger(
        request(`/admin/pricing/scheduler/trigger?key=${ADMIN_KEY}&api_key=${ADMIN_KEY}`, { method: 'POST' }),
      );
      expect(response.status).toBe(401);
    });

    it('denies everyone when no admin key is configured', async () => {
      harness.configure({ ADMIN_API_KEY: undefined, ADMIN_API_KEYS: undefined });
      for (const key of [undefined, '', ADMIN_KEY, 'undefined', 'null']) {
        expect(
          (await trigger(request('/admin/pricing/scheduler/trigger', { method: 'POST', key }))).status,
        ).toBe(401);
        expect((await status(request('/admin/pricing/scheduler/status', { key }))).status).toBe(401);
      }
    });

    it('answers 405 with Allow: POST for GET', async () => {
      const response = await triggerGet(request('/admin/pricing/scheduler/trigger', { key: ADMIN_KEY }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('answers 409 with the running run while another run holds the lease', async () => {
      const lease = await askLease(harness.store, {
        triggeredBy: 'someone',
        providers: [],
        leaseSeconds: 30,
      });
      if (!lease.acquired) throw new Error('lease');
      const leaseRunId = lease.runId;
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
      );
      expect(response.status).toBe(409);
      expect(await body(response)).toMatchObject({
        success: false,
        running_run_id: leaseRunId,
        running_since: lease.startedAt,
      });

      const during = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
      expect(during.in_progress).toMatchObject({
        run_id: leaseRunId,
        trigger: 'cli',
        triggered_by: 'someone',
      });
      await harness.store.finishRun(leaseRunId, 'failed', { providers: {} }, 'test');
    });

    it('lets exactly one of 20 parallel triggers run; the rest get 409', async () => {
      harness.replay.setScenario('all', { latencyMs: 500 });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          trigger(request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY })),
        ),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((code) => code === 200)).toHaveLength(1);
      expect(statuses.filter((code) => code === 409)).toHaveLength(19);
    });

    it('answers 503 when the database is unreachable, and health says why', async () => {
      const port = await freePort();
      const unreachable = postgresStore(`postgres://postgres:x@127.0.0.1:${port}/none`);
      setAppContext(
        createAppContext({ env: harness.env, store: unreachable, logger: createLogger({ level: 'silent' }) }),
      );
      const response = await trigger(
        request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
      );
      expect(response.status).toBe(503);
      expect(await body(response)).toEqual({ success: false, error: 'database unreachable' });
      const statusResponse = await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY }));
      expect(statusResponse.status).toBe(503);
      const healthResponse = await health(request('/health'));
      expect(healthResponse.status).toBe(503);
      expect(await body(healthResponse)).toMatchObject({ status: 'error', database: 'unreachable' });
      await unreachable.close();
    });
  });

  describe('status and health', () => {
    it('answers the seed shape plus in_progress, last_run, next_run_at, last_syncs, held_changes, config_errors', async () => {
      const answer = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
      expect(answer).toMatchObject({
        success: true,
        scheduler: { enabled: true, interval_hours: 6, running: true, providers: ['openrouter', 'nearai'] },
        in_progress: null,
        config_errors: [],
        held_changes: { openrouter: 0, nearai: 0 },
      });
      expect(answer.last_run).toMatchObject({ status: expect.any(String), run_id: expect.any(Number) });
      expect(typeof answer.next_run_at).toBe('string');
      expect(typeof answer.timestamp).toBe('string');
      const openrouter = (answer.last_syncs as Body).openrouter as Body;
      expect(openrouter).toMatchObject({ status: 'ok', models: { active: expect.any(Number) } });
      expect(openrouter.seconds_ago).toBeGreaterThanOrEqual(0);
    });

    it('reports invalid settings under config_errors and is not running', async () => {
      harness.configure({ PRICING_SYNC_PROVIDERS: 'openrouter,acme', PRICING_SYNC_ENABLED: 'perhaps' });
      const answer = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
      expect((answer.scheduler as Body).running).toBe(false);
      expect(answer.config_errors).toEqual(
        expect.arrayContaining([
          expect.stringContaining('PRICING_SYNC_ENABLED'),
          expect.stringContaining('acme'),
        ]),
      );
    });

    it('reports a bad provider base URL under config_errors instead of failing every endpoint', async () => {
      harness.configure({ OPENROUTER_BASE_URL: 'ftp://example.invalid/api' });
      const answer = await body(await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY })));
      expect(answer.config_errors).toEqual([expect.stringContaining('OPENROUTER_BASE_URL')]);
      expect((await health(request('/health'))).status).toBe(200);
      const cronAnswer = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      expect(cronAnswer.status).toBe(500);
      const triggerAnswer = await trigger(
        request('/admin/pricing/scheduler/trigger', { method: 'POST', key: ADMIN_KEY }),
      );
      expect(triggerAnswer.status).toBe(500);
    });

    it('answers health 200 with the database ok', async () => {
      const response = await health(request('/health'));
      expect(response.status).toBe(200);
      expect(await body(response)).toMatchObject({ status: 'ok', database: 'ok' });
    });

    it('never writes a key or secret into the logs', async () => {
      await trigger(
        request('/admin/pricing/scheduler/trigger?dry_run=true', { method: 'POST', key: ADMIN_KEY }),
      );
      await trigger(request('/admin/pricing/scheduler/trigger', { method: 'POST', key: 'wrong-key-value' }));
      await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      const text = JSON.stringify(harness.logs);
      for (const secret of [ADMIN_KEY, OPS_KEY, CRON_SECRET, 'wrong-key-value'])
        expect(text).not.toContain(secret);
    });
  });
});
