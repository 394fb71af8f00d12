import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricingStore } from '../../lib/db/pricing-store.js';
import { SQL_FUNCTIONS } from '../../lib/db/sql-functions.js';
import { SupabaseAdapter } from '../../lib/db/supabase-adapter.js';
import {
  startPostgrestEmulator,
  supabaseKey,
  type PostgrestEmulator,
} from '../support/postgrest-emulator.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The test database carries Supabase's default privileges (new tables granted to anon and
// authenticated, new functions executable by them), so a forgotten revoke fails here.
describe('access control', () => {
  let database: TestDatabase;
  let emulator: PostgrestEmulator;
  beforeAll(async () => {
    database = await createTestDatabase();
    emulator = startPostgrestEmulator({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await emulator.close();
    await database.drop();
  });

  it('denies anon every function through supabase-js with error 42501', async () => {
    const store = new PricingStore(new SupabaseAdapter({ url: emulator.url, key: supabaseKey('anon') }));
    await expect(store.ping()).rejects.toMatchObject({ code: '42501' });
    await expect(store.readStatus()).rejects.toMatchObject({ code: '42501' });
    await expect(
      store.takeLease({
        trigger: 'manual',
        triggeredBy: 'x',
        dryRun: false,
        forced: false,
        providers: [],
        leaseSeconds: 5,
      }),
    ).rejects.toMatchObject({ code: '42501' });
    await store.close();
  });

  it('lets the service role call the functions through supabase-js', async () => {
    const store = new PricingStore(
      new SupabaseAdapter({ url: emulator.url, key: supabaseKey('service_role') }),
    );
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('refuses a request without an apikey header', async () => {
    const response = await fetch(`${emulator.url}/rest/v1/rpc/pricing_ping`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
  });

  it.each(['anon', 'authenticated'])(
    'gives %s no table and no function, whatever the defaults',
    async (role) => {
      const tables = await database.admin.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      );
      expect(tables.rows.length).toBeGreaterThanOrEqual(7);
      for (const { table_name } of tables.rows) {
        const privileges = await database.admin.query<{ allowed: boolean }>(
          `select has_table_privilege($1, 'public.' || quote_ident($2), 'select,insert,update,delete') as allowed`,
          [role, table_name],
        );
        expect({ table_name, allowed: privileges.rows[0]?.allowed }).toEqual({ table_name, allowed: false });
        const rls = await database.admin.query<{ rls: boolean }>(
          `select relrowsecurity as rls from pg_class where oid = ('public.' || quote_ident($1))::regclass`,
          [table_name],
        );
        expect({ table_name, rls: rls.rows[0]?.rls }).toEqual({ table_name, rls: true });
      }
      const functions = await database.admin.query<{ name: string; allowed: boolean }>(
        `select p.proname as name, has_function_privilege($1, p.oid, 'execute') as allowed
         from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname like 'pricing\\_%'`,
        [role],
      );
      expect(functions.rows.length).toBeGreaterThanOrEqual(Object.keys(SQL_FUNCTIONS).length);
      expect(functions.rows.filter((row) => row.allowed)).toEqual([]);
    },
  );

  it('denies anon at the SQL level with 42501', async () => {
    await database.admin.query('begin');
    await database.admin.query('set local role anon');
    await expect(database.admin.query('select public.pricing_ping()')).rejects.toMatchObject({
      code: '42501',
    });
    await database.admin.query('rollback');
  });
});
