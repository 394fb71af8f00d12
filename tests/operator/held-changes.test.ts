import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import {
  startOperatorFixture,
  type AdapterKind,
  type AnswerBody,
  type OperatorFixture,
} from './operator-fixture.js';
import { holdLease } from '../support/test-store.js';

const INITIAL: [string, string, string][] = [
  ['acme/a', '1', '2'],
  ['acme/b', '3', '4'],
  ['acme/c', '5', '6'],
  ['acme/d', '7', '8'],
];
let base = INITIAL;

function withModel(id: string, input: string, output: string): [string, string, string][] {
  return base.map((model) => (model[0] === id ? [id, input, output] : model));
}

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('held changes as rows (%s)', (kind) => {
  let fixture: OperatorFixture;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    base = INITIAL;
    fixture.feed(base);
    await fixture.sync();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  async function pending() {
    const answer = await fixture.call(held, 'GET', '/admin/pricing/held?status=pending&provider=openrouter');
    expect(answer.status).toBe(200);
    return answer.body.held as AnswerBody[];
  }

  it('approves exactly the reviewed price of a held 100x change after the feed moved on, and a second approve is 409', async () => {
    fixture.feed(withModel('acme/a', '100', '200'));
    await fixture.sync();
    const [row, ...others] = await pending();
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      provider: 'openrouter',
      model_id: 'acme/a',
      reason: 'price_swing',
      status: 'pending',
      current: { state: 'active', input_price_per_1m_tokens: '1', output_price_per_1m_tokens: '2' },
      proposed: { state: 'active', input_price_per_1m_tokens: '100', output_price_per_1m_tokens: '200' },
    });
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);

    // A later sync proposing the same value sees the same row again: no second row.
    await fixture.sync();
    const [again] = await pending();
    expect(again!.id).toBe(row!.id);
    expect(again!.last_run_id).toBeGreaterThan(row!.first_run_id);

    const lastSuccess = async () =>
      (
        await fixture.query<{ at: string }>(
          `select last_success_at::text as at from public.pricing_providers where provider = 'openrouter'`,
        )
      ).rows[0]!.at;
    const fetchedAt = await lastSuccess();
    // The feed moves on before the admin decides; approve still applies what was reviewed.
    fixture.feed(withModel('acme/a', '300', '600'));
    const approved = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [row!.id],
      note: 'checked with the provider',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ success: true, action: 'approve', models_written: 1 });
    expect(await fixture.stored('acme/a')).toEqual(['active', '100', '200']);
    base = withModel('acme/a', '100', '200');

    const second = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [row!.id],
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatch(/no longer pending/);

    const runs = await fixture.query(
      `select trigger, triggered_by, status from public.pricing_sync_runs where id = $1`,
      [approved.body.run_id],
    );
    expect(runs.rows).toEqual([{ trigger: 'approve', triggered_by: 'admin', status: 'success' }]);
    const history = await fixture.query(
      `select kind, new_input_price_per_1m_tokens::text as input from public.model_pricing_history where run_id = $1`,
      [approved.body.run_id],
    );
    expect(history.rows).toEqual([{ kind: 'approved', input: '100' }]);
    const provider = await fixture.query(
      `select catalog_hash from public.pricing_providers where provider = 'openrouter'`,
    );
    expect(provider.rows).toEqual([{ catalog_hash: null }]);
    // last_success_at means "fetched from the provider": an approval does not move it.
    expect(await lastSuccess()).toBe(fetchedAt);

    const decided = await fixture.call(held, 'GET', `/admin/pricing/held?status=approved`);
    expect(decided.body.held[0]).toMatchObject({
      id: row!.id,
      decided_by: 'admin',
      note: 'checked with the provider',
    });
  });

  it('keeps a rejected value rejected across syncs, and holds a different one', async () => {
    fixture.feed(withModel('acme/b', '3000', '4'));
    await fixture.sync();
    const [row] = await pending();
    expect(row).toMatchObject({ model_id: 'acme/b', proposed: { input_price_per_1m_tokens: '3000' } });
    const rejected = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'reject',
      ids: [row!.id],
    });
    expect(rejected.status).toBe(200);
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);

    for (let sync = 0; sync < 2; sync += 1) {
      const outcome = await fixture.sync();
      if (outcome.kind !== 'finished') throw new Error('refused');
      // Not held again: not in the run's held changes, not counted, no row.
      expect(outcome.report.providers.openrouter!.counts.held).toBe(0);
      expect(outcome.report.providers.openrouter!.held_changes).toEqual([]);
    }
    expect(await pending()).toEqual([]);
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);

    fixture.feed(withModel('acme/b', '5000', '4'));
    await fixture.sync();
    const [fresh] = await pending();
    expect(fresh).toMatchObject({ model_id: 'acme/b', proposed: { input_price_per_1m_tokens: '5000' } });
    expect(fresh!.id).not.toBe(row!.id);
  });

  it('supersedes a pending row when the feed proposes another value, and withdraws it when the feed returns', async () => {
    const [before] = await pending();
    fixture.feed(withModel('acme/b', '6000', '4'));
    await fixture.sync();
    const [after] = await pending();
    expect(after!.id).not.toBe(before!.id);
    const superseded = await fixture.call(held, 'GET', '/admin/pricing/held?status=superseded');
    expect(superseded.body.held.map((item: { id: number }) => item.id)).toContain(before!.id);

    fixture.feed(base);
    await fixture.sync();
    expect(await pending()).toEqual([]);
    const withdrawn = await fixture.call(held, 'GET', '/admin/pricing/held?status=withdrawn');
    expect(withdrawn.body.held.map((item: { id: number }) => item.id)).toContain(after!.id);
  });

  it('holds a shrunken catalog as one provider row whose approval marks the listed-missing models', async () => {
    fixture.feed([base[0]!]);
    await fixture.sync();
    const rows = await pending();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      scope: 'provider',
      model_id: null,
      reason: 'catalog_shrank',
      missing_model_ids: ['acme/b', 'acme/c', 'acme/d'],
    });
    const approved = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [rows[0]!.id],
    });
    expect(approved.status).toBe(200);
    expect(await fixture.stored('acme/b')).toEqual(['missing', '3', '4']);
    expect(await fixture.stored('acme/a')).toEqual(['active', '100', '200']);
    fixture.feed(base);
    await fixture.sync();
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);
  });

  it('withdraws a provider-level hold when the catalog comes back', async () => {
    fixture.feed([base[0]!]);
    await fixture.sync();
    const [row] = await pending();
    expect(row).toMatchObject({ scope: 'provider', reason: 'catalog_shrank' });
    fixture.feed(base);
    await fixture.sync();
    expect(await pending()).toEqual([]);
    const withdrawn = await fixture.call(held, 'GET', '/admin/pricing/held?status=withdrawn');
    expect(withdrawn.body.held.map((item: { id: number }) => item.id)).toContain(row!.id);
  });

  it('marks the held rows a forced run applies approved by the forcing key', async () => {
    fixture.feed(withModel('acme/c', '500', '6'));
    await fixture.sync();
    const [row] = await pending();
    await fixture.context.sync({ trigger: 'manual', triggeredBy: 'ops', dryRun: false, force: true });
    expect(await fixture.stored('acme/c')).toEqual(['active', '500', '6']);
    base = withModel('acme/c', '500', '6');
    const approved = await fixture.call(
      held,
      'GET',
      '/admin/pricing/held?status=approved&provider=openrouter',
    );
    expect(approved.body.held.find((item: { id: number }) => item.id === row!.id)).toMatchObject({
      status: 'approved',
      decided_by: 'ops',
    });
  });

  it('answers 404 for an unknown id and 400 for bad input, and writes nothing for a batch with one bad id', async () => {
    fixture.feed(withModel('acme/d', '7000', '8'));
    await fixture.sync();
    const [row] = await pending();
    const unknown = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [row!.id, 987654],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.unknown_ids).toEqual([987654]);
    expect(await fixture.stored('acme/d')).toEqual(['active', '7', '8']);
    expect((await pending())[0]!.id).toBe(row!.id);

    for (const body of [
      { action: 'maybe', ids: [row!.id] },
      { action: 'approve', ids: [] },
      { action: 'approve', ids: ['x'] },
      { action: 'approve', ids: [row!.id], note: 'a\u0000b' },
      { action: 'approve', ids: [row!.id], extra: 1 },
    ]) {
      const answer = await fixture.call(held, 'POST', '/admin/pricing/held', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.success).toBe(false);
    }
    const badStatus = await fixture.call(held, 'GET', '/admin/pricing/held?status=done');
    expect(badStatus.status).toBe(400);
  });

  it('refuses to approve with 409 when the stored price moved since the change was held', async () => {
    const [row] = await pending();
    // Something other than a sync changed the stored price (here, by hand in SQL).
    await fixture.query(
      `update public.model_pricing set input_price_per_1m_tokens = 7.5 where provider = 'openrouter' and model_id = $1`,
      [row!.model_id],
    );
    const answer = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: [row!.id],
    });
    expect(answer.status).toBe(409);
    expect(answer.body.moved).toMatchObject([
      {
        id: row!.id,
        current: { input_price_per_1m_tokens: '7' },
        stored: { input_price_per_1m_tokens: '7.5' },
      },
    ]);
    expect(await fixture.stored(row!.model_id)).toEqual(['active', '7.5', '8']);
    await fixture.query(
      `update public.model_pricing set input_price_per_1m_tokens = 7 where provider = 'openrouter' and model_id = $1`,
      [row!.model_id],
    );
  });

  it('refuses every decision with 409 and the running run while a sync holds the lease', async () => {
    const [row] = await pending();
    const runId = await holdLease(fixture.store, {
      trigger: 'cron',
      triggeredBy: null,
      leaseSeconds: 30,
    });
    for (const action of ['approve', 'reject']) {
      const answer = await fixture.call(held, 'POST', '/admin/pricing/held', { action, ids: [row!.id] });
      expect(answer.status).toBe(409);
      expect(answer.body.running_run_id).toBe(runId);
    }
    await fixture.store.finishRun(runId, 'success', { providers: {} }, null);
    expect((await pending())[0]!.status).toBe('pending');
    expect(await fixture.stored('acme/d')).toEqual(['active', '7', '8']);
  });
});
