/**
 * A call of a SQL function through plain SQL, as the postgres and PGlite adapters make it, the way
 * PostgREST does: named arguments read from one JSON object with `jsonb_to_record`, so all three
 * adapters send the same arguments. The arguments and their types come from rpc-catalog.ts.
 */

import { argumentsOf, assertArguments, type RpcName } from './rpc-catalog.js';
import { toStoreError } from './store-error.js';

/**
 * One call through plain SQL: `run` sends the statement with its parameters and returns the rows.
 * Whatever the driver throws becomes a StoreError, once, here.
 */
export async function callThroughSql(
  name: RpcName,
  args: object,
  run: (statement: string, parameters: unknown[]) => Promise<{ result: unknown }[]>,
): Promise<unknown> {
  assertArguments(name, args);
  try {
    const rows = await run(callStatement(name), parametersOf(name, args));
    return rows[0]?.result ?? null;
  } catch (error) {
    throw toStoreError(error, name);
  }
}

/** `select public.fn(p_a := x.p_a, …) as result from jsonb_to_record($1::jsonb) as x(p_a text, …)` */
export function callStatement(name: RpcName): string {
  const parameters = argumentsOf(name);
  if (parameters.length === 0) return `select public.${name}() as result`;
  const named = parameters.map(([parameter]) => `${parameter} := x.${parameter}`).join(', ');
  const columns = parameters.map(([parameter, type]) => `${parameter} ${type}`).join(', ');
  return `select public.${name}(${named}) as result from jsonb_to_record($1::jsonb) as x(${columns})`;
}

/** The bound parameters for callStatement: the arguments as one JSON text, or none. */
function parametersOf(name: RpcName, args: object): unknown[] {
  return argumentsOf(name).length === 0 ? [] : [JSON.stringify(args)];
}
