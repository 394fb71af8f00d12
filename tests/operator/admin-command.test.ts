import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../lib/cli/admin-command.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { freePort } from '../support/embedded-server.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';

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
      async (env) => new PricingStore(new PostgresAdapter({ connectionString: env.DATABASE_URL! })),
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
    expect((await admin('pins', 'unset', 'openrouter', 'acme/b')).code).toBe(0);
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
  });

  it('exits 1 with the usage for a bad command or bad input', async () => {
    for (const argv of [
      [],
      ['held'],
      ['held', 'approve'],
      ['runs', 'rollback', 'x'],
      ['pins', 'set', 'openrouter'],
      ['prices', '--at', 'soon'],
      ['--bogus'],
    ]) {
      const result = await admin(...argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.err).toMatch(/usage: npm run -s admin/);
    }
    expect((await admin('--help')).code).toBe(0);
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
