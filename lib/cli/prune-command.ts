import { parseArgs } from 'node:util';
import { openCommandStore, withCommandStore, type CommandIo, type OpenCommandStore } from './command-io.js';

const USAGE =
  'usage: npm run db:prune -- --older-than <age>   (age: a whole number with d, h, m or s: 90d, 12h)';

const SECONDS_PER_UNIT: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** `90d` -> 7776000. A whole number and one unit (d, h, m, s); anything else is an error. */
export function parseAgeSeconds(text: string): number {
  const match = /^(\d+)([dhms])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * SECONDS_PER_UNIT[match[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new Error(
      `--older-than must be a positive whole number with a unit d, h, m or s (like 90d or 12h), got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return seconds;
}

/**
 * `npm run db:prune`: deletes finished runs older than the given age from pricing_sync_runs.
 * Price history and the totals /metrics reads stay, so no counter goes down. Exit 0 on success,
 * 1 on bad usage or a database error.
 */
export async function runPruneCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
  open: OpenCommandStore = openCommandStore,
): Promise<number> {
  let olderThanSeconds: number;
  let age: string;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { 'older-than': { type: 'string' }, help: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (values['older-than'] === undefined) throw new Error('--older-than is required');
    age = values['older-than'].trim();
    olderThanSeconds = parseAgeSeconds(age);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 1;
  }

  return withCommandStore(io, env, open, async (store) => {
    const { deleted } = await store.pruneRuns(olderThanSeconds);
    io.out(
      `deleted ${deleted} finished run${deleted === 1 ? '' : 's'} older than ${age} (price history and metric totals kept)`,
    );
    return 0;
  });
}
