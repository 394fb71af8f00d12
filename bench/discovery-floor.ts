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
import { sha256Base64 } from '../lib/providers/item-digest.js';
import { fetchPlanPages, type FetchPlan } from './floors.js';

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
function itemsOf(route: string, text: string): unknown[] {
  const key = DISCOVERY_ITEMS_KEY[route];
  const payload = JSON.parse(text) as Record<string, unknown> | null;
  const items = key === undefined ? undefined : payload?.[key];
  if (!Array.isArray(items)) throw new Error(`discovery floor: a ${route} page without its "${key}" items`);
  return items;
}

/**
 * Fills the table with the digests of every item the plan's pages hold now (untimed: the state a
 * sync finds stored). Returns how many were stored.
 */
export async function storeDiscoveryDigests(client: pg.Client, plan: FetchPlan): Promise<number> {
  const digests = new Map<string, string[]>(Object.keys(plan).map((route) => [route, []]));
  await fetchPlanPages(plan, (route, text) => {
    for (const item of itemsOf(route, text)) digests.get(route)!.push(discoveryDigest(item));
  });
  await client.query(`drop table if exists ${DISCOVERY_TABLE}`);
  await client.query(`create table ${DISCOVERY_TABLE} (provider text not null, digest text not null)`);
  let stored = 0;
  for (const [route, list] of digests) {
    await client.query(`insert into ${DISCOVERY_TABLE} select $1, unnest($2::text[])`, [route, list]);
    stored += list.length;
  }
  await client.query(`analyze ${DISCOVERY_TABLE}`);
  return stored;
}

/**
 * The timed floor: the pages fetched as the fetch floor fetches them while each route's stored
 * digests are read, one route after another on one connection; each page's items digested and
 * looked up once both are in (a page parsed before its digests waits for them, and the fetch goes
 * on). Items and changed items counted.
 */
export async function runDiscoveryFloor(
  plan: FetchPlan,
  databaseUrl: string,
): Promise<{ seconds: number; items: number; changed: number }> {
  let items = 0;
  let changed = 0;
  const take = (digests: ReadonlySet<string>, list: unknown[]) => {
    items += list.length;
    for (const item of list) if (!digests.has(discoveryDigest(item))) changed += 1;
  };
  const routes = new Map(
    Object.keys(plan).map((route) => [
      route,
      { digests: null as Set<string> | null, waiting: [] as unknown[][] },
    ]),
  );
  const started = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  const readDigests = async () => {
    await client.connect();
    for (const [route, state] of routes) {
      const { rows } = await client.query<{ digests: string | null }>(
        `select string_agg(digest, ' ') as digests from ${DISCOVERY_TABLE} where provider = $1`,
        [route],
      );
      state.digests = new Set((rows[0]?.digests ?? '').split(' '));
      for (const list of state.waiting.splice(0)) take(state.digests, list);
    }
  };
  try {
    await Promise.all([
      readDigests(),
      fetchPlanPages(plan, (route, text) => {
        const state = routes.get(route)!;
        const list = itemsOf(route, text);
        if (state.digests) take(state.digests, list);
        else state.waiting.push(list);
      }),
    ]);
  } finally {
    await client.end().catch(() => undefined);
  }
  return { seconds: (performance.now() - started) / 1000, items, changed };
}
