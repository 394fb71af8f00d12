import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addedLines,
  ENTRIES_EXPORT,
  exportLines,
  fetchPlanOf,
  loadFloorStatements,
  PRICE_EXPORT,
  rowSetDifference,
  runWriteFloor,
  splitFloorStatements,
} from '../../bench/floors.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('the write floor and its row check', () => {
  it('finds rows the floor lacks and rows it has beyond the sync, counting repeats', () => {
    expect(rowSetDifference(['a', 'b', 'b', 'c'], ['b', 'c', 'd'])).toEqual({
      missing: ['a', 'b'],
      extra: ['d'],
    });
    expect(rowSetDifference(['x', 'y'], ['y', 'x'])).toEqual({ missing: [], extra: [] });
  });

  it('takes the changed rows as the lines after a phase that were not there before', () => {
    expect(addedLines(['p,m1,1', 'p,m2,2'], ['p,m1,1', 'p,m2,3', 'p,m3,1'])).toEqual(['p,m2,3', 'p,m3,1']);
  });

  it('splits bench/floors.sql into the statements the bench runs', async () => {
    const statements = splitFloorStatements(await readFile('bench/floors.sql', 'utf8'));
    expect(Object.keys(statements)).toEqual([
      'stage_prices',
      'copy_prices',
      'apply_prices',
      'stage_entries',
      'copy_entries',
      'apply_entries',
    ]);
    expect(statements.copy_prices).toBe('copy floor_prices from stdin (format csv)');
    expect(statements.apply_prices).toMatch(/on conflict \(provider, model_id\) do update/);
  });

  it('plans the fetch floor from the requests the sync made, per route, GETs only', () => {
    const plan = fetchPlanOf(
      [
        {
          route: 'nearai',
          method: 'GET',
          path: '/nearai/model/list',
          query: { offset: '0', limit: '1000' },
          headers: { authorization: 'Bearer k' },
        },
        {
          route: 'nearai',
          method: 'GET',
          path: '/nearai/model/list',
          query: { offset: '1000', limit: '1000' },
          headers: {},
        },
        { route: null, method: 'GET', path: '/elsewhere', query: {}, headers: {} },
        { route: 'openrouter', method: 'POST', path: '/openrouter/models', query: {}, headers: {} },
        { route: 'openrouter', method: 'GET', path: '/openrouter/models', query: {}, headers: {} },
      ],
      'http://127.0.0.1:9',
    );
    expect(plan).toEqual({
      nearai: [
        { url: 'http://127.0.0.1:9/nearai/model/list?offset=0&limit=1000', authorization: 'Bearer k' },
        { url: 'http://127.0.0.1:9/nearai/model/list?offset=1000&limit=1000', authorization: undefined },
      ],
      openrouter: [{ url: 'http://127.0.0.1:9/openrouter/models', authorization: undefined }],
    });
  });
});

describe('the write floor on Postgres', () => {
  let database: TestDatabase;
  let directory: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    directory = await mkdtemp(join(tmpdir(), 'floor-'));
  });
  afterAll(async () => {
    await database?.drop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** Writes these CSV lines (PRICE_EXPORT's columns) through the floor; the entries too when given. */
  async function writeFloor(prices: string[], entries?: string[]): Promise<void> {
    await writeFile(join(directory, 'prices.csv'), `${prices.join('\n')}\n`);
    if (entries) await writeFile(join(directory, 'entries.csv'), `${entries.join('\n')}\n`);
    await runWriteFloor({
      databaseUrl: database.url,
      statements: await loadFloorStatements(process.cwd()),
      pricesCsv: join(directory, 'prices.csv'),
      entriesCsv: entries ? join(directory, 'entries.csv') : undefined,
    });
  }

  it('upserts the copied rows, clears missing_since, and appends their history', async () => {
    const added = ['p,a,active,3,15,0.3,3.75,,,{},[],200000,,api', 'p,b,variable,,,,,,,{},[],,a,api'];
    await writeFloor(added, ['a,"{""input_cost_per_token"": 0.000003}"']);
    expect(await exportLines(database.admin, PRICE_EXPORT)).toEqual(added);
    await database.admin.query(`update public.model_pricing set missing_since = now() where model_id = 'a'`);

    const changed = 'p,a,active,2.5,15,0.3,3.75,0.01,,{},[],200000,,api';
    await writeFloor([changed]);
    expect((await exportLines(database.admin, PRICE_EXPORT)).sort()).toEqual([changed, added[1]]);
    const { rows } = await database.admin.query<{ model_id: string; kind: string; missing: boolean }>(
      `select h.model_id, h.kind, m.missing_since is not null as missing,
              h.old_prices ->> 'request_price' as old_request, h.new_prices ->> 'request_price' as new_request
         from public.model_pricing_history h join public.model_pricing m using (provider, model_id)
        order by h.id`,
    );
    expect(rows).toEqual([
      { model_id: 'a', kind: 'added', missing: false, old_request: null, new_request: null },
      { model_id: 'b', kind: 'added', missing: false, old_request: null, new_request: null },
      { model_id: 'a', kind: 'changed', missing: false, old_request: null, new_request: '0.01' },
    ]);
    expect(await exportLines(database.admin, ENTRIES_EXPORT)).toEqual([
      'a,"{""input_cost_per_token"": 0.000003}"',
    ]);
  });
});
