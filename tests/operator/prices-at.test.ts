import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as prices from '../../api/admin/pricing/prices.js';
import { startOperatorFixture, type AdapterKind, type OperatorFixture } from './operator-fixture.js';

describe.each<AdapterKind>(['postgres', 'pglite', 'supabase'])('prices at a time (%s)', (kind) => {
  let fixture: OperatorFixture;
  let changedAt: string;
  let justBefore: string;
  let firstRunId: number;
  beforeAll(async () => {
    fixture = await startOperatorFixture(kind);
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
    ]);
    const first = await fixture.sync();
    if (first.kind !== 'finished') throw new Error('refused');
    firstRunId = first.report.run_id;
    fixture.feed([
      ['acme/a', '1.25', '2'],
      ['acme/b', '3', '4'],
      ['acme/c', '5', '6'],
    ]);
    await fixture.sync();
    // The change's instant to the microsecond, as Postgres has it, and one microsecond before.
    const change = await fixture.query<{ at: string; before: string }>(
      `select to_char(effective_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
              to_char((effective_at - interval '1 microsecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as before
         from public.model_pricing_history where model_id = 'acme/a' and kind = 'changed'`,
    );
    changedAt = change.rows[0]!.at;
    justBefore = change.rows[0]!.before;
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('answers the old price for an instant before a change, and leaves out models not yet added', async () => {
    const answer = await fixture.call(prices, 'GET', `/admin/pricing/prices?at=${justBefore}`);
    expect(answer.status).toBe(200);
    expect(
      answer.body.prices.map((row: Record<string, unknown>) => [
        row.model_id,
        row.input_price_per_1m_tokens,
        row.run_id,
      ]),
    ).toEqual([
      ['acme/a', '1', firstRunId],
      ['acme/b', '3', firstRunId],
    ]);
  });

  it('answers the current prices without at, and the new price from the change on', async () => {
    const now = await fixture.call(prices, 'GET', '/admin/pricing/prices?provider=openrouter');
    expect(
      now.body.prices.map((row: Record<string, unknown>) => [row.model_id, row.input_price_per_1m_tokens]),
    ).toEqual([
      ['acme/a', '1.25'],
      ['acme/b', '3'],
      ['acme/c', '5'],
    ]);
    const at = await fixture.call(prices, 'GET', `/admin/pricing/prices?model_id=acme/a&at=${changedAt}`);
    expect(at.body.prices).toMatchObject([
      { model_id: 'acme/a', input_price_per_1m_tokens: '1.25', kind: 'changed' },
    ]);
  });

  it('pages through prices with a cursor and through a model history with before', async () => {
    const first = await fixture.call(prices, 'GET', '/admin/pricing/prices?limit=2');
    expect(first.body.prices).toHaveLength(2);
    const rest = await fixture.call(
      prices,
      'GET',
      `/admin/pricing/prices?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(rest.body.prices.map((row: { model_id: string }) => row.model_id)).toEqual(['acme/c']);
    expect(rest.body.next_cursor).toBeNull();

    const history = await fixture.call(
      prices,
      'GET',
      '/admin/pricing/prices?model_id=acme/a&history=true&limit=1',
    );
    expect(history.body.history).toMatchObject([
      {
        kind: 'changed',
        old: { input_price_per_1m_tokens: '1' },
        new: { input_price_per_1m_tokens: '1.25' },
      },
    ]);
    const older = await fixture.call(
      prices,
      'GET',
      `/admin/pricing/prices?model_id=acme/a&history=true&before=${history.body.next_before_id}`,
    );
    expect(older.body.history).toMatchObject([{ kind: 'added', old: null }]);
    expect(older.body.next_before_id).toBeNull();
  });

  it('answers 400 for a bad instant, cursor or parameter', async () => {
    for (const query of [
      'at=yesterday',
      'at=2026-12-01',
      'at=2026-02-30T00:00:00Z',
      'at=2026-12-01T00:00:00%00Z',
      'cursor=nope',
      'history=true',
      'limit=0',
      'colour=red',
      'at=2026-12-01T00:00:00Z&at=2026-12-02T00:00:00Z',
      // Instants timestamptz cannot hold as ISO text: year 0, a UTC year past 9999.
      'at=0000-01-01T00:00:00Z',
      'at=0001-01-01T00:00:00%2B01:00',
      'at=9999-12-31T23:00:00-02:00',
    ]) {
      const answer = await fixture.call(prices, 'GET', `/admin/pricing/prices?${query}`);
      expect(answer.status, query).toBe(400);
    }
  });
});
