import { postgresStore } from '../support/test-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../lib/cli/admin-command.js';
import type { PriceChange } from '../../lib/db/pricing-store.js';
import { createLogger } from '../../lib/logging/logger.js';
import { startLocalRunner, type LocalRunner } from '../../dev/local/local-runner.js';
import { ADMIN_KEY } from '../support/function-harness.js';
import { startOperatorFixture, type OperatorFixture } from '../operator/operator-fixture.js';

interface ChangesAnswer {
  success: boolean;
  changes: PriceChange[];
  next_cursor: string;
}

// `npm run admin -- changes --since <cursor>`: the change feed from a terminal, on the database or
// through a running local server, a table or JSON as the other commands.
describe('npm run admin -- changes', () => {
  let fixture: OperatorFixture;
  let runner: LocalRunner;
  beforeAll(async () => {
    fixture = await startOperatorFixture('postgres');
    fixture.feed([
      ['acme/a', '1', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
    runner = await startLocalRunner({
      env: { ADMIN_API_KEY: ADMIN_KEY, LOCAL_CRON: 'off' },
      store: fixture.store,
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await runner?.close();
    await fixture?.close();
  });

  async function admin(argv: string[], options: { format?: 'text'; server?: boolean } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const env = options.server ? { PRICING_DATA_DIR: '/nonexistent/pricing-feed' } : {};
    const code = await runAdminCommand(
      argv,
      { ...env, ...(options.server ? {} : { DATABASE_URL: fixture.database!.url }) },
      { out: (line) => out.push(line), err: (line) => err.push(line), format: options.format },
      async () => postgresStore(fixture.database!.url),
      async () => (options.server ? { url: runner.url, command: 'npm start', adminKey: ADMIN_KEY } : null),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('follows the feed from the start, then from the cursor it printed', async () => {
    const first = await admin(['changes']);
    expect(first.code).toBe(0);
    const answer = JSON.parse(first.out) as ChangesAnswer;
    expect(answer.changes.map((change) => [change.model_id, change.kind])).toEqual([
      ['acme/a', 'added'],
      ['acme/b', 'added'],
    ]);
    fixture.feed([
      ['acme/a', '1.5', '2'],
      ['acme/b', '3', '4'],
    ]);
    await fixture.sync();
    const next = await admin(['changes', '--since', answer.next_cursor]);
    expect(next.code).toBe(0);
    const resumed = JSON.parse(next.out) as ChangesAnswer;
    expect(resumed.changes).toHaveLength(1);
    expect(resumed.changes[0]).toMatchObject({
      model_id: 'acme/a',
      kind: 'changed',
      before: { input_price_per_1m_tokens: '1' },
      after: { input_price_per_1m_tokens: '1.5' },
      trigger: 'manual',
    });
    const atEnd = JSON.parse((await admin(['changes', '--since', resumed.next_cursor])).out) as ChangesAnswer;
    expect(atEnd).toEqual({ success: true, changes: [], next_cursor: resumed.next_cursor });
  });

  it('prints a table on a terminal, with the cursor to pass next', async () => {
    const shown = await admin(['changes', '--limit', '1'], { format: 'text' });
    expect(shown.code).toBe(0);
    const lines = shown.out.split('\n');
    expect(lines[0]).toMatch(
      /^id\s+kind\s+provider\s+model_id\s+before in\/out\s+after in\/out\s+effective_at/,
    );
    expect(lines[1]).toMatch(/added\s+openrouter\s+acme\/a\s+-\s+1 \/ 2/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^next_cursor: [A-Za-z0-9_-]+$/);
  });

  it('acts through a running local server, as the other commands do', async () => {
    const direct = JSON.parse((await admin(['changes'])).out) as ChangesAnswer;
    const through = await admin(['changes', '--json'], { server: true });
    expect(through.code).toBe(0);
    expect(JSON.parse(through.out)).toEqual(direct);
  });

  it('refuses a cursor it did not give and a bad limit, in one line', async () => {
    const badCursor = await admin(['changes', '--since', 'nope']);
    expect(badCursor).toMatchObject({ code: 1, err: 'since is not a cursor this feed returned' });
    const badLimit = await admin(['changes', '--limit', '5000']);
    expect(badLimit).toMatchObject({ code: 1, err: 'limit must be a whole number from 1 to 1000' });
    expect((await admin(['changes', 'extra'])).code).toBe(1);
  });
});
