import type { LiteLlmMapSource } from '../db/pricing-store.js';
import { buildLiteLlmMap, liteLlmMapStream } from './litellm-map.js';

/**
 * The LiteLLM map's body, built once and served as the stored bytes while nothing it depends on
 * changes: at 25,000 models, building it per request (reading every entry and price, then writing
 * each entry's JSON) took 8–20× the time of a /prices page. The key is everything the answer
 * depends on: the price version (bumped by every write to prices, LiteLLM entries and pins), the
 * routes our providers are layered under, and the freshness state's key. A request still asks the
 * store whether the version moved (one small call, `not_modified` when it did not).
 *
 * Kept per store (a WeakMap), never across stores: two databases can be at the same version; and per
 * `slot` (with and without stale providers), so that clients asking for each in turn do not rebuild
 * the map on every request.
 */
interface StoredMap {
  key: string;
  version: string;
  chunks: Uint8Array[];
}

const stored = new WeakMap<object, Map<string, StoredMap>>();

/** Everything the map's body depends on besides the stored rows themselves. */
export function liteLlmMapKey(parts: {
  version: string;
  routes: Readonly<Record<string, string>>;
  freshnessKey: string;
}): string {
  const routes = Object.entries(parts.routes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([parts.version, routes, parts.freshnessKey]);
}

export type CachedMapAnswer =
  | { kind: 'not_modified'; version: string }
  | { kind: 'empty'; version: string }
  | { kind: 'withheld'; version: string }
  | { kind: 'body'; version: string; body: ReadableStream<Uint8Array> };

/** The stored chunks as a fresh stream (each response reads its own). */
function replay(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index];
      index += 1;
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

/**
 * The map for a request whose client holds `clientVersion` (from If-None-Match, or null): a 304,
 * an empty map (nothing synced), `withheld` (`select` left no base entries), or the body, from the
 * stored bytes when the key still matches. `select` narrows the stored rows (e.g. without stale
 * providers); whatever it depends on must be in `freshnessKey`.
 */
export async function answerLiteLlmMap(options: {
  owner: object;
  /** Which variant of the answer (e.g. with or without stale providers): one stored body each. */
  slot: string;
  clientVersion: string | null;
  routes: Readonly<Record<string, string>>;
  freshnessKey: string;
  read: (knownVersion: string | null) => Promise<LiteLlmMapSource>;
  select?: (source: LiteLlmMapSource) => LiteLlmMapSource;
}): Promise<CachedMapAnswer> {
  const { owner, slot, clientVersion, routes, freshnessKey, read, select = (all) => all } = options;
  const slots = stored.get(owner) ?? new Map<string, StoredMap>();
  stored.set(owner, slots);
  const cached = slots.get(slot);
  let source = await read(cached?.version ?? clientVersion);
  if (source.notModified) {
    const version = source.version;
    if (clientVersion === version) return { kind: 'not_modified', version };
    if (
      cached &&
      cached.version === version &&
      cached.key === liteLlmMapKey({ version, routes, freshnessKey })
    ) {
      return { kind: 'body', version, body: replay(cached.chunks) };
    }
    source = await read(null);
  }
  const version = source.version;
  if (clientVersion === version) return { kind: 'not_modified', version };
  if (Object.keys(source.entries).length === 0) return { kind: 'empty', version };
  const kept = select(source);
  if (Object.keys(kept.entries).length === 0) return { kind: 'withheld', version };
  const chunks = await collect(liteLlmMapStream(buildLiteLlmMap(kept, routes)));
  slots.set(slot, { key: liteLlmMapKey({ version, routes, freshnessKey }), version, chunks });
  return { kind: 'body', version, body: replay(chunks) };
}
