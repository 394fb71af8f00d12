import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedEvent } from '../../lib/db/webhook-results.js';
import { announceFreshness } from '../../lib/webhooks/provider-freshness.js';
import { deliverPending, readOutbox, tidyOutbox } from '../../lib/webhooks/webhook-outbox.js';
import type { WebhookSettings } from '../../lib/webhooks/webhook-settings.js';
import { applyProvider } from '../support/apply-records.js';
import { priceRecord } from '../support/store-fixtures.js';
import { TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js';
import {
  holdLease,
  openTestStore,
  STORE_KIND_NAMES,
  TEST_STORE_KINDS,
  type TestStore,
} from '../support/test-store.js';

type Fixture = TestStore;

const SETTINGS: WebhookSettings = {
  url: 'http://127.0.0.1:9/never-called',
  secret: TEST_WEBHOOK_SECRET,
  format: 'standard',
  publicUrl: null,
};
const T0 = Date.parse('2100-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe.each(TEST_STORE_KINDS.map((kind) => [STORE_KIND_NAMES[kind], kind] as const))(
  'the webhook outbox: %s',
  (_name, kind) => {
    let fixture: Fixture;
    beforeAll(async () => {
      fixture = await openTestStore(kind);
    });
    afterAll(async () => {
      await fixture.close();
    });

    it('writes one prices.changed per provider commit, in its transaction, and none for a commit that fails', async () => {
      const { store } = fixture;
      const runId = await holdLease(store);
      const request = {
        runId,
        provider: 'openrouter' as const,
        records: [priceRecord('a/one', '1', '2'), priceRecord('a/two', '3', '4')],
        missing: [],
        catalogHash: null,
        held: [],
        source: 'test',
      };
      await applyProvider(store, request);
      await store.finishRun(runId, 'success', { providers: {} }, null);
      // The run no longer holds the lease: its commit fails, and writes no event.
      await expect(
        applyProvider(store, { ...request, records: [priceRecord('a/three', '5', '6')] }),
      ).rejects.toThrow();

      const sent: ClaimedEvent[] = [];
      const report = await deliverPending(store, SETTINGS, {
        now: at(0),
        send: async (event) => {
          sent.push(event);
          return { delivered: true };
        },
      });
      expect(report).toEqual({ delivered: 1, retrying: 0, dead: 0 });
      expect(
        sent.map((event) => [event.type, event.data.provider, event.data.total, event.data.counts]),
      ).toEqual([['prices.changed', 'openrouter', 2, { added: 2 }]]);
    });

    it('retries a failed event with the same id after its backoff, holding back its provider’s later events', async () => {
      const { store } = fixture;
      await announceFreshness(store, [{ provider: 'nearai', stale: true, reason: 'test' }], at(0));
      await announceFreshness(store, [{ provider: 'nearai', stale: false, reason: null }], at(0));
      const attempts: string[] = [];
      const failing = async (event: ClaimedEvent) => {
        attempts.push(`${event.type}:${event.webhookId}`);
        return { delivered: false as const, error: 'HTTP 503' };
      };
      expect(await deliverPending(store, SETTINGS, { now: at(1), send: failing })).toEqual({
        delivered: 0,
        retrying: 1,
        dead: 0,
      });
      // Within the minute of backoff nothing is due; the fresh event waits behind the stale one.
      expect(await deliverPending(store, SETTINGS, { now: at(1.5), send: failing })).toEqual({
        delivered: 0,
        retrying: 0,
        dead: 0,
      });
      const delivered: string[] = [];
      await deliverPending(store, SETTINGS, {
        now: at(3),
        send: async (event) => {
          delivered.push(`${event.type}:${event.webhookId}`);
          return { delivered: true };
        },
      });
      expect(delivered).toHaveLength(2);
      expect(delivered[0]).toBe(attempts[0]);
      expect(delivered[1]).toMatch(/^provider\.fresh:msg_/);
      expect((await readOutbox(store)).pending).toBe(0);
    });
  },
);

describe('sync.failed', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openTestStore('pglite');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('keeps a week of pending events when no URL is set, and discards older ones', async () => {
    const { store } = fixture;
    const runId = await holdLease(store);
    await applyProvider(store, {
      runId,
      provider: 'nearai',
      records: [priceRecord('tidy/one', '1', '2')],
      missing: [],
      catalogHash: null,
      held: [],
      source: 'test',
    });
    await store.finishRun(runId, 'success', { providers: {} }, null);
    const pending = async () => (await readOutbox(store, 0)).pending;
    const before = await pending();
    expect(before).toBeGreaterThan(0);
    const days = (count: number) => new Date(Date.now() + count * 86_400_000);
    // Another process without the URL (npm start against the same database) ticks: nothing recent goes.
    await tidyOutbox(store, true, days(6));
    expect(await pending()).toBe(before);
    await tidyOutbox(store, true, days(8));
    expect(await pending()).toBe(0);
  });

  it("is written when a run finishes partial, with each failed provider's cause, and not for a success", async () => {
    const { store } = fixture;
    const ok = await holdLease(store);
    await store.finishRun(ok, 'success', { providers: {} }, null);
    const runId = await holdLease(store);
    await store.finishRun(
      runId,
      'partial',
      {
        providers: {
          openrouter: { applied: false, error: { reason: 'timeout', message: 'no answer in 30 s' } },
          nearai: { applied: true, error: null },
        },
      },
      'openrouter failed',
    );
    const sent: ClaimedEvent[] = [];
    await deliverPending(store, SETTINGS, {
      now: at(10),
      send: async (event) => {
        sent.push(event);
        return { delivered: true };
      },
    });
    expect(sent.map((event) => [event.type, event.orderingKey, event.data])).toEqual([
      [
        'sync.failed',
        '*',
        expect.objectContaining({
          run_id: runId,
          status: 'partial',
          trigger: 'cli',
          error: 'openrouter failed',
          providers: { openrouter: { reason: 'timeout', message: 'no answer in 30 s' } },
        }),
      ],
    ]);
  });
});

describe('provider staleness transitions', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openTestStore('pglite');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('announces each transition once, and a provider first seen fresh not at all', async () => {
    const { store } = fixture;
    const announce = (states: { provider: string; stale: boolean }[], minute: number) =>
      announceFreshness(
        store,
        states.map((state) => ({ ...state, reason: state.stale ? 'no successful sync' : null })),
        at(minute),
      );
    expect(
      await announce(
        [
          { provider: 'openrouter', stale: false },
          { provider: 'nearai', stale: true },
        ],
        0,
      ),
    ).toEqual([{ provider: 'nearai', stale: true }]);
    expect(
      await announce(
        [
          { provider: 'openrouter', stale: false },
          { provider: 'nearai', stale: true },
        ],
        1,
      ),
    ).toEqual([]);
    expect(
      await announce(
        [
          { provider: 'openrouter', stale: true },
          { provider: 'nearai', stale: false },
        ],
        2,
      ),
    ).toEqual([
      { provider: 'nearai', stale: false },
      { provider: 'openrouter', stale: true },
    ]);
    expect(await announce([{ provider: 'openrouter', stale: true }], 3)).toEqual([]);
    const types: string[] = [];
    await deliverPending(store, SETTINGS, {
      now: at(4),
      send: async (event) => {
        types.push(`${event.type} ${String(event.data.provider)}`);
        return { delivered: true };
      },
    });
    expect(types.sort()).toEqual(
      ['provider.fresh nearai', 'provider.stale nearai', 'provider.stale openrouter'].sort(),
    );
  });
});
