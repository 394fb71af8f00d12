import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as runs from '../../api/admin/pricing/runs.js';
import { priceRecord } from '../support/store-fixtures.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';
import { applyRecords, holdLease } from '../support/test-store.js';

const BEFORE: [string, string, string][] = [
  ['acme/a', '1', '2'],
  ['acme/b', '3', '4'],
  ['acme/c', '5', '6'],
  ['acme/gone', '7', '8'],
];
// The bad run: one price changed, one model added, one no longer listed.
const AFTER: [string, string, string][] = [
  ['acme/a', '1.5', '2'],
  ['acme/b', '3', '4'],
  ['acme/c', '5', '6'],
  ['acme/new', '9', '10'],
];

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('runs and rollback (%s)', (kind) => {
  let fixture: OperatorFixture;
  let badRunId: number;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('restores byte for byte the prices before a run, as a new run with rollback_of', async () => {
    fixture.feed(BEFORE);
    await fixture.sync();
    const before = await fixture.snapshot();
    fixture.feed(AFTER);
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    badRunId = outcome.report.run_id;
    expect(await fixture.stored('acme/gone')).toEqual(['missing', '7', '8']);
    expect(await fixture.snapshot()).not.toBe(before);

    const listed = await fixture.call(runs, 'GET', '/admin/pricing/runs?limit=1');
    expect(listed.status).toBe(200);
    expect(listed.body.runs).toHaveLength(1);
    expect(listed.body.runs[0]).toMatchObject({ id: badRunId, trigger: 'manual', status: 'success' });
    expect(listed.body.runs[0].results.providers.openrouter.counts).toMatchObject({
      changed: 1,
      added: 1,
      missing: 1,
    });
    const older = await fixture.call(runs, 'GET', `/admin/pricing/runs?limit=5&before=${badRunId}`);
    expect(older.body.runs.map((run: { id: number }) => run.id)).toEqual([badRunId - 1]);

    const rolledBack = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: badRunId,
    });
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ success: true, rollback_of: badRunId, models_reverted: 3 });
    // acme/new did not exist before: it is kept, marked missing (the next test compares the rest).
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    expect(await fixture.stored('acme/gone')).toEqual(['active', '7', '8']);
    expect(await fixture.stored('acme/new')).toEqual(['missing', '9', '10']);
    const recorded = await fixture.query(
      `select trigger, rollback_of::int, status from public.pricing_sync_runs where id = $1`,
      [rolledBack.body.run_id],
    );
    expect(recorded.rows).toEqual([{ trigger: 'rollback', rollback_of: badRunId, status: 'success' }]);
    const kinds = await fixture.query(
      `select distinct kind from public.model_pricing_history where run_id = $1`,
      [rolledBack.body.run_id],
    );
    expect(kinds.rows).toEqual([{ kind: 'rolled_back' }]);
    const provider = await fixture.query(
      `select catalog_hash, last_run_id::int from public.pricing_providers where provider = 'openrouter'`,
    );
    expect(provider.rows).toEqual([{ catalog_hash: null, last_run_id: badRunId }]);
  });

  it('leaves every price as it was before the run, byte for byte, on the models that existed', async () => {
    const rows = await fixture.query(
      `select model_id, state, input_price_per_1m_tokens::text as input, output_price_per_1m_tokens::text as output
         from public.model_pricing where model_id <> 'acme/new' order by model_id`,
    );
    expect(rows.rows).toEqual(
      BEFORE.map(([id, input, output]) => ({ model_id: id, state: 'active', input, output })),
    );
  });

  it('holds what the feed still proposes after a rollback, reason rolled_back, instead of re-applying it', async () => {
    await fixture.sync();
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    expect(await fixture.stored('acme/new')).toEqual(['missing', '9', '10']);
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held');
    const reasons = Object.fromEntries(
      pending.body.held.map((row: { model_id: string; reason: string }) => [row.model_id, row.reason]),
    );
    expect(reasons).toEqual({ 'acme/a': 'rolled_back', 'acme/new': 'rolled_back' });
    const row = pending.body.held.find((item: { model_id: string }) => item.model_id === 'acme/a');
    expect(row.proposed.input_price_per_1m_tokens).toBe('1.5');
  });

  it('refuses with 409 listing the models a later run changed, and rolls back anyway with force', async () => {
    const pending = await fixture.call(held, 'GET', '/admin/pricing/held');
    const approve = await fixture.call(held, 'POST', '/admin/pricing/held', {
      action: 'approve',
      ids: pending.body.held.map((row: { id: number }) => row.id),
    });
    expect(approve.status).toBe(200);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.5', '2']);

    const refused = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: badRunId,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.conflicts.map((item: { model_id: string }) => item.model_id)).toEqual([
      'acme/a',
      'acme/gone',
      'acme/new',
    ]);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.5', '2']);

    // Rolling back the approval instead reverts exactly it.
    const undo = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: approve.body.run_id,
    });
    expect(undo.status).toBe(200);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    // And rolling back that rollback re-applies.
    const redo = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: undo.body.run_id,
    });
    expect(redo.status).toBe(200);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.5', '2']);

    const forced = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: badRunId,
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(forced.body.forced_over).toBe(3);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
  });

  it('answers 404 for an unknown run, 400 for a dry run, a run that applied nothing or bad input', async () => {
    const dry = await fixture.sync({ dryRun: true });
    if (dry.kind !== 'finished') throw new Error('refused');
    await fixture.sync();
    // The feed is as the last run left it: this one applies nothing.
    const empty = await fixture.sync();
    if (empty.kind !== 'finished') throw new Error('refused');
    expect(
      (await fixture.call(runs, 'POST', '/admin/pricing/runs', { action: 'rollback', run_id: 999999 }))
        .status,
    ).toBe(404);
    const dryAnswer = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: dry.report.run_id,
    });
    expect(dryAnswer.status).toBe(400);
    expect(dryAnswer.body.error).toMatch(/dry run/);
    const nothing = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: empty.report.run_id,
    });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error).toMatch(/applied no change/);
    for (const body of [
      { action: 'undo', run_id: 1 },
      { action: 'rollback' },
      { action: 'rollback', run_id: -1 },
    ]) {
      expect(
        (await fixture.call(runs, 'POST', '/admin/pricing/runs', body)).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    expect((await fixture.call(runs, 'GET', '/admin/pricing/runs?limit=0')).status).toBe(400);
  });

  it('rolls back the committed providers of an abandoned run', async () => {
    const runId = await holdLease(fixture.store, {
      trigger: 'cron',
      triggeredBy: null,
      leaseSeconds: 30,
    });
    const before = await fixture.stored('acme/b');
    await applyRecords(fixture.store, runId, [priceRecord('acme/b', '3.3', '4')], {
      provider: 'openrouter',
    });
    // The process dies here: the run never finishes, and its lease runs out.
    await fixture.query(`update public.pricing_sync_lease set expires_at = now() - interval '1 second'`);
    expect(await fixture.store.reapLease()).toBe(runId);
    expect(await fixture.stored('acme/b')).toEqual(['active', '3.3', '4']);
    const undone = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
    });
    expect(undone.status).toBe(200);
    expect(await fixture.stored('acme/b')).toEqual(before);
  });

  it('refuses a rollback with 409 and the running run while a sync holds the lease', async () => {
    const runId = await holdLease(fixture.store, {
      trigger: 'cron',
      triggeredBy: null,
      leaseSeconds: 30,
    });
    const answer = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: badRunId,
      force: true,
    });
    expect(answer.status).toBe(409);
    expect(answer.body.running_run_id).toBe(runId);
    await fixture.store.finishRun(runId, 'success', { providers: {} }, null);
  });
});
