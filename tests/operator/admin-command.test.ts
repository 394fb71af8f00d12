import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../lib/cli/admin-command.js';
import { freePort } from '../support/embedded-server.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { postgresStore } from '../support/test-store.js';

// `npm run admin`: the same actions as the endpoints, from a terminal, on the configured database.
describe('npm run admin', () => {
  let fixture: OperatorFixture;
  beforeAll(async () => {
    fixture = await startOperatorFixture('postgres');
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  async function admin(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdminCommand(
      argv,
      { DATABASE_URL: fixture.database!.url },
      { out: (line) => out.push(line), err: (line) => err.push(line) },
      async (env) => postgresStore(env.DATABASE_URL!),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('lists, approves and rejects held changes by id', async () => {
    fixture.feed([
      ['acme/a', '100', '2'],
      ['acme/b', '300', '4'],
    ]);
    await fixture.sync();
    const listed = await admin('held', 'list');
    expect(listed.code).toBe(0);
    const held = JSON.parse(listed.out).held as { id: number; model_id: string }[];
    const idOf = (model: string) => String(held.find((row) => row.model_id === model)!.id);
    const approved = await admin('held', 'approve', idOf('acme/a'), '--note', 'confirmed');
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.out)).toMatchObject({ success: true, action: 'approve' });
    expect(await fixture.stored('acme/a')).toEqual(['active', '100', '2']);
    expect((await admin('held', 'reject', idOf('acme/b'))).code).toBe(0);
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);
    const again = await admin('held', 'approve', idOf('acme/a'));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/no longer pending/);
    const runs = await fixture.query(
      `select triggered_by from public.pricing_sync_runs where trigger = 'approve'`,
    );
    expect(runs.rows[0]!.triggered_by).toMatch(/^cli:/);
  });

  it('pins, lists and unpins a price', async () => {
    const set = await admin(
      'pins',
      'set',
      'openrouter',
      'acme/b',
      '--input',
      '2.5',
      '--output',
      '3.5',
      '--reason',
      'contract',
    );
    expect(set.code, set.err).toBe(0);
    expect(await fixture.stored('acme/b')).toEqual(['active', '2.5', '3.5']);
    expect(JSON.parse((await admin('pins', 'list')).out).pins).toHaveLength(1);

    // A flag not given keeps the model's current price (here the earlier pin's output of 3.5).
    const input = await admin('pins', 'set', 'openrouter', 'acme/b', '--input', '0.5', '--reason', 'test');
    expect(input.code, input.err).toBe(0);
    expect(input.err).toContain('"input":"0.5","output":"3.5","cache_read":null');
    expect(await fixture.stored('acme/b')).toEqual(['active', '0.5', '3.5']);
    const none = await admin('pins', 'set', 'openrouter', 'acme/b', '--output', 'none', '--reason', 'test');
    expect(none.code, none.err).toBe(0);
    expect(await fixture.stored('acme/b')).toEqual(['active', '0.5', null]);
    expect((await admin('pins', 'set', 'openrouter', 'acme/nope', '--reason', 'r')).code).toBe(1);

    expect((await admin('pins', 'unset', 'openrouter', 'acme/b')).code).toBe(0);
    // The pin's price stays until the next sync applies the provider's, through the guardrails.
    expect(await fixture.stored('acme/b')).toEqual(['active', '0.5', null]);
    fixture.feed([
      ['acme/a', '100', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
    expect(await fixture.stored('acme/b')).toEqual(['active', '3', '4']);
  });

  it('lists runs, rolls one back, and answers prices at an instant', async () => {
    const runs = JSON.parse((await admin('runs', 'list', '--limit', '50')).out).runs as {
      id: number;
      trigger: string;
    }[];
    const approval = runs.find((run) => run.trigger === 'approve')!;
    const rolled = await admin('runs', 'rollback', String(approval.id));
    expect(rolled.code, rolled.err).toBe(0);
    expect(await fixture.stored('acme/a')).toEqual(['active', '1', '2']);
    // At the end of the approval, acme/a cost what was approved, whatever it costs now.
    const at = await fixture.query<{ at: string }>(
      `select to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
         from public.pricing_sync_runs where id = $1`,
      [approval.id],
    );
    const prices = await admin('prices', '--at', at.rows[0]!.at, '--model', 'acme/a');
    expect(JSON.parse(prices.out).prices).toMatchObject([
      { model_id: 'acme/a', input_price_per_1m_tokens: '100' },
    ]);

    // The cost of a request now and at that instant: 1M input and 0.5M output tokens.
    const tokens = ['--input', '1000000', '--output', '500000'];
    const now = await admin('cost', 'openrouter', 'acme/a', ...tokens);
    expect(now.code, now.err).toBe(0);
    expect(JSON.parse(now.out)).toMatchObject({
      success: true,
      cost_usd: '2',
      lines: [
        { price_field: 'input_price_per_1m_tokens', unit_price: '1', quantity: '1000000', amount: '1' },
        { price_field: 'output_price_per_1m_tokens', unit_price: '2', quantity: '500000', amount: '1' },
      ],
    });
    const then = await admin('cost', 'openrouter', 'acme/a', ...tokens, '--at', at.rows[0]!.at);
    expect(JSON.parse(then.out)).toMatchObject({ cost_usd: '101' });
    const unknown = await admin('cost', 'openrouter', 'acme/nope', ...tokens);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^unknown model/);
  });

  it('exits 1 with the usage for a bad command', async () => {
    for (const argv of [[], ['held'], ['held', 'approve'], ['pins', 'set', 'openrouter'], ['--bogus']]) {
      const result = await admin(...argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.err).toMatch(/usage: npm run -s admin/);
    }
    expect((await admin('--help')).code).toBe(0);
  });

  it('exits 1 with one line naming the bad value, instants Postgres cannot store included', async () => {
    const pin = ['pins', 'set', 'openrouter', 'acme/b', '--input', '1', '--reason', 'r'];
    for (const [argv, message] of [
      [['runs', 'rollback', 'x'], /^run_id must be a positive whole number, got "x"$/],
      [['prices', '--at', 'soon'], /^at must be an ISO 8601 instant with a time zone.*"soon"$/],
      [['prices', '--at', '0000-01-01T00:00:00Z'], /^at must be an ISO 8601 instant/],
      [[...pin, '--expires', '9999-12-31T23:00:00-02:00'], /^expires_at must be an ISO 8601 instant/],
    ] as const) {
      const result = await admin(...argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.err, argv.join(' ')).toMatch(message);
      expect(result.err.split('\n'), argv.join(' ')).toHaveLength(1);
    }
    expect(JSON.parse((await admin('pins', 'list')).out).pins).toEqual([]);
  });
});

describe('npm run admin with a DATABASE_URL where nothing listens', () => {
  it('says so in the one line npm run sync gives, and exits 1', async () => {
    const port = await freePort();
    const err: string[] = [];
    const out: string[] = [];
    const code = await runAdminCommand(
      ['held', 'list'],
      { DATABASE_URL: `postgres://user:secret@127.0.0.1:${port}/pricing` },
      { out: (line) => out.push(line), err: (line) => err.push(line) },
    );
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      new RegExp(
        `^cannot reach Postgres at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\): nothing listens there\\.`,
      ),
    );
    expect(err[0]).not.toContain('secret');
  });
});
