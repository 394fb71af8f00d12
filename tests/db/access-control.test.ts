import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC_CATALOG } from '../../lib/db/rpc-catalog.js';
import type { TestDatabase } from '../support/test-database.js';
import { askLease, openTestStore, supabaseStore, type TestStore } from '../support/test-store.js';

// The test database carries Supabase's default privileges (new tables granted to anon and
// authenticated, new functions executable by them), so a forgotten revoke fails here.
describe('access control', () => {
  let fixture: TestStore;
  let database: TestDatabase;
  beforeAll(async () => {
    fixture = await openTestStore('supabase');
    database = fixture.database!;
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('denies anon every function through supabase-js with error 42501', async () => {
    const store = supabaseStore(fixture.emulator!, 'anon');
    await expect(store.ping()).rejects.toMatchObject({ code: '42501' });
    await expect(store.readStatus()).rejects.toMatchObject({ code: '42501' });
    await expect(
      askLease(store, { trigger: 'manual', triggeredBy: 'x', providers: [], leaseSeconds: 5 }),
    ).rejects.toMatchObject({ code: '42501' });
    await store.close();
  });

  it('lets the service role call the functions through supabase-js', async () => {
    const store = supabaseStore(fixture.emulator!, 'service_role');
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('refuses a request without an apikey header', async () => {
    const response = await fetch(`${fixture.emulator!.url}/rest/v1/rpc/pricing_ping`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(401);
  });

  // Enumerates the schema, so an object a later migration adds is covered without editing this test.
  it.each(['anon', 'authenticated'])(
    'gives %s no table, no sequence and no function, whatever the defaults',
    async (role) => {
      const relations = await database.admin.query<{
        name: string;
        kind: string;
        allowed: boolean;
        rls: boolean;
      }>(
        `select c.relname as name, c.relkind::text as kind, c.relrowsecurity as rls,
                case when c.relkind = 'S'
                     then has_sequence_privilege($1, c.oid, 'usage,select,update')
                     else has_table_privilege($1, c.oid, 'select,insert,update,delete,truncate,references,trigger')
                end as allowed
           from pg_class c
          where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
          order by c.relname`,
        [role],
      );
      const tables = relations.rows.filter((row) => row.kind === 'r' || row.kind === 'p');
      const sequences = relations.rows.filter((row) => row.kind === 'S');
      expect(tables.length).toBeGreaterThanOrEqual(7);
      expect(sequences.map((row) => row.name)).toEqual(
        expect.arrayContaining(['pricing_sync_runs_id_seq', 'model_pricing_history_id_seq']),
      );
      expect(relations.rows.filter((row) => row.allowed).map((row) => row.name)).toEqual([]);
      expect(tables.filter((row) => !row.rls).map((row) => row.name)).toEqual([]);

      const functions = await database.admin.query<{ name: string; allowed: boolean }>(
        `select p.oid::regprocedure::text as name, has_function_privilege($1, p.oid, 'execute') as allowed
           from pg_proc p where p.pronamespace = 'public'::regnamespace`,
        [role],
      );
      expect(functions.rows.length).toBeGreaterThanOrEqual(Object.keys(RPC_CATALOG).length);
      expect(functions.rows.filter((row) => row.allowed).map((row) => row.name)).toEqual([]);
    },
  );

  it.each(['anon', 'authenticated'])('refuses %s setval on the run id sequence', async (role) => {
    await database.admin.query('begin');
    await database.admin.query(`set local role ${role}`);
    await expect(
      database.admin.query(`select setval('public.pricing_sync_runs_id_seq', 9223372036854775807)`),
    ).rejects.toMatchObject({ code: '42501' });
    await database.admin.query('rollback');
  });

  it('denies anon at the SQL level with 42501', async () => {
    await database.admin.query('begin');
    await database.admin.query('set local role anon');
    await expect(database.admin.query('select public.pricing_ping()')).rejects.toMatchObject({
      code: '42501',
    });
    await database.admin.query('rollback');
  });
});
