import { spawn } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { GET as cron } from '../../api/cron/pricing-sync.js';
import { GET as status } from '../../api/admin/pricing/scheduler/status.js';
import { GET as metrics } from '../../api/metrics.js';
import { POST as decideHeld } from '../../api/admin/pricing/held.js';
import type { AppContext } from '../../lib/app/app-context.js';
import { feedCursorRange } from '../../lib/domain/feed-cursor.js';
import { createLogger } from '../../lib/logging/logger.js';
import { WebhookDispatcher } from '../../lib/webhooks/webhook-dispatcher.js';
import {
  ADMIN_KEY,
  CRON_SECRET,
  request,
  startFunctionHarness,
  type FunctionHarness,
} from '../support/function-harness.js';
import {
  OTHER_WEBHOOK_SECRET,
  startWebhookReceiver,
  TEST_WEBHOOK_SECRET,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';

/** Ticks run at injected times far past every backoff (the longest is 24 h): 25 h apart. */
const T0 = Date.parse('2100-01-01T00:00:00Z');
const tickTime = (index: number) => new Date(T0 + index * 25 * 3_600_000);

let harness: FunctionHarness | null = null;
let receiver: WebhookReceiver | null = null;

afterEach(async () => {
  await receiver?.close();
  await harness?.close();
  receiver = null;
  harness = null;
});

async function setUp(secret: string | null = TEST_WEBHOOK_SECRET) {
  harness = await startFunctionHarness();
  receiver = await startWebhookReceiver(secret);
  return { harness, receiver };
}

function withWebhooks(h: FunctionHarness, r: WebhookReceiver, extra: Record<string, string> = {}) {
  return h.configure({ PRICING_WEBHOOK_URL: r.url, PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, ...extra });
}

async function sync(context: AppContext): Promise<void> {
  const outcome = await context.sync({ trigger: 'manual', triggeredBy: 'test', dryRun: false, force: false });
  expect(outcome.kind).toBe('finished');
  await context.webhooks.idle();
}

/** A second catalog: some prices move by 10 %, one by 12x (held for review). */
function changePrices(h: FunctionHarness): void {
  h.replay.setScenario('openrouter', {
    priceChangeFraction: 0.3,
    priceChangeFactor: '1.1',
    swingModelIndex: 3,
    swingFactor: '12',
  });
}

/** The outbox as stored, in id order. */
async function outbox(h: FunctionHarness) {
  const result = await h.database.admin.query<{
    webhook_id: string;
    event_type: string;
    ordering_key: string;
    status: string;
    attempts: number;
    claimed_until: Date | null;
  }>(
    'select webhook_id, event_type, ordering_key, status, attempts, claimed_until from pricing_webhook_outbox order by id',
  );
  return result.rows;
}

function tickDispatcher(context: AppContext, h: FunctionHarness): WebhookDispatcher {
  return new WebhookDispatcher(h.store, context.config.webhook, createLogger({ level: 'silent' }), {
    timeoutMs: 300,
  });
}

describe('signed webhooks from the outbox', () => {
  it('sends an applied change and a hold, each signed per Standard Webhooks', async () => {
    const { harness: h, receiver: r } = await setUp();
    const context = withWebhooks(h, r);
    await sync(context);
    const first = r.accepted();
    expect(first.map((item) => [item.payload?.type, item.payload?.data.provider]).sort()).toEqual([
      ['prices.changed', 'nearai'],
      ['prices.changed', 'openrouter'],
    ]);
    for (const item of first) {
      expect(item.verified).toBe(true);
      const data = item.payload!.data;
      expect(data.counts).toEqual({ added: data.total });
      expect(Number(data.first_history_id)).toBeLessThanOrEqual(Number(data.last_history_id));
      // The feed cursors for exactly those ids: reading from `since` starts at the first one.
      expect(data.feed).toEqual(feedCursorRange(Number(data.first_history_id), Number(data.last_history_id)));
      expect((data.changes as unknown[]).length).toBe(Math.min(100, Number(data.total)));
    }

    changePrices(h);
    await sync(context);
    const second = r.accepted().slice(first.length);
    const types = second.map((item) => item.payload?.type);
    expect(types).toContain('prices.changed');
    expect(types).toContain('changes.held');
    const held = second.find((item) => item.payload?.type === 'changes.held')!;
    expect(held.verified).toBe(true);
    const proposal = (
      held.payload!.data.held as { reason: string; current: unknown; proposed: unknown }[]
    )[0]!;
    expect(proposal.reason).toBe('price_swing');
    expect(proposal.current).not.toEqual(proposal.proposed);
    // Every event was delivered once, and the outbox says so.
    expect((await outbox(h)).every((row) => row.status === 'delivered' && row.attempts === 1)).toBe(true);
  });

  it('sends prices.changed for an operator action (an approval), signed, once the action has committed', async () => {
    const { harness: h, receiver: r } = await setUp();
    const context = withWebhooks(h, r);
    await sync(context);
    changePrices(h);
    await sync(context);
    const held = r.accepted().find((item) => item.payload?.type === 'changes.held')!;
    const ids = (held.payload!.data.held as { id: number }[]).map((change) => change.id);
    const before = r.accepted().length;
    const answer = await decideHeld(
      request('/admin/pricing/held', {
        method: 'POST',
        key: ADMIN_KEY,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'approve', ids }),
      }),
    );
    expect(answer.status).toBe(200);
    await context.webhooks.idle();
    const approval = r.accepted().slice(before);
    expect(approval.map((item) => [item.payload?.type, item.payload?.data.trigger, item.verified])).toEqual([
      ['prices.changed', 'approve', true],
    ]);
    expect(approval[0]!.payload!.data.counts).toEqual({ approved: ids.length });
  });

  it('fails verification with the wrong secret, and with a body changed on the way', async () => {
    const { harness: h, receiver: r } = await setUp(OTHER_WEBHOOK_SECRET);
    await sync(withWebhooks(h, r));
    expect(r.received.length).toBeGreaterThan(0);
    for (const item of r.received) {
      expect(item.verified).toBe(false);
      const right = new Webhook(TEST_WEBHOOK_SECRET);
      expect(() => right.verify(item.body, item.headers)).not.toThrow();
      expect(() => right.verify(`${item.body} `, item.headers)).toThrow();
    }
  });

  it.each(['fail', 'hang', 'down'] as const)(
    'a receiver that is %s for three ticks gets every event afterwards, in order per provider, with its original id',
    async (fault) => {
      const { harness: h, receiver: r } = await setUp();
      if (fault === 'down') await r.stop();
      else r.mode = fault;
      const context = withWebhooks(h, r);
      await sync(context);
      changePrices(h);
      await sync(context);
      const dispatcher = tickDispatcher(context, h);
      for (const index of [1, 2, 3])
        await dispatcher.tick({ now: tickTime(index), judgeFreshness: async () => [] });
      expect(r.accepted()).toEqual([]);
      const failedIds = new Set(r.received.map((item) => item.id));

      if (fault === 'down') await r.start();
      r.mode = 'ok';
      await dispatcher.tick({ now: tickTime(4), judgeFreshness: async () => [] });

      const rows = await outbox(h);
      expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'delivered'));
      expect(rows.map((row) => row.event_type)).toEqual(
        expect.arrayContaining(['prices.changed', 'changes.held']),
      );
      const accepted = r.accepted();
      expect(accepted.every((item) => item.verified)).toBe(true);
      expect(accepted.map((item) => item.id).sort()).toEqual(rows.map((row) => row.webhook_id).sort());
      for (const key of new Set(rows.map((row) => row.ordering_key))) {
        const expected = rows.filter((row) => row.ordering_key === key).map((row) => row.webhook_id);
        const arrived = accepted.map((item) => item.id).filter((id) => expected.includes(id!));
        expect(arrived).toEqual(expected);
      }
      // Every failed attempt carried the id its event was finally delivered with.
      for (const id of failedIds) expect(rows.map((row) => row.webhook_id)).toContain(id);
      if (fault !== 'down') expect(failedIds.size).toBeGreaterThan(0);
    },
    60_000,
  );

  it('sends what is pending on a tick that does not sync (disabled), and lists nothing dead', async () => {
    const { harness: h, receiver: r } = await setUp();
    await sync(h.configure());
    expect((await outbox(h)).map((row) => row.status)).toEqual(['pending', 'pending']);
    withWebhooks(h, r, { PRICING_SYNC_ENABLED: 'false' });
    const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
    expect(await response.json()).toMatchObject({ skipped: 'disabled' });
    expect(r.accepted()).toHaveLength(2);
    expect((await outbox(h)).map((row) => row.status)).toEqual(['delivered', 'delivered']);
  });

  it('announces provider.stale on the tick after a provider turns stale (issue 25), and provider.fresh once it is fresh', async () => {
    const { harness: h, receiver: r } = await setUp();
    await sync(withWebhooks(h, r));
    const tick = async () => {
      const response = await cron(request('/api/cron/pricing-sync', { key: CRON_SECRET }));
      expect(response.status).toBe(200);
    };
    const freshness = () =>
      r
        .accepted()
        .filter((item) => item.payload?.type.startsWith('provider.'))
        .map((item) => [item.payload?.type, item.payload?.data.provider, item.verified]);
    await tick();
    expect(freshness()).toEqual([]);
    // nearai leaves the configuration: its stored prices are stale (not_configured) from the next tick.
    withWebhooks(h, r, { PRICING_SYNC_ENABLED: 'false', PRICING_SYNC_PROVIDERS: 'openrouter' });
    await tick();
    await tick();
    expect(freshness()).toEqual([['provider.stale', 'nearai', true]]);
    withWebhooks(h, r, { PRICING_SYNC_ENABLED: 'false' });
    await tick();
    expect(freshness()).toEqual([
      ['provider.stale', 'nearai', true],
      ['provider.fresh', 'nearai', true],
    ]);
  });

  it('marks an event dead after its retries, counts it, and lists it in status', async () => {
    const { harness: h, receiver: r } = await setUp();
    await sync(h.configure());
    r.mode = 'fail';
    const context = withWebhooks(h, r);
    const dispatcher = tickDispatcher(context, h);
    for (let index = 1; index <= 9; index += 1) {
      await dispatcher.tick({ now: tickTime(index), judgeFreshness: async () => [] });
    }
    const rows = await outbox(h);
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['dead', 8],
      ['dead', 8],
    ]);
    const answer = (await (
      await status(request('/admin/pricing/scheduler/status', { key: ADMIN_KEY }))
    ).json()) as {
      webhooks: { mode: string; dead: number; dead_events: { webhook_id: string; last_error: string }[] };
    };
    expect(answer.webhooks).toMatchObject({ mode: 'on', dead: 2 });
    expect(answer.webhooks.dead_events.map((event) => event.last_error)).toEqual(['HTTP 500', 'HTTP 500']);
    expect(JSON.stringify(answer)).not.toContain(r.url);
    const exposition = await (await metrics(request('/metrics'))).text();
    expect(exposition).toContain('pricing_webhook_events_total{outcome="dead"} 2');
  });

  it('posts a short {text} summary, unsigned, with the slack format', async () => {
    const { harness: h, receiver: r } = await setUp(null);
    await sync(h.configure({ PRICING_WEBHOOK_URL: r.url, PRICING_WEBHOOK_FORMAT: 'slack' }));
    expect(r.accepted()).toHaveLength(2);
    for (const item of r.accepted()) {
      expect(Object.keys(JSON.parse(item.body) as object)).toEqual(['text']);
      expect(item.headers['webhook-signature']).toBeUndefined();
      expect(item.body).toMatch(/Prices changed at (openrouter|nearai)/);
    }
  });

  it('loses nothing and leaves the lease free when the sender is killed mid-delivery', async () => {
    const { harness: h, receiver: r } = await setUp();
    await sync(h.configure());
    r.mode = 'hang';
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/webhooks/deliver-child.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: h.database.url,
        PRICING_WEBHOOK_URL: r.url,
        PRICING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        DELIVER_AT: tickTime(1).toISOString(),
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const inFlight = await r.nextRequest();
    child.kill('SIGKILL');
    await exited;

    const lease = await h.database.admin.query<{ run_id: string | null }>(
      'select run_id from pricing_sync_lease',
    );
    expect(lease.rows).toEqual([{ run_id: null }]);
    const before = await outbox(h);
    expect(before.map((row) => [row.status, row.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(before.some((row) => row.claimed_until !== null)).toBe(true);

    r.mode = 'ok';
    const context = withWebhooks(h, r);
    // A minute and more later the claim has expired: the next tick sends the event again.
    await tickDispatcher(context, h).tick({
      now: new Date(tickTime(1).getTime() + 120_000),
      judgeFreshness: async () => [],
    });
    const after = await outbox(h);
    expect(after.map((row) => row.status)).toEqual(['delivered', 'delivered']);
    expect(r.accepted().map((item) => item.id)).toContain(inFlight.id);
  }, 60_000);
});
