import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as runs from '../../api/admin/pricing/runs.js';
import * as prices from '../../api/admin/pricing/prices.js';
import * as pins from '../../api/admin/pricing/pins.js';
import * as status from '../../api/admin/pricing/scheduler/status.js';
import { request } from '../support/function-harness.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';

/** The admin API additions the operator console reads (issue 28), on every adapter. */
describe.each<AdapterKind>(['pglite', 'postgres', 'supabase'])('console API (%s)', (kind) => {
  let fixture: OperatorFixture;
  let runId: number;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    fixture.feed([
      ['acme/Alpha', '1', '2'],
      ['acme/beta', '3', '4'],
      ['other/ALPHA-2', '5', '6'],
    ]);
    await fixture.sync();
    fixture.feed([
      ['acme/Alpha', '1.5', '2'],
      ['acme/beta', '300', '400'],
      ['other/ALPHA-2', '5', '6'],
      ['acme/new', '9', '10'],
    ]);
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    runId = outcome.report.run_id;
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('status names the key that called it', async () => {
    const answer = await fixture.call(status, 'GET', '/admin/pricing/scheduler/status');
    expect(answer.status).toBe(200);
    expect(answer.body.caller).toBe('admin');
  });

  it('a run detail lists its per-provider results and the changes it made', async () => {
    const answer = await fixture.call(runs, 'GET', `/admin/pricing/runs?run_id=${runId}`);
    expect(answer.status).toBe(200);
    expect(answer.body.run).toMatchObject({ id: runId, status: 'success' });
    expect(answer.body.run.results.providers.openrouter.counts).toMatchObject({ changed: 1, added: 1 });
    expect(answer.body.change_count).toBe(2);
    const changes = answer.body.changes.map((change: { model_id: string; kind: string }) => [
      change.model_id,
      change.kind,
    ]);
    expect(changes.sort()).toEqual([
      ['acme/Alpha', 'changed'],
      ['acme/new', 'added'],
    ]);
    const alpha = answer.body.changes.find(
      (change: { model_id: string }) => change.model_id === 'acme/Alpha',
    );
    expect(alpha.old.input_price_per_1m_tokens).toBe('1');
    expect(alpha.new.input_price_per_1m_tokens).toBe('1.5');

    expect((await fixture.call(runs, 'GET', '/admin/pricing/runs?run_id=999999')).status).toBe(404);
    expect((await fixture.call(runs, 'GET', '/admin/pricing/runs?run_id=x')).status).toBe(400);
    expect((await fixture.call(runs, 'GET', `/admin/pricing/runs?run_id=${runId}&limit=2`)).status).toBe(400);
  });

  it('a rollback preview answers what would be restored and writes nothing', async () => {
    const before = await fixture.snapshot();
    const runsBefore = await fixture.query('select count(*)::int as n from public.pricing_sync_runs');
    const preview = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
      dry_run: true,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      success: true,
      dry_run: true,
      rollback_of: runId,
      models_reverted: 2,
    });
    const restores = Object.fromEntries(
      preview.body.restores.map((restore: { model_id: string; from: AnswerPrices; to: AnswerPrices }) => [
        restore.model_id,
        [
          restore.from?.state,
          restore.from?.input_price_per_1m_tokens,
          restore.to.state,
          restore.to.input_price_per_1m_tokens,
        ],
      ]),
    );
    expect(restores).toEqual({
      'acme/Alpha': ['active', '1.5', 'active', '1'],
      'acme/new': ['active', '9', 'missing', '9'],
    });
    expect(await fixture.snapshot()).toBe(before);
    const runsAfter = await fixture.query('select count(*)::int as n from public.pricing_sync_runs');
    expect(runsAfter.rows).toEqual(runsBefore.rows);
    const history = await fixture.query(
      `select count(*)::int as n from public.model_pricing_history where kind = 'rolled_back'`,
    );
    expect(history.rows).toEqual([{ n: 0 }]);

    // The same refusals as the rollback itself.
    const unknown = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: 999999,
      dry_run: true,
    });
    expect(unknown.status).toBe(404);
    const notBoolean = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
      dry_run: 'yes',
    });
    expect(notBoolean.status).toBe(400);
  });

  it('searches model ids by substring, case-insensitively, paged', async () => {
    const first = await fixture.call(prices, 'GET', '/admin/pricing/prices?q=alpha&limit=1');
    expect(first.status).toBe(200);
    expect(first.body.prices.map((row: { model_id: string }) => row.model_id)).toEqual(['acme/Alpha']);
    expect(first.body.prices[0].input_price_per_1m_tokens).toBe('1.5');
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await fixture.call(
      prices,
      'GET',
      `/admin/pricing/prices?q=alpha&limit=1&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.prices.map((row: { model_id: string }) => row.model_id)).toEqual(['other/ALPHA-2']);
    expect(second.body.next_cursor).toBeNull();
    const scoped = await fixture.call(prices, 'GET', '/admin/pricing/prices?provider=openrouter&q=%25');
    expect(scoped.body.prices).toEqual([]);
    expect(
      (await fixture.call(prices, 'GET', '/admin/pricing/prices?q=a&at=2026-01-01T00:00:00Z')).status,
    ).toBe(400);
    expect((await fixture.call(prices, 'GET', '/admin/pricing/prices?q=')).status).toBe(400);
  });

  it("lists one model's held changes", async () => {
    const all = await fixture.call(held, 'GET', '/admin/pricing/held');
    expect(all.body.held.map((row: { model_id: string }) => row.model_id)).toEqual(['acme/beta']);
    const beta = await fixture.call(
      held,
      'GET',
      '/admin/pricing/held?model_id=acme/beta&provider=openrouter',
    );
    expect(beta.status).toBe(200);
    expect(beta.body.held).toHaveLength(1);
    expect(beta.body.held[0]).toMatchObject({
      model_id: 'acme/beta',
      reason: 'price_swing',
      status: 'pending',
    });
    const alpha = await fixture.call(held, 'GET', '/admin/pricing/held?model_id=acme/Alpha&status=all');
    expect(alpha.body.held).toEqual([]);
  });

  it('answers 401 without the key, as every admin endpoint', async () => {
    const response = await status.GET!(request('/admin/pricing/scheduler/status'));
    expect(response.status).toBe(401);
    expect(pins.GET).toBeDefined();
  });
});

interface AnswerPrices {
  state: string;
  input_price_per_1m_tokens: string | null;
}
