import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import ws from 'ws';
import type { RpcTransport } from './rpc-transport.js';
import { assertArguments, type RpcArgs, type RpcName } from './rpc-catalog.js';
import { StoreError, toStoreError } from './store-error.js';

/** The WebSocket constructor supabase-js' realtime client takes. */
type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']>;

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
      // subscribe, but createClient throws on Node 20 without a transport. realtime-js names ws as
      // the transport for Node; only ws's event types are its own rather than the DOM's.
      realtime: { transport: ws as RealtimeTransport },
    });
  }

  async call<Name extends RpcName>(name: Name, args: RpcArgs<Name>): Promise<unknown> {
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
