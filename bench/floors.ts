/**
 * The floors the bench measures each phase against, in the same run, on the same database server
 * and replay server: the fetch floor (every page the sync fetched, fetched again with plain
 * `fetch` and `JSON.parse`, at the sync's concurrency) and the write floor (the rows the sync
 * wrote, written by the hand-written SQL of bench/floors.sql), with the check that the write floor
 * leaves exactly the rows the real sync leaves.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PAGES_IN_FLIGHT } from '../lib/providers/paged-fetch.js';

/** One page the sync requested, to be fetched again by the fetch floor. */
export interface FloorRequest {
  url: string;
  authorization?: string | undefined;
}

/** Pages per provider route; the routes are fetched at once, each with PAGES_IN_FLIGHT in flight. */
export type FetchPlan = Record<string, FloorRequest[]>;

/** What the replay server recorded of a request (dev/replay/replay-server.ts). */
interface RecordedLike {
  route: string | null;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: { authorization?: string | undefined };
}

/** The pages a sync requested (the replay server's log since it began), grouped by route. */
export function fetchPlanOf(requests: readonly RecordedLike[], baseUrl: string): FetchPlan {
  const plan: FetchPlan = {};
  for (const request of requests) {
    if (request.route === null || request.method !== 'GET') continue;
    const query = new URLSearchParams(request.query).toString();
    (plan[request.route] ??= []).push({
      url: `${baseUrl}${request.path}${query ? `?${query}` : ''}`,
      authorization: request.headers.authorization,
    });
  }
  return plan;
}

/**
 * Every page of the plan fetched with plain fetch, the routes at once and each with
 * PAGES_IN_FLIGHT pages in flight, as the sync fetches them; each page's text handed to `take` as
 * it arrives.
 */
export async function fetchPlanPages(
  plan: FetchPlan,
  take: (route: string, text: string) => void,
): Promise<void> {
  await Promise.all(
    Object.entries(plan).map(async ([route, pages]) => {
      let next = 0;
      const lane = async () => {
        while (next < pages.length) {
          const page = pages[next]!;
          next += 1;
          const headers: Record<string, string> = page.authorization
            ? { authorization: page.authorization }
            : {};
          const response = await fetch(page.url, { headers });
          take(route, await response.text());
        }
      };
      await Promise.all(Array.from({ length: Math.min(PAGES_IN_FLIGHT, pages.length) }, lane));
    }),
  );
}

/** Fetches every page of the plan with plain fetch and JSON.parse; seconds and bytes. */
export async function runFetchFloor(plan: FetchPlan): Promise<{ seconds: number; bytes: number }> {
  let bytes = 0;
  const started = performance.now();
  await fetchPlanPages(plan, (_route, text) => {
    bytes += text.length;
    JSON.parse(text);
  });
  return { seconds: (performance.now() - started) / 1000, bytes };
}

/** bench/floors.sql split at its `-- floor: <name>` markers. */
export function splitFloorStatements(text: string): Record<string, string> {
  const statements: Record<string, string> = {};
  const parts = text.split(/^-- floor: ([a-z_]+)\s*$/m);
  for (let index = 1; index < parts.length; index += 2) {
    statements[parts[index]!] = parts[index + 1]!.trim();
  }
  return statements;
}

export async function loadFloorStatements(root: string): Promise<Record<string, string>> {
  return splitFloorStatements(await readFile(`${root}/bench/floors.sql`, 'utf8'));
}

/** The price columns the write floor copies, in floors.sql's staging order. */
export const PRICE_EXPORT = `select provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
  cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
  extra_prices, pricing_tiers, context_length, alias_of, source from public.model_pricing`;
export const ENTRIES_EXPORT = 'select model_id, entry from public.pricing_litellm_entries';

/** What the check compares: each table's rows without identities and timestamps. */
const CHECKED: Record<string, string> = {
  model_pricing: `${PRICE_EXPORT.replace(' from ', ', missing_since is null from ')}`,
  model_pricing_history: `select provider, model_id, kind, old_state, new_state,
      old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
      old_output_price_per_1m_tokens, new_output_price_per_1m_tokens, old_prices, new_prices
    from public.model_pricing_history`,
  pricing_litellm_entries: ENTRIES_EXPORT,
};

/** A query's rows as CSV lines (COPY … TO STDOUT). */
export async function exportLines(client: pg.Client, query: string): Promise<string[]> {
  const stream = client.query(copyTo(`copy (${query}) to stdout (format csv)`));
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Lines of `after` that `before` does not hold (as many times): the rows a phase changed or added. */
export function addedLines(before: readonly string[], after: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of before) counts.set(line, (counts.get(line) ?? 0) + 1);
  const added: string[] = [];
  for (const line of after) {
    const count = counts.get(line) ?? 0;
    if (count > 0) counts.set(line, count - 1);
    else added.push(line);
  }
  return added;
}

/** Rows the floor misses and rows it has that the real sync does not (multisets). */
export function rowSetDifference(
  expected: readonly string[],
  actual: readonly string[],
): { missing: string[]; extra: string[] } {
  return { missing: addedLines(actual, expected), extra: addedLines(expected, actual) };
}

/** Problems found comparing the floor's database with the real sync's; empty when they agree. */
export async function checkFloorRows(real: pg.Client, floor: pg.Client): Promise<string[]> {
  const problems: string[] = [];
  for (const [table, query] of Object.entries(CHECKED)) {
    const { missing, extra } = rowSetDifference(
      await exportLines(real, query),
      await exportLines(floor, query),
    );
    if (missing.length + extra.length > 0) {
      problems.push(
        `${table}: the floor lacks ${missing.length} of the sync's rows and has ${extra.length} it does not` +
          ` (first: ${missing[0] ?? extra[0]})`,
      );
    }
  }
  return problems;
}

/** Runs the write floor in one transaction; seconds from connecting to commit. */
export async function runWriteFloor(job: {
  databaseUrl: string;
  statements: Record<string, string>;
  pricesCsv: string;
  entriesCsv?: string | undefined;
}): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: job.databaseUrl });
  await client.connect();
  const statement = (name: string) => {
    const sql = job.statements[name];
    if (sql === undefined) throw new Error(`bench/floors.sql has no statement ${name}`);
    return sql;
  };
  try {
    await client.query('begin');
    await client.query(statement('stage_prices'));
    await pipeline(createReadStream(job.pricesCsv), client.query(copyFrom(statement('copy_prices'))));
    await client.query(statement('apply_prices'));
    if (job.entriesCsv) {
      await client.query(statement('stage_entries'));
      await pipeline(createReadStream(job.entriesCsv), client.query(copyFrom(statement('copy_entries'))));
      await client.query(statement('apply_entries'));
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}
