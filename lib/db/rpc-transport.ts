import type { RpcArgs, RpcName } from './rpc-catalog.js';

/** `none`: no database configured (on Vercel); every call fails with a config error. */
export type StoreKind = 'supabase' | 'postgres' | 'pglite' | 'none';

/**
 * The database port: one call, one SQL function, one round trip, one jsonb result. The three
 * adapters (supabase, postgres, pglite) implement only this; everything else is written once.
 */
export interface RpcTransport {
  readonly kind: StoreKind;
  /** The function's jsonb result as the driver parsed it: unchecked until PricingStore decodes it. */
  call<Name extends RpcName>(name: Name, args: RpcArgs<Name>): Promise<unknown>;
  close(): Promise<void>;
}

/** What the migration runner needs: plain SQL against a Postgres (not available through supabase-js). */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}
