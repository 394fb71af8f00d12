import { assertPostgresUrl } from './database-url.js';
import { PricingStore } from './pricing-store.js';

export type StorageConfig =
  | { kind: 'supabase'; url: string; key: string }
  | { kind: 'postgres'; connectionString: string }
  | { kind: 'pglite'; dataDir: string };

export const DEFAULT_PGLITE_DATA_DIR = '.data/pglite';
/** `npm run demo`'s folder, which `npm run sync -- --demo` and `npm run admin -- --demo` act on. */
export const DEMO_PGLITE_DATA_DIR = '.data/demo-pglite';

/**
 * Picks the store from env: SUPABASE_URL (+ a key) -> supabase; DATABASE_URL -> postgres; neither
 * -> PGlite under PRICING_DATA_DIR. A half-set Supabase config stops here, naming what is missing.
 */
export function storageConfigFromEnv(env: Record<string, string | undefined>): StorageConfig {
  const url = env.SUPABASE_URL?.trim();
  const key = (env.SUPABASE_KEY || env.SUPABASE_SECRET_KEY || env.SUPABASE_SERVICE_ROLE_KEY)?.trim();
  if (url) {
    if (!key) {
      throw new Error(
        'SUPABASE_URL is set but no key is: set SUPABASE_KEY (or SUPABASE_SECRET_KEY / SUPABASE_SERVICE_ROLE_KEY) ' +
          "to the project's secret (service_role) key",
      );
    }
    return { kind: 'supabase', url, key };
  }
  if (key) {
    throw new Error(
      'a Supabase key is set but SUPABASE_URL is not: set SUPABASE_URL to https://<project>.supabase.co',
    );
  }
  const connectionString = env.DATABASE_URL?.trim();
  if (connectionString) {
    assertPostgresUrl(connectionString);
    return { kind: 'postgres', connectionString };
  }
  return { kind: 'pglite', dataDir: env.PRICING_DATA_DIR?.trim() || DEFAULT_PGLITE_DATA_DIR };
}

/** Opens the configured store. Only that adapter's driver is loaded: a function's cold start pays for one. */
export async function openStore(config: StorageConfig): Promise<PricingStore> {
  switch (config.kind) {
    case 'supabase': {
      const { SupabaseAdapter } = await import('./supabase-adapter.js');
      return new PricingStore(new SupabaseAdapter({ url: config.url, key: config.key }));
    }
    case 'postgres': {
      const { PostgresAdapter } = await import('./postgres-adapter.js');
      return new PricingStore(new PostgresAdapter({ connectionString: config.connectionString }));
    }
    case 'pglite': {
      const { PgliteAdapter } = await import('./pglite-adapter.js');
      return new PricingStore(await PgliteAdapter.open({ dataDir: config.dataDir }));
    }
  }
}
