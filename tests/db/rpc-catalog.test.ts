import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentsOf, assertArguments, RPC_CATALOG, type RpcName } from '../../lib/db/rpc-catalog.js';
import type { SqlSession } from '../../lib/db/rpc-transport.js';
import { openTestStore, type TestStore } from '../support/test-store.js';

interface Signature {
  arguments: [string, string][];
  returns: string;
}

// Every function the server key may call is one the service declares, with the same arguments (by
// name, type and order) and return type; and every declared function exists. Only explicit grants
// count: on a plain Postgres nothing but the migrations' own GRANTs gives service_role EXECUTE.
describe('the RPC catalog', () => {
  let fixture: TestStore;
  let session: SqlSession;

  // A copy of the run's migrated PGlite folder: an empty PGlite on which the migrations created
  // the roles they grant to and revoke from, without Supabase's default privileges.
  beforeAll(async () => {
    fixture = await openTestStore('pglite');
    session = fixture.inspect;
  });

  afterAll(async () => {
    await fixture.close();
  });

  /** A type as Postgres spells it (`timestamptz` → `timestamp with time zone`). */
  async function canonical(type: string): Promise<string> {
    const [row] = await session.query<{ type: string }>('select $1::regtype::text as type', [type]);
    return row!.type;
  }

  async function grantedToServiceRole(): Promise<Record<string, Signature>> {
    const rows = await session.query<{
      name: string;
      names: string[] | null;
      types: string[];
      returns: string;
    }>(
      `select p.proname as name, p.proargnames as names,
              array(select t.oid::regtype::text
                      from unnest(p.proargtypes::oid[]) with ordinality as t(oid, n) order by t.n) as types,
              p.prorettype::regtype::text as returns
         from pg_proc p
        where p.pronamespace = 'public'::regnamespace
          and exists (select 1 from aclexplode(p.proacl) a
                       where a.grantee = 'service_role'::regrole and a.privilege_type = 'EXECUTE')
        order by p.proname`,
    );
    return Object.fromEntries(
      rows.map((row) => [
        row.name,
        {
          arguments: row.types.map((type, index): [string, string] => [row.names?.[index] ?? '', type]),
          returns: row.returns,
        },
      ]),
    );
  }

  async function declared(): Promise<Record<string, Signature>> {
    const entries = await Promise.all(
      (Object.keys(RPC_CATALOG) as RpcName[]).map(async (name): Promise<[string, Signature]> => [
        name,
        {
          arguments: await Promise.all(
            argumentsOf(name).map(async ([argument, type]): Promise<[string, string]> => [
              argument,
              await canonical(type),
            ]),
          ),
          returns: await canonical(RPC_CATALOG[name].returns),
        },
      ]),
    );
    return Object.fromEntries(entries);
  }

  it('declares exactly the functions granted to service_role, with their arguments in order and return type', async () => {
    const granted = await grantedToServiceRole();
    expect(Object.keys(granted).length).toBeGreaterThan(20);
    expect(await declared()).toEqual(granted);
  });
});

// A typo must not become a null, nor a left-out argument a default: either fails before anything is sent.
describe('the arguments of a call', () => {
  it('are exactly those the catalog declares', () => {
    expect(() => assertArguments('pricing_read_pins', { p_provider: null })).not.toThrow();
    expect(() => assertArguments('pricing_read_pins', { p_provider: null, p_providr: 'x' })).toThrow(
      /pricing_read_pins: unknown argument\(s\) p_providr/,
    );
    expect(() => assertArguments('pricing_read_runs', { p_limit: 10 })).toThrow(
      /pricing_read_runs: missing argument\(s\) p_before/,
    );
  });
});
