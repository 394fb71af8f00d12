import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as held from '../../api/admin/pricing/held.js';
import * as pins from '../../api/admin/pricing/pins.js';
import * as runs from '../../api/admin/pricing/runs.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';

// Every operator write is a run that takes the lease: while a real sync runs (its provider answers
// slowly), each is refused with 409 naming that sync, and neither side's write is lost.
describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])(
  'operator actions racing a sync (%s)',
  (kind) => {
    let fixture: OperatorFixture;
    let heldId: number;
    let firstRunId: number;
    beforeAll(async () => {
      fixture = await startOperatorFixture(kind);
      fixture.feed([
        ['acme/a', '1', '2'],
        ['acme/b', '3', '4'],
        ['acme/c', '5', '6'],
      ]);
      const first = await fixture.sync();
      if (first.kind !== 'finished') throw new Error('refused');
      firstRunId = first.report.run_id;
      await fixture.call(pins, 'PUT', '/admin/pricing/pins', {
        provider: 'openrouter',
        model_id: 'acme/c',
        prices: { input: '4', output: '5', cache_read: null, cache_write: null, request: null, image: null },
        reason: 'contract',
      });
      fixture.feed([
        ['acme/a', '100', '2'],
        ['acme/b', '3', '4'],
        ['acme/c', '5', '6'],
      ]);
      await fixture.sync();
      const pending = await fixture.call(held, 'GET', '/admin/pricing/held');
      heldId = pending.body.held[0].id;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('refuses approve, reject, pin, unpin and rollback with 409 while the sync runs, and loses no write', async () => {
      // The sync will apply a change to acme/b; its provider answers slowly.
      fixture.feed(
        [
          ['acme/a', '100', '2'],
          ['acme/b', '3.5', '4'],
          ['acme/c', '5', '6'],
        ],
        { latencyMs: 400 },
      );
      const syncing = fixture.sync();
      let holder: number | null = null;
      while (holder === null) {
        holder = (await fixture.store.readStatus()).inProgress?.runId ?? null;
      }
      const answers = await Promise.all([
        fixture.call(held, 'POST', '/admin/pricing/held', { action: 'approve', ids: [heldId] }),
        fixture.call(held, 'POST', '/admin/pricing/held', { action: 'reject', ids: [heldId] }),
        fixture.call(pins, 'PUT', '/admin/pricing/pins', {
          provider: 'openrouter',
          model_id: 'acme/b',
          prices: {
            input: '9',
            output: null,
            cache_read: null,
            cache_write: null,
            request: null,
            image: null,
          },
          reason: 'r',
        }),
        fixture.call(pins, 'DELETE', '/admin/pricing/pins?provider=openrouter&model_id=acme/c'),
        fixture.call(runs, 'POST', '/admin/pricing/runs', {
          action: 'rollback',
          run_id: firstRunId,
          force: true,
        }),
      ]);
      const outcome = await syncing;
      if (outcome.kind !== 'finished') throw new Error('refused');
      expect(outcome.report.run_id).toBe(holder);
      for (const answer of answers) {
        expect(answer.status).toBe(409);
        expect(answer.body.running_run_id).toBe(holder);
      }
      // The sync's write is there, and nothing of the refused actions.
      expect(await fixture.stored('acme/b')).toEqual(['active', '3.5', '4']);
      expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
      expect(await fixture.stored('acme/c')).toEqual(['active', '4', '5']);
      const still = await fixture.call(held, 'GET', '/admin/pricing/held');
      expect(still.body.held.map((row: { id: number }) => row.id)).toEqual([heldId]);

      // Once the sync is done, the same action goes through, and the sync's change stays.
      fixture.feed([
        ['acme/a', '100', '2'],
        ['acme/b', '3.5', '4'],
        ['acme/c', '5', '6'],
      ]);
      const approved = await fixture.call(held, 'POST', '/admin/pricing/held', {
        action: 'approve',
        ids: [heldId],
      });
      expect(approved.status).toBe(200);
      expect(await fixture.stored('acme/a')).toEqual(['active', '100', '2']);
      expect(await fixture.stored('acme/b')).toEqual(['active', '3.5', '4']);
    });
  },
);
