import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { HttpError } from '../edge/http-error.js';
import { readConfig } from '../config.js';
import type { PriceBounds } from '../sync/price-bounds.js';
import * as actions from '../operator/operator-actions.js';
import { OperatorStore } from '../db/operator-store.js';
import { openCommandStore, withCommandStore, type CommandIo, type OpenCommandStore } from './command-io.js';

export const ADMIN_USAGE = `usage: npm run admin -- <command>
  held list [--status pending|approved|rejected|superseded|withdrawn|all] [--provider P] [--limit N] [--before ID]
  held approve ID... [--note TEXT]
  held reject ID... [--note TEXT]
  pins list [--provider P]
  pins set PROVIDER MODEL_ID --reason TEXT [--input USD] [--output USD] [--cache-read USD] [--cache-write USD]
           [--request USD] [--image USD] [--expires ISO]
           (a price not given keeps the model's current one; none = no price)
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
  request: { type: 'string' },
  image: { type: 'string' },
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

/** A command that is not one: it is answered with the usage. A bad value is one line (an HttpError). */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function usage(message: string): never {
  throw new UsageError(message);
}

/** Each base price's flag and its field in the API's pin and in GET /prices. */
const PIN_FLAGS = [
  ['input', 'input', 'input_price_per_1m_tokens'],
  ['output', 'output', 'output_price_per_1m_tokens'],
  ['cache-read', 'cache_read', 'cache_read_price_per_1m_tokens'],
  ['cache-write', 'cache_write', 'cache_write_price_per_1m_tokens'],
  ['request', 'request', 'request_price'],
  ['image', 'image', 'image_price'],
] as const;

/**
 * The whole pin `pins set` sets: each base price from its flag (`none`: no price), or the model's
 * current one when the flag is not given, so that no price is dropped by leaving its flag out.
 * Extra prices and tiers are not sent: the model keeps its current ones. A model not stored
 * answers 404 as the endpoint does.
 */
async function wholePin(
  store: OperatorStore,
  provider: string,
  modelId: string,
  values: Values,
): Promise<{ prices: Record<string, string | null> } | { refusal: actions.ActionAnswer }> {
  const current = await actions.pricesAt(store, {
    provider,
    model_id: modelId,
    at: null,
    history: null,
    cursor: null,
    before: null,
    limit: '1',
  });
  const row = (current.body.prices as Record<string, unknown>[] | undefined)?.[0];
  if (row === undefined)
    return {
      refusal: {
        status: 404,
        body: { success: false, error: `no stored model ${modelId} of provider ${provider}` },
      },
    };
  const prices: Record<string, string | null> = {};
  for (const [flag, field, stored] of PIN_FLAGS) {
    const given = values[flag];
    prices[field] =
      given === undefined ? ((row[stored] as string | null) ?? null) : given.trim() === 'none' ? null : given;
  }
  return { prices };
}

/** Runs one parsed command against the operator's store; the same actions the admin endpoints call. */
async function dispatch(
  store: OperatorStore,
  words: string[],
  values: Values,
  actor: string,
  bounds: PriceBounds,
  say: (line: string) => void,
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
      const pin = await wholePin(store, rest[0]!, rest[1]!, values);
      if ('refusal' in pin) return pin.refusal;
      const prices = pin.prices;
      say(`setting the pin of ${rest[0]} ${rest[1]} to ${JSON.stringify(prices)}`);
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
          io.err,
        );
        if (answer.status === 200) {
          io.out(JSON.stringify(answer.body, null, 2));
          return 0;
        }
        io.err(JSON.stringify(answer.body, null, 2));
        return 1;
      } catch (error) {
        if (error instanceof UsageError) {
          io.err(`${error.message}\n${ADMIN_USAGE}`);
        } else if (error instanceof HttpError) {
          // A bad value (`--at soon`): what is wrong with it, in one line, as the endpoint says it.
          io.err(error.message);
        } else {
          io.err(error instanceof Error ? error.message : String(error));
        }
        return 1;
      }
    },
  );
}
