/**
 * The discovery floor (`npm run bench:profile -- --discovery`): what the least hand-written sync
 * adds to the fetch floor to learn which of a catalog's items changed, before it writes any.
 * Issue 29's goal for the 1% changes is 1.5 × (fetch floor + write floor of the changed rows); the
 * write floor is handed the changed rows, so neither floor pays for finding them. This one does,
 * in the simplest way we could write: every page fetched with plain `fetch` and `JSON.parse`d as
 * in the fetch floor, one query per provider for the digests of the items last applied (a table of
 * the bench's own, filled from the base catalog before the runs), and each item's digest
 * (SHA-256 of `JSON.stringify`) looked up in them. What it finds is counted, not written.
 */
import pg from 'pg';
import { PAGES_IN_FLIGHT } from '../lib/providers/paged-fetch.js';
import { sha256Base64 } from '../lib/providers/item-digest.js';
import type { FetchPlan, FloorRequest } from './floors.js';

/** The bench's table of stored digests (provider route, digest); not one of the product's. */
export const DISCOVERY_TABLE = 'public.bench_discovery_digests';

/** Where each replayed provider's page lists its items. */
export const DISCOVERY_ITEMS_KEY: Readonly<Record<string, string>> = {
  openrouter: 'data',
  nearai: 'models',
  featherless: 'data',
};

/** An item's digest as the floor takes it: SHA-256 (base64) of the item as JSON.stringify writes it. */
export function discoveryDigest(item: unknown): string {
  return sha256Base64(JSON.stringify(item));
}

/** A page's items under its route's key; a page without them is an error (the floor read a wrong page). */
function itemsOf(route: string, payload: unknown): unknown[] {
  const key = DISCOVERY_ITEMS_KEY[route];
  const items = key === undefined ? undefined : (payload as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(items)) throw new Error(`discovery floor: a ${route} page without its "${key}" items`);
  return items;
}

async function fetchJson(page: FloorRequest): Promise<unknown> {
  const response = await fetch(page.url, {
    headers: page.authorization ? { authorization: page.authorization } : {},
  });
  return JSON.parse(await response.text()) as unknown;
}

/**
 * Fills the table with the digests of every item the plan's pages hold now (untimed: the state a
 * sync finds stored). Returns how many were stored.
 */
export async function storeDiscoveryDigests(client: pg.Client, plan: FetchPlan): Promise<number> {
  await client.query(`drop table if exists ${DISCOVERY_TABLE}`);
  await client.query(`create table ${DISCOVERY_TABLE} (provider text not null, digest text not null)`);
  let stored = 0;
  for (const [route, pages] of Object.entries(plan)) {
    const digests: string[] = [];
    for (const page of pages)
      for (const item of itemsOf(route, await fetchJson(page))) digests.push(discoveryDigest(item));
    await client.query(`insert into ${DISCOVERY_TABLE} select $1, unnest($2::text[])`, [route, digests]);
    stored += digests.length;
  }
  await client.query(`analyze ${DISCOVERY_TABLE}`);
  return stored;
}

/**
 * The timed floor: the pages fetched as the fetch floor fetches them (the routes at once, each
 * with PAGES_IN_FLIGHT in flight) while each route's stored digests are read on one connection;
 * each page's items digested and looked up once both are in. Items and changed items counted.
 */
export async function runDiscoveryFloor(
  plan: FetchPlan,
  databaseUrl: string,
): Promise<{ seconds: number; items: number; changed: number }> {
  let items = 0;
  let changed = 0;
  const started = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  const connected = client.connect();
  // One query at a time on the connection, each route's as soon as the one before it is answered.
  let queries: Promise<unknown> = connected;
  try {
    await Promise.all(
      Object.entries(plan).map(async ([route, pages]) => {
        const read = queries.then(() =>
          client.query<{ digests: string | null }>(
            `select string_agg(digest, ' ') as digests from ${DISCOVERY_TABLE} where provider = $1`,
            [route],
          ),
        );
        queries = read;
        const stored = read.then((result) => new Set<string>((result.rows[0]?.digests ?? '').split(' ')));
        const take = (digests: Set<string>, list: unknown[]) => {
          items += list.length;
          for (const item of list) if (!digests.has(discoveryDigest(item))) changed += 1;
        };
        // Pages parsed before the digests are in wait for them; the lanes go on fetching.
        let digests: Set<string> | null = null;
        const waiting: unknown[][] = [];
        const ready = stored.then((set) => {
          digests = set;
          for (const list of waiting.splice(0)) take(set, list);
        });
        let next = 0;
        const lane = async () => {
          while (next < pages.length) {
            const page = pages[next]!;
            next += 1;
            const list = itemsOf(route, await fetchJson(page));
            if (digests) take(digests, list);
            else waiting.push(list);
          }
        };
        await Promise.all([ready, ...Array.from({ length: Math.min(PAGES_IN_FLIGHT, pages.length) }, lane)]);
      }),
    );
  } finally {
    await connected.catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  return { seconds: (performance.now() - started) / 1000, items, changed };
}
