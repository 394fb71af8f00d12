import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { addedLines, fetchPlanOf, rowSetDifference, splitFloorStatements } from '../../bench/floors.js';

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
