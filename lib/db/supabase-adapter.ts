import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { RpcTransport } from './rpc-transport.js';
import { assertArguments, type SqlFunctionArgs, type SqlFunctionName } from './sql-functions.js';
import { StoreError, toStoreError } from './store-error.js';

/** Longest a single RPC may take before it is abandoned. */
export const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Supabase through supabase-js `.rpc()`: each call is one PostgREST request and one transaction.
 * Use the server key (secret / service_role); the functions are not executable by anon.
 */
export class SupabaseAdapter implements RpcTransport {
  readonly kind = 'supabase' as const;
  private readonly client: SupabaseClient;

  constructor(options: { url: string; key: string }) {
    this.client = createClient(options.url, options.key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js wants a native WebSocket for realtime, which Node has only from 22; we never
      // subscribe, but createClient throws on Node 20 without a transport.
      realtime: { transport: ws as never },
    });
  }

  async call<Name extends SqlFunctionName>(name: Name, args: SqlFunctionArgs[Name]): Promise<unknown> {
    assertArguments(name, args);
    let response;
    try {
      // A hung request must not hold a function until maxDuration.
      response = await this.client.rpc(name, args).abortSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    } catch (error) {
      throw toStoreError(error, name);
    }
    if (response.error) {
      const { code, message, details, hint } = response.error;
      // supabase-js reports a network failure as an error with an empty code.
      const unavailable = !code || /fetch failed|network|ECONNREFUSED/i.test(`${message} ${details}`);
      throw new StoreError(`${name}: ${message}${hint ? ` (${hint})` : ''}`, {
        code: code || undefined,
        unavailable,
        cause: response.error,
      });
    }
    return response.data;
  }

  async close(): Promise<void> {
    await this.client.removeAllChannels();
  }
}
