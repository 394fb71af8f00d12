import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pins from '../../api/admin/pricing/pins.js';
import * as runs from '../../api/admin/pricing/runs.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';

const BEFORE: [string, string, string][] = [
  ['acme/a', '1', '2'],
  ['acme/b', '3', '4'],
];
const AFTER: [string, string, string][] = [
  ['acme/a', '1.5', '2'],
  ['acme/b', '3.5', '4'],
];

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('a rollback says the truth (%s)', (kind) => {
  let fixture: OperatorFixture;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  /** Runs and history rows stored, to see that a refusal records nothing. */
  async function recorded() {
    const counts = await fixture.query<{ runs: number; history: number }>(
      `select (select count(*) from public.pricing_sync_runs)::int as runs,
              (select count(*) from public.model_pricing_history)::int as history`,
    );
    return counts.rows[0];
  }

  async function syncedRun(feed: [string, string, string][]): Promise<number> {
    fixture.feed(feed);
    const outcome = await fixture.sync();
    if (outcome.kind !== 'finished') throw new Error('refused');
    return outcome.report.run_id;
  }

  it('answers 409 naming the rollback still in force when a run is rolled back twice; forced, 400 and nothing recorded', async () => {
    await syncedRun(BEFORE);
    const runId = await syncedRun(AFTER);
    const first = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
    });
    expect(first.status).toBe(200);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    const before = await recorded();

    const again = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
    });
    expect(again.status).toBe(409);
    expect(again.body.rolled_back_by).toBe(first.body.run_id);
    expect(again.body.error).toContain(`already rolled back by run ${first.body.run_id}`);
    expect(again.body.error).not.toMatch(/changed by a later run/);
    expect(again.body.conflicts).toBeUndefined();

    const forced = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
      force: true,
    });
    expect(forced.status).toBe(400);
    expect(forced.body.error).toMatch(/would change no price/);
    expect(forced.body.rolled_back_by).toBe(first.body.run_id);
    expect(await recorded()).toEqual(before);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);
  });

  it('rolls back again once a later run changed what the rollback restored', async () => {
    // Rolling back the rollback re-applies the run's prices.
    const latest = await fixture.query<{ id: number; rollback_of: number }>(
      `select id::int, rollback_of::int from public.pricing_sync_runs where trigger = 'rollback' order by id desc limit 1`,
    );
    const { id: rollbackId, rollback_of: runId } = latest.rows[0]!;
    const redo = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: rollbackId,
    });
    expect(redo.status).toBe(200);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.5', '2']);

    // The first rollback is no longer in force: the answer is the usual conflict, naming the later runs.
    const refused = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.rolled_back_by).toBeUndefined();
    expect(refused.body.conflicts.map((item: { model_id: string }) => item.model_id)).toEqual([
      'acme/a',
      'acme/b',
    ]);
    const forced = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
      action: 'rollback',
      run_id: runId,
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(forced.body.models_reverted).toBe(2);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
  });

  it('answers 400 and records nothing for a rollback whose every model is pinned', async () => {
    const runId = await syncedRun([
      ['acme/a', '1.25', '2'],
      ['acme/b', '3', '4'],
    ]);
    const pinned = await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
      provider: 'openrouter',
      model_id: 'acme/a',
      prices: { input: '1.25', output: '2', cache_read: null, cache_write: null, request: null, image: null },
      reason: 'contract',
    });
    expect(pinned.status).toBe(200);
    const before = await recorded();
    for (const force of [false, true]) {
      const answer = await fixture.call(runs, 'POST', '/admin/pricing/runs', {
        action: 'rollback',
        run_id: runId,
        force,
      });
      expect(answer.status, `force: ${force}`).toBe(400);
      expect(answer.body.error).toMatch(/would change no price/);
      expect(answer.body.skipped_pinned).toEqual([{ provider: 'openrouter', model_id: 'acme/a' }]);
    }
    expect(await recorded()).toEqual(before);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1.25', '2']);
  });
});
