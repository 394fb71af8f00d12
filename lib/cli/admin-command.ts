import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { HttpError } from '../edge/http-error.js';
import { readConfig } from '../config.js';
import { storeFailureMessage } from '../db/database-url.js';
import type { PriceBounds } from '../sync/price-bounds.js';
import * as actions from '../operator/operator-actions.js';
import { OperatorStore } from '../db/operator-store.js';
import { openCommandStore, withCommandStore, type CommandIo, type OpenCommandStore } from './command-io.js';

export const ADMIN_USAGE = `usage: npm run admin -- <command>
  held list [--status pending|approved|rejected|superseded|withdrawn|all] [--provider P] [--limit N] [--before ID]
  held approve ID... [--note TEXT]
  held reject ID... [--note TEXT]
  pins list [--provider P]
  pins set PROVIDER MODEL_ID --input USD --output USD --reason TEXT [--expires ISO] [--cache-read USD] [--cache-write USD]
  pins unset PROVIDER MODEL_ID
  runs list [--limit N] [--before ID]
  runs rollback RUN_ID [--force]
  prices [--at ISO] [--provider P[,Q]] [--model MODEL_ID] [--history] [--limit N]
prices are USD per 1M tokens, as decimal strings (3, 0.15)`;

const OPTIONS = {
  status: { type: 'string' },
  provider: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  note: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  'cache-read': { type: 'string' },
  'cache-write': { type: 'string' },
  reason: { type: 'string' },
  expires: { type: 'string' },
  force: { type: 'boolean' },
  at: { type: 'string' },
  model: { type: 'string' },
  history: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function usage(message: string): never {
  throw new HttpError(400, message);
}

/** Runs one parsed command against the operator's store; the same actions the admin endpoints call. */
async function dispatch(
  store: OperatorStore,
  words: string[],
  values: Values,
  actor: string,
  bounds: PriceBounds,
): Promise<actions.ActionAnswer> {
  const [group, verb, ...rest] = words;
  const opt = (name: keyof Values) => (values[name] as string | undefined) ?? null;
  switch (`${group} ${verb ?? ''}`.trim()) {
    case 'held list':
      return actions.listHeld(store, {
        status: opt('status'),
        provider: opt('provider'),
        before: opt('before'),
        limit: opt('limit'),
      });
    case 'held approve':
    case 'held reject':
      if (rest.length === 0) usage(`held ${verb} needs at least one held change id`);
      return actions.decideHeld(store, { action: verb, ids: rest, note: values.note }, actor);
    case 'pins list':
      return actions.listPins(store, { provider: opt('provider') });
    case 'pins set': {
      if (rest.length !== 2) usage('pins set needs PROVIDER MODEL_ID');
      const prices: Record<string, unknown> = {};
      if (values.input !== undefined) prices.input = values.input;
      if (values.output !== undefined) prices.output = values.output;
      if (values['cache-read'] !== undefined) prices.cache_read = values['cache-read'];
      if (values['cache-write'] !== undefined) prices.cache_write = values['cache-write'];
      return actions.setPin(
        store,
        { provider: rest[0], model_id: rest[1], prices, reason: values.reason, expires_at: values.expires },
        actor,
        bounds,
      );
    }
    case 'pins unset':
      if (rest.length !== 2) usage('pins unset needs PROVIDER MODEL_ID');
      return actions.removePin(store, { provider: rest[0]!, model_id: rest[1]! }, actor);
    case 'runs list':
      return actions.listRuns(store, { before: opt('before'), limit: opt('limit') });
    case 'runs rollback':
      if (rest.length !== 1) usage('runs rollback needs one RUN_ID');
      return actions.rollbackRun(
        store,
        { action: 'rollback', run_id: rest[0], force: values.force ?? false },
        actor,
      );
    default:
      if (group === 'prices' && words.length === 1) {
        return actions.pricesAt(store, {
          provider: opt('provider'),
          model_id: opt('model'),
          at: opt('at'),
          history: values.history ? 'true' : null,
          cursor: null,
          before: opt('before'),
          limit: opt('limit'),
        });
      }
      usage(`unknown command ${JSON.stringify(words.join(' ').slice(0, 60))}`);
  }
}

/**
 * `npm run admin`: the operator's actions from a terminal, straight to the database configured in
 * env (as `npm run sync` and `npm run db:prune`), acting as `cli:<OS user>`. Prints the answer as
 * JSON, the same body the admin endpoint gives. Exit 0 on success, 1 on bad usage, a refusal
 * (409 while a sync runs, 404, conflict) or a database error.
 */
export async function runAdminCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
  open: OpenCommandStore = openCommandStore,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${ADMIN_USAGE}`);
    return 1;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    (parsed.values.help ? io.out : io.err)(ADMIN_USAGE);
    return parsed.values.help ? 0 : 1;
  }
  return withCommandStore(
    io,
    () => open(env),
    async (store) => {
      try {
        const answer = await dispatch(
          new OperatorStore(store),
          parsed.positionals,
          parsed.values,
          `cli:${osUser()}`,
          { maxPricePer1m: readConfig(env).maxPricePer1m },
        );
        if (answer.status === 200) {
          io.out(JSON.stringify(answer.body, null, 2));
          return 0;
        }
        io.err(JSON.stringify(answer.body, null, 2));
        return 1;
      } catch (error) {
        if (error instanceof HttpError) {
          io.err(`${error.message}\n${ADMIN_USAGE}`);
        } else {
          // `cannot reach Postgres at host:port …`, as npm run sync says it, not the driver's words.
          io.err(storeFailureMessage(error, store.kind, env));
        }
        return 1;
      }
    },
  );
}
