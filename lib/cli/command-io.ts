import { storeFailureMessage } from '../db/database-url.js';
import { openStore, storageConfigFromEnv } from '../db/open-store.js';
import type { PricingStore } from '../db/pricing-store.js';

/** How a command opens the store its env configures (tests pass their own). */
export type OpenCommandStore = (env: Record<string, string | undefined>) => Promise<PricingStore>;
export const openCommandStore: OpenCommandStore = (env) => openStore(storageConfigFromEnv(env));

/** Where a command-line tool writes: its result lines, its messages, and (on a terminal) live progress. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /**
   * `text` (the default): one readable line per provider, and the JSON logs only from `error`
   * up. `json`: JSON log lines only (LOG_FORMAT=json, or stderr is not a terminal), so a
   * provider failure is said once either way.
   */
  format?: 'text' | 'json';
  /** On a terminal: raw writes to stderr for the live progress line. */
  progress?: (text: string) => void;
}

/**
 * Runs `work` with the store `env` configures, opened by `open` and closed after. A store that
 * cannot be opened is one line on stderr and exit code 1; so is a failure `work` does not handle,
 * said as `npm run sync` says it (`cannot reach Postgres at host:port …`), not in the driver's words.
 */
export async function withCommandStore(
  io: CommandIo,
  env: Record<string, string | undefined>,
  open: OpenCommandStore,
  work: (store: PricingStore) => Promise<number>,
): Promise<number> {
  let store: PricingStore;
  try {
    store = await open(env);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
  try {
    return await work(store);
  } catch (error) {
    io.err(storeFailureMessage(error, store.kind, env));
    return 1;
  } finally {
    await store.close();
  }
}
