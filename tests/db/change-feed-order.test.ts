import { postgresStore } from '../support/test-store.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toModelRow, type PricingStore } from '../../lib/db/pricing-store.js';
import { readFeedCursor } from '../../lib/domain/feed-cursor.js';
import { readChangeFeed } from '../../lib/functions/changes-endpoint.js';
import { applyProvider } from '../support/apply-records.js';
import { priceRecord } from '../support/store-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The change feed never skips a change: its order is history id order, which is commit order
 * because every writer of history holds the price version row from before it draws an id until its
 * transaction ends (supabase/migrations/20261207001100_parallel_commits.sql, which restates
 * 20261207000200_change_feed.sql's rule; docs/storage.md). Deterministic: each step waits for
 * Postgres to say where the other sessions are, never for time to pass.
 */
describe('the change feed in commit order, on real Postgres with separate sessions', () => {
  let database: TestDatabase;
  let store: PricingStore;
  const clients: pg.Client[] = [];
  const session = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const feed = (since: string | null) => readChangeFeed(store, { since, provider: null, limit: null });
  /** Waits until the session with this pid waits for a lock (Postgres' own view of it). */
  const waitingForLock = async (pid: number) => {
    for (;;) {
      const { rows } = await database.admin.query<{ waiting: boolean }>(
        `select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1`,
        [pid],
      );
      if (rows[0]?.waiting) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = postgresStore(database.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await store.close();
    await database.drop();
  });

  it("skips nothing while a writer's transaction is open, and serializes a writer that forgot the lock", async () => {
    const lease = await store.takeLease({
      trigger: 'cron',
      triggeredBy: null,
      dryRun: false,
      forced: false,
      providers: ['openrouter'],
      leaseSeconds: 60,
    });
    if (!lease.acquired) throw new Error('no lease');
    const apply = (records: ReturnType<typeof priceRecord>[]) =>
      applyProvider(store, {
        runId: lease.runId,
        provider: 'openrouter',
        records,
        missing: [],
        catalogHash: null,
        held: [],
        source: 'test',
      });
    await apply([
      priceRecord('acme/a', '1', '2'),
      priceRecord('acme/b', '3', '4'),
      priceRecord('acme/c', '5', '6'),
    ]);
    const first = await feed(null);
    expect(first.changes.map((change) => [change.model_id, change.kind])).toEqual([
      ['acme/a', 'added'],
      ['acme/b', 'added'],
      ['acme/c', 'added'],
    ]);

    // A sync's commit, its transaction held open: its history rows exist, uncommitted.
    const writer = await session();
    await writer.query('begin');
    await writer.query(
      `select public.pricing_commit_provider($1, 'openrouter', $2::jsonb, '{}', null, '{"count": 0, "changes": []}', 'test')`,
      [
        lease.runId,
        JSON.stringify([priceRecord('acme/a', '1.5', '2'), priceRecord('acme/d', '7', '8')].map(toModelRow)),
      ],
    );
    const whileOpen = await feed(first.next_cursor);
    expect(whileOpen).toEqual({ success: true, changes: [], next_cursor: first.next_cursor });

    // A writer that inserts history without taking the lock first: the trigger takes it for it, so
    // it waits for the open transaction, and draws its id only after that one commits.
    const careless = await session();
    const { rows } = await careless.query<{ pid: number }>('select pg_backend_pid() as pid');
    await careless.query('begin');
    const carelessInsert = careless.query(
      `insert into public.model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
       values ($1, 'nearai', 'acme/z', 'added', 'active', '{"state": "active"}') returning id`,
      [lease.runId],
    );
    await waitingForLock(rows[0]!.pid);
    expect(await feed(first.next_cursor)).toEqual(whileOpen);

    await writer.query('commit');
    const inserted = await carelessInsert;
    // Committed by the writer, not yet by the careless one: the feed shows the writer's rows.
    const afterWriter = await feed(first.next_cursor);
    expect(afterWriter.changes.map((change) => [change.model_id, change.kind])).toEqual([
      ['acme/a', 'changed'],
      ['acme/d', 'added'],
    ]);
    await careless.query('commit');
    const afterBoth = await feed(afterWriter.next_cursor);
    expect(afterBoth.changes.map((change) => change.id)).toEqual([Number(inserted.rows[0]!.id)]);
    expect(Number(inserted.rows[0]!.id)).toBeGreaterThan(afterWriter.changes[1]!.id);

    // Nothing skipped: the pages read along the way are every history row, in id order.
    const read = [...first.changes, ...afterWriter.changes, ...afterBoth.changes].map((change) => change.id);
    const stored = await database.admin.query<{ id: string }>(
      'select id from public.model_pricing_history order by id',
    );
    expect(read).toEqual(stored.rows.map((row) => Number(row.id)));
    expect(readFeedCursor(afterBoth.next_cursor)).toBe(read[read.length - 1]);
    await store.finishRun(lease.runId, 'success', { providers: {} }, null);
  });

  it('makes an insert into history hold the price version row until its transaction ends', async () => {
    const inserting = await session();
    const other = await session();
    await inserting.query('begin');
    await inserting.query(
      `insert into public.model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
       values (1, 'nearai', 'acme/y', 'added', 'active', '{"state": "active"}')`,
    );
    await expect(
      other.query('select 1 from public.pricing_price_version where id = 1 for update nowait'),
    ).rejects.toMatchObject({ code: '55P03' });
    await inserting.query('rollback');
    await other.query('select 1 from public.pricing_price_version where id = 1 for update nowait');
  });

  it('finds every writer of history holding the lease, then the version row, before it writes', async () => {
    const source = async (pattern: string) => {
      const { rows } = await database.admin.query<{ name: string; src: string }>(
        `select p.proname as name, p.prosrc as src from pg_proc p
          where p.pronamespace = 'public'::regnamespace and p.prosrc ilike $1 order by p.proname`,
        [`%${pattern}%`],
      );
      return rows;
    };
    const before = (src: string, first: string, then: string) => {
      const [a, b] = [src.indexOf(first), src.indexOf(then)];
      return a >= 0 && b > a;
    };
    // The functions that insert history, and who calls them.
    const writers = await source('insert into public.model_pricing_history');
    expect(writers.map((row) => row.name)).toEqual([
      'pricing_commit_provider',
      'pricing_operator_write_model',
    ]);
    const commit = writers[0]!.src;
    // A sync's commit holds the lease (shared with its run's other commits) before any write.
    expect(before(commit, 'pricing_share_lease(', 'update public.model_pricing')).toBe(true);
    expect(before(commit, 'pricing_share_lease(', 'insert into public.model_pricing')).toBe(true);
    const operatorCallers = (await source('pricing_operator_write_model(')).filter(
      (row) => row.name !== 'pricing_operator_write_model',
    );
    expect(operatorCallers.map((row) => row.name)).toEqual([
      'pricing_decide_held',
      'pricing_rollback_run',
      'pricing_set_pin',
    ]);
    for (const caller of operatorCallers)
      expect(
        before(caller.src, 'pricing_operator_holder()', 'pricing_operator_write_model('),
        caller.name,
      ).toBe(true);
    const commitCallers = (await source('pricing_commit_provider(')).map((row) => row.name);
    expect(commitCallers).toEqual(['pricing_commit_litellm']);
    // The lease: shared by a run's commits, exclusive for an operator action, each held until the
    // transaction ends; the history's lock, the version row, taken after it.
    const src = async (name: string) =>
      (
        await database.admin.query<{ src: string }>(`select prosrc as src from pg_proc where proname = $1`, [
          name,
        ])
      ).rows[0]!.src;
    expect(await src('pricing_share_lease')).toMatch(
      /from public\.pricing_sync_lease where id = 1 for share/,
    );
    expect(await src('pricing_operator_holder')).toMatch(
      /from public\.pricing_sync_lease where id = 1 for update/,
    );
    expect(await src('pricing_history_lock_feed')).toMatch(
      /from public\.pricing_price_version where id = 1 for update/,
    );
    const trigger = await database.admin.query(
      `select tgname from pg_trigger
        where tgrelid = 'public.model_pricing_history'::regclass and not tgisinternal
          and tgfoid = 'public.pricing_history_lock_feed'::regproc`,
    );
    expect(trigger.rows).toHaveLength(1);
  });

  it("runs two providers' commits side by side, their writes in commit order, nothing skipped", async () => {
    const lease = await store.takeLease({
      trigger: 'cron',
      triggeredBy: null,
      dryRun: false,
      forced: false,
      providers: ['openrouter', 'nearai'],
      leaseSeconds: 60,
    });
    if (!lease.acquired) throw new Error('no lease');
    const start = await feed(null);
    const commit = (client: pg.Client, provider: string, records: ReturnType<typeof priceRecord>[]) =>
      client.query(
        `select public.pricing_commit_provider($1, $2, $3::jsonb, '{}', null, '{"count": 0, "changes": []}', 'test')`,
        [lease.runId, provider, JSON.stringify(records.map(toModelRow))],
      );
    const first = await session();
    const second = await session();
    const { rows } = await second.query<{ pid: number }>('select pg_backend_pid() as pid');
    await first.query('begin');
    await commit(first, 'openrouter', [priceRecord('acme/p1', '1', '2'), priceRecord('acme/p2', '3', '4')]);
    // The second commit holds the same lease at once and reads what it will write; it waits only
    // for the version row, to write after the first commit.
    await second.query('begin');
    const secondCommit = commit(second, 'nearai', [priceRecord('acme/n1', '5', '6')]);
    await waitingForLock(rows[0]!.pid);
    const { rows: held } = await database.admin.query<{ relation: string; granted: boolean }>(
      `select relation::regclass::text as relation, granted from pg_locks
        where pid = $1 and locktype = 'tuple'`,
      [rows[0]!.pid],
    );
    expect(held).toEqual([{ relation: 'pricing_price_version', granted: true }]);
    // Neither has committed: the feed shows nothing new.
    expect((await feed(start.next_cursor)).changes).toEqual([]);
    await first.query('commit');
    await secondCommit;
    const afterFirst = await feed(start.next_cursor);
    expect(afterFirst.changes.map((change) => change.model_id)).toEqual(['acme/p1', 'acme/p2']);
    await second.query('commit');
    const afterSecond = await feed(afterFirst.next_cursor);
    expect(afterSecond.changes.map((change) => change.model_id)).toEqual(['acme/n1']);
    const read = [...afterFirst.changes, ...afterSecond.changes].map((change) => change.id);
    const stored = await database.admin.query<{ id: string }>(
      'select id from public.model_pricing_history where id > $1 order by id',
      [readFeedCursor(start.next_cursor)],
    );
    expect(read).toEqual(stored.rows.map((row) => Number(row.id)));
    // Their times follow commit order too: a reader of /prices?updated_since= that has seen the
    // first commit's rows finds the second's after them, never before.
    const { rows: times } = await database.admin.query<{ ordered: boolean }>(
      `select (select max(updated_at) from public.model_pricing where provider = 'openrouter' and model_id like 'acme/p%')
              < (select min(updated_at) from public.model_pricing where provider = 'nearai' and model_id = 'acme/n1')
          and (select max(effective_at) from public.model_pricing_history where model_id like 'acme/p%')
              < (select min(effective_at) from public.model_pricing_history where model_id = 'acme/n1') as ordered`,
    );
    expect(times[0]!.ordered).toBe(true);
    await store.finishRun(lease.runId, 'success', { providers: {} }, null);
  });

  it('stamps a commit with the time it got its turn, not the time it started', async () => {
    const lease = await store.takeLease({
      trigger: 'cron',
      triggeredBy: null,
      dryRun: false,
      forced: false,
      providers: ['nearai'],
      leaseSeconds: 60,
    });
    if (!lease.acquired) throw new Error('no lease');
    // Another writer holds the version row (as a commit that started later but got there first).
    const other = await session();
    await other.query('begin');
    await other.query('select 1 from public.pricing_price_version where id = 1 for update');
    const committing = await session();
    const { rows } = await committing.query<{ pid: number }>('select pg_backend_pid() as pid');
    const commit = committing.query(
      `select public.pricing_commit_provider($1, 'nearai', $2::jsonb, '{}', null, '{"count": 0, "changes": []}', 'test')`,
      [lease.runId, JSON.stringify([priceRecord('acme/late-1', '1', '2')].map(toModelRow))],
    );
    await waitingForLock(rows[0]!.pid);
    const { rows: released } = await other.query<{ at: Date }>('select clock_timestamp() as at');
    await other.query('commit');
    await commit;
    const { rows: written } = await database.admin.query<{ updated_at: Date; effective_at: Date }>(
      `select m.updated_at, h.effective_at from public.model_pricing m
         join public.model_pricing_history h on h.provider = m.provider and h.model_id = m.model_id
        where m.provider = 'nearai' and m.model_id = 'acme/late-1'`,
    );
    // Written after the other writer let go: a reader that saw that writer's rows finds these later.
    expect(written[0]!.updated_at.getTime()).toBeGreaterThanOrEqual(released[0]!.at.getTime());
    expect(written[0]!.effective_at.getTime()).toBeGreaterThanOrEqual(released[0]!.at.getTime());
    await store.finishRun(lease.runId, 'success', { providers: {} }, null);
  });

  it('would skip a change without the rule: a writer outside the lock, its trigger dropped (the control)', async () => {
    await database.admin.query('drop trigger pricing_history_lock_feed on public.model_pricing_history');
    try {
      const start = await feed(null);
      const careless = await session();
      await careless.query('begin');
      await careless.query(
        `insert into public.model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
         values (1, 'nearai', 'acme/late', 'added', 'active', '{"state": "active"}')`,
      );
      // A later id commits first, under the lease, while the careless row is still open.
      const lease = await store.takeLease({
        trigger: 'cron',
        triggeredBy: null,
        dryRun: false,
        forced: false,
        providers: ['openrouter'],
        leaseSeconds: 60,
      });
      if (!lease.acquired) throw new Error('no lease');
      await applyProvider(store, {
        runId: lease.runId,
        provider: 'openrouter',
        records: [priceRecord('acme/e', '9', '9')],
        missing: [],
        catalogHash: null,
        held: [],
        source: 'test',
      });
      await store.finishRun(lease.runId, 'success', { providers: {} }, null);
      const seen = await feed(start.next_cursor);
      expect(seen.changes.map((change) => change.model_id)).toEqual(['acme/e']);
      await careless.query('commit');
      // The careless row committed below the cursor the follower now holds: it is never read.
      expect((await feed(seen.next_cursor)).changes).toEqual([]);
    } finally {
      await database.admin.query(
        `create trigger pricing_history_lock_feed before insert on public.model_pricing_history
           for each statement execute function public.pricing_history_lock_feed()`,
      );
    }
  });
});
