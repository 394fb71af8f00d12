import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import pg from 'pg';

/**
 * Routes supabase-js `.rpc()` calls (POST {url}/rest/v1/rpc/<fn>) to a real Postgres the way
 * PostgREST does: the `apikey` header is required; the role comes from the JWT's `role` claim
 * and is set for the call; named arguments are read from the JSON body with json_to_record using
 * the function's own argument types; one transaction per call; a JSON result; PostgREST-shaped
 * errors; set-returning results capped at 1,000 rows. No PostgREST binary can be had here.
 */
export interface PostgrestEmulator {
  url: string;
  server: ReturnType<typeof setupServer>;
  /** Requests served, by function name. */
  calls: string[];
  close(): Promise<void>;
}

export const MAX_ROWS = 1_000;

/** A Supabase-style key: an (unsigned) JWT whose payload names the role. */
export function supabaseKey(role: 'anon' | 'service_role' | 'authenticated'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ role, iss: 'supabase-test' })}.test-signature`;
}

function roleOf(token: string | null): string | null {
  if (!token) return null;
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { role?: unknown };
    return typeof claims.role === 'string' ? claims.role : null;
  } catch {
    return null;
  }
}

function postgrestError(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
) {
  return HttpResponse.json({ code, details, hint, message }, { status });
}

function statusForSqlState(code: string, role: string): number {
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code.startsWith('23')) return 409;
  if (code === '42883' || code === '42P01') return 404;
  if (code.startsWith('08') || code.startsWith('57')) return 503;
  if (code === 'P0001' || code.startsWith('22') || code.startsWith('55')) return 400;
  return 400;
}

export function startPostgrestEmulator(options: {
  databaseUrl: string;
  supabaseUrl?: string;
  /** Called once per query sent to Postgres (the benchmark counts round trips with it). */
  onQuery?: () => void;
}): PostgrestEmulator {
  const url = options.supabaseUrl ?? 'http://supabase.test';
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
        onQuery();
        return query(...args);
      };
    });
  }
  pool.on('error', () => undefined);
  const calls: string[] = [];

  const handler = http.post(`${url}/rest/v1/rpc/:fn`, async ({ request, params }) => {
    const name = String(params.fn);
    calls.push(name);
    if (!request.headers.get('apikey')) {
      return postgrestError(
        401,
        'PGRST301',
        'No API key found in request',
        null,
        'No `apikey` request header or url param was found.',
      );
    }
    const bearer =
      request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? request.headers.get('apikey');
    const role = roleOf(bearer);
    if (!role) return postgrestError(401, 'PGRST301', 'JWT could not be decoded');

    let body: Record<string, unknown>;
    try {
      const text = await request.text();
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return postgrestError(400, 'PGRST102', 'Empty or invalid json');
    }

    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      return postgrestError(503, 'PGRST000', 'Could not connect with the database', String(error));
    }
    try {
      const found = await client.query<{ names: string[] | null; types: string[]; retset: boolean }>(
        `select p.proargnames as names,
                array(select format_type(t, null) from unnest(p.proargtypes) t) as types,
                p.proretset as retset
           from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = $1`,
        [name],
      );
      const signature = found.rows.find((row) => {
        const names = row.names ?? [];
        return (
          Object.keys(body).every((key) => names.includes(key)) && names.length === Object.keys(body).length
        );
      });
      if (!signature) {
        return postgrestError(
          404,
          'PGRST202',
          `Could not find the function public.${name}(${Object.keys(body).join(', ')}) in the schema cache`,
        );
      }
      const names = signature.names ?? [];
      const columns = names.map((argument, index) => `"${argument}" ${signature.types[index]}`).join(', ');
      const named = names.map((argument) => `"${argument}" := x."${argument}"`).join(', ');
      const source = `json_to_record($1::json) as x(${columns})`;
      const call = `public."${name}"(${named})`;
      let sql: string;
      if (signature.retset) {
        const rows = names.length ? `${source} cross join lateral ${call} f` : `${call} f`;
        sql = `select coalesce(json_agg(r), '[]'::json) as result from (select f.* from ${rows} limit ${MAX_ROWS}) r`;
      } else {
        sql = `select to_json(${call}) as result${names.length ? ` from ${source}` : ''}`;
      }
      await client.query('begin');
      await client.query(`set local role "${role.replaceAll('"', '')}"`);
      const result = await client.query<{ result: unknown }>(sql, names.length ? [JSON.stringify(body)] : []);
      await client.query('commit');
      return HttpResponse.json(result.rows[0]?.result ?? null);
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      const pgError = error as { code?: string; message?: string; detail?: string; hint?: string };
      const code = pgError.code ?? 'XX000';
      return postgrestError(
        statusForSqlState(code, role),
        code,
        pgError.message ?? String(error),
        pgError.detail ?? null,
        pgError.hint ?? null,
      );
    } finally {
      client.release();
    }
  });

  const server = setupServer(handler);
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    url,
    server,
    calls,
    async close() {
      server.close();
      await pool.end();
    },
  };
}
