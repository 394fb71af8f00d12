import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { HttpError } from '../edge/http-error.js';
import { configErrorsFor, readConfig, type Config } from '../config.js';
import type { PricingStore } from '../db/pricing-store.js';
import { freshnessSettingsOf, freshnessView, readFreshnessState } from '../sync/provider-freshness.js';
import { DEMO_PGLITE_DATA_DIR, storageConfigFromEnv } from '../db/open-store.js';
import * as actions from '../operator/operator-actions.js';
import { instant } from '../operator/operator-input.js';
import { BASE_PRICES, type BasePrice } from '../providers/price-record.js';
import { OperatorStore } from '../db/operator-store.js';
import { VIA_HEADER } from '../functions/admin-operator.js';
import { readChangeFeed, type ChangesQuery } from '../functions/changes-endpoint.js';
import { priceCosts } from '../functions/cost-endpoint.js';
import { parseCostRequest } from '../functions/cost-request.js';
import { openCommandStore, withCommandStore, type CommandIo, type OpenCommandStore } from './command-io.js';
import { renderAnswer } from './admin-output.js';

/** `pins set`'s flag of a base price: its pin name with dashes (`cache_read` -> `--cache-read`). */
type PinFlag<Row extends string> = Row extends `${infer Head}_${infer Tail}`
  ? `${Head}-${PinFlag<Tail>}`
  : Row;
type BasePriceFlag = PinFlag<BasePrice['row']>;

/** Each base price's flag, pin name and API view key (BASE_PRICES). */
const PIN_FLAGS = BASE_PRICES.map(
  (base) => [base.row.replaceAll('_', '-') as BasePriceFlag, base.row, base.view] as const,
);

/** The pin flags in the usage, four to a line. */
const PIN_FLAG_USAGE = PIN_FLAGS.map(([flag]) => `[--${flag} USD]`).reduce(
  (text, flag, index) => `${text}${index === 0 ? '' : index % 4 === 0 ? '\n           ' : ' '}${flag}`,
  '',
);

export const ADMIN_USAGE = `usage: npm run -s admin -- [--demo] [--json] <command>
  held list [--status pending|approved|rejected|superseded|withdrawn|all] [--provider P] [--limit N] [--before ID]
  held approve ID... [--note TEXT]
  held reject ID... [--note TEXT]
  pins list [--provider P]
  pins set PROVIDER MODEL_ID --reason TEXT ${PIN_FLAG_USAGE} [--expires ISO]   (none: no such price; a flag left out keeps the model's current price)
  pins unset PROVIDER MODEL_ID
  runs list [--limit N] [--before ID]
  runs rollback RUN_ID [--force]
  prices [--at ISO] [--provider P[,Q]] [--model MODEL_ID] [--history] [--limit N] [--cursor C] [--before ID]
  changes [--since CURSOR] [--provider P[,Q]] [--limit N]   (the change feed from CURSOR, the start without it;
           pass the next_cursor it prints to read on)
  cost PROVIDER MODEL_ID --input N --output N [--at ISO]   (tokens; the cost at the prices in force at --at, or now)
  providers   (every provider with stored models or configured: last success, stale, why, failing since)
prices are USD per 1M tokens, as decimal strings (3, 0.15); a table on a terminal, JSON with --json or when piped;
--demo acts on npm run demo's data (.data/demo-pglite)`;

const OPTIONS = {
  status: { type: 'string' },
  provider: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  note: { type: 'string' },
  // `pins set`'s price flags; `cost` reads --input and --output as token counts.
  ...(Object.fromEntries(PIN_FLAGS.map(([flag]) => [flag, { type: 'string' }])) as Record<
    BasePriceFlag,
    { readonly type: 'string' }
  >),
  reason: { type: 'string' },
  expires: { type: 'string' },
  force: { type: 'boolean' },
  at: { type: 'string' },
  model: { type: 'string' },
  history: { type: 'boolean' },
  cursor: { type: 'string' },
  since: { type: 'string' },
  demo: { type: 'boolean' },
  json: { type: 'boolean' },
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

/** What an action reads from the query: every parameter its endpoint knows, null when not given. */
type QueryOf<Action extends (store: OperatorStore, query: never, ...rest: never[]) => unknown> =
  Parameters<Action>[1];

/** A write: its JSON body, no query. */
type Write = { query: Record<string, never>; body: Record<string, unknown> };

/**
 * One command as the admin endpoint call it stands for (`route` is its method and path): the same
 * over HTTP and on the store.
 */
export type AdminRequest =
  | { route: 'GET /admin/pricing/held'; query: QueryOf<typeof actions.listHeld> }
  | ({ route: 'POST /admin/pricing/held' } & Write)
  | { route: 'GET /admin/pricing/pins'; query: QueryOf<typeof actions.listPins> }
  | ({ route: 'PUT /admin/pricing/pins' } & Write)
  | { route: 'DELETE /admin/pricing/pins'; query: QueryOf<typeof actions.removePin> }
  | { route: 'GET /admin/pricing/runs'; query: QueryOf<typeof actions.listRuns> }
  | ({ route: 'POST /admin/pricing/runs' } & Write)
  | { route: 'GET /admin/pricing/prices'; query: QueryOf<typeof actions.pricesAt> }
  | { route: 'GET /admin/pricing/scheduler/status'; query: Record<string, never> }
  | { route: 'GET /prices/changes'; query: { [Name in keyof ChangesQuery]: string | null } }
  | ({ route: 'POST /prices/cost' } & Write);

/** The endpoint call a command's words and options stand for; bad usage throws a 400. */
export function adminRequest(words: string[], values: Values): AdminRequest {
  const [group, verb, ...rest] = words;
  const opt = (name: keyof Values) => (values[name] as string | undefined) ?? null;
  switch (`${group} ${verb ?? ''}`.trim()) {
    case 'held list':
      return {
        route: 'GET /admin/pricing/held',
        query: {
          status: opt('status'),
          provider: opt('provider'),
          before: opt('before'),
          limit: opt('limit'),
        },
      };
    case 'held approve':
    case 'held reject':
      if (rest.length === 0) usage(`held ${verb} needs at least one held change id`);
      return {
        route: 'POST /admin/pricing/held',
        query: {},
        body: { action: verb, ids: rest, ...(values.note === undefined ? {} : { note: values.note }) },
      };
    case 'pins list':
      return { route: 'GET /admin/pricing/pins', query: { provider: opt('provider') } };
    case 'pins set':
      return pinsSetRequest(rest, values);
    case 'pins unset':
      if (rest.length !== 2) usage('pins unset needs PROVIDER MODEL_ID');
      return {
        route: 'DELETE /admin/pricing/pins',
        query: { provider: rest[0]!, model_id: rest[1]! },
      };
    case 'runs list':
      return {
        route: 'GET /admin/pricing/runs',
        query: { before: opt('before'), limit: opt('limit') },
      };
    case 'runs rollback':
      if (rest.length !== 1) usage('runs rollback needs one RUN_ID');
      return {
        route: 'POST /admin/pricing/runs',
        query: {},
        body: { action: 'rollback', run_id: rest[0], force: values.force ?? false },
      };
    case 'providers':
      return { route: 'GET /admin/pricing/scheduler/status', query: {} };
    default:
      if (group === 'prices' && words.length === 1) return pricesRequest(values);
      if (group === 'changes' && words.length === 1) {
        return {
          route: 'GET /prices/changes',
          query: { since: opt('since'), provider: opt('provider'), limit: opt('limit') },
        };
      }
      if (group === 'cost') return costRequest(words.slice(1), values);
      usage(`unknown command ${JSON.stringify(words.join(' ').slice(0, 60))}`);
  }
}

/** `pins set PROVIDER MODEL_ID` with the price flags given; runAdminCommand fills the others. */
function pinsSetRequest(rest: readonly string[], values: Values): AdminRequest {
  if (rest.length !== 2) usage('pins set needs PROVIDER MODEL_ID');
  // The flags given; runAdminCommand fills the others with the model's current prices.
  const prices: Record<string, string | null> = {};
  for (const [flag, field] of PIN_FLAGS) {
    const given = values[flag];
    if (given !== undefined) prices[field] = given.trim() === 'none' ? null : given;
  }
  return {
    route: 'PUT /admin/pricing/pins',
    query: {},
    body: {
      provider: rest[0],
      model_id: rest[1],
      prices,
      reason: values.reason,
      ...(values.expires === undefined ? {} : { expires_at: values.expires }),
    },
  };
}

/** `prices`: the current prices, a model's history, or the prices at an instant. */
function pricesRequest(values: Values): AdminRequest {
  const opt = (name: keyof Values) => (values[name] as string | undefined) ?? null;
  return {
    route: 'GET /admin/pricing/prices',
    query: {
      provider: opt('provider'),
      model_id: opt('model'),
      at: opt('at'),
      history: values.history ? 'true' : null,
      cursor: opt('cursor'),
      before: opt('before'),
      limit: opt('limit'),
    },
  };
}

/** `cost PROVIDER MODEL_ID --input N --output N [--at ISO]`: one item of POST /prices/cost. */
function costRequest(rest: readonly string[], values: Values): AdminRequest {
  if (rest.length !== 2) usage('cost needs PROVIDER MODEL_ID');
  const usageOf: Record<string, string> = {};
  if (values.input !== undefined) usageOf.input_tokens = values.input;
  if (values.output !== undefined) usageOf.output_tokens = values.output;
  return {
    route: 'POST /prices/cost',
    query: {},
    body: {
      items: [
        { provider: rest[0], model_id: rest[1], ...(values.at ? { at: values.at } : {}), usage: usageOf },
      ],
    },
  };
}

/** The one item of a `cost` answer as the command's answer: its fields, or its error as a 400. */
function costAnswer(answer: actions.ActionAnswer): actions.ActionAnswer {
  const result = (answer.body.results as Record<string, unknown>[] | undefined)?.[0];
  if (answer.status !== 200 || result === undefined) return answer;
  if (typeof result.error === 'string') return { status: 400, body: { success: false, error: result.error } };
  return { status: 200, body: { success: true, ...result } };
}

type Send = (request: AdminRequest) => Promise<actions.ActionAnswer>;

/**
 * Sends a command. `pins set` sends the whole pin: each base price from its flag, or the model's
 * current one (read first, through the same channel) when the flag is not given, so that no price
 * is dropped by leaving its flag out; extra prices and tiers are not sent, so the model keeps them.
 * The whole pin is said on `say` before it is set. A model not stored answers 404 as the endpoint.
 */
async function perform(request: AdminRequest, send: Send, say: (line: string) => void) {
  if (request.route === 'POST /prices/cost') return costAnswer(await send(request));
  if (request.route === 'GET /admin/pricing/scheduler/status') {
    // The status's provider table alone, as the store path answers it.
    const status = await send(request);
    if (status.status !== 200) return status;
    return { status: 200, body: { success: true, providers: status.body.providers } };
  }
  if (request.route !== 'PUT /admin/pricing/pins') return send(request);
  const body = request.body as {
    provider?: unknown;
    model_id?: unknown;
    prices: Record<string, string | null>;
    expires_at?: unknown;
  };
  // A bad expiry is refused before the pin is read and said, as one line.
  if (body.expires_at !== undefined) {
    try {
      instant(body.expires_at, 'expires_at');
    } catch (error) {
      if (error instanceof HttpError) return { status: 400, body: { success: false, error: error.message } };
      throw error;
    }
  }
  const current = await send({
    route: 'GET /admin/pricing/prices',
    query: {
      provider: String(body.provider),
      model_id: String(body.model_id),
      at: null,
      history: null,
      cursor: null,
      before: null,
      limit: '1',
    },
  });
  if (current.status !== 200) return current;
  const row = (current.body.prices as Record<string, unknown>[] | undefined)?.find(
    (price) => price.model_id === body.model_id,
  );
  if (row === undefined) {
    return {
      status: 404,
      body: {
        success: false,
        error: `no stored model ${String(body.model_id)} of provider ${String(body.provider)}`,
      },
    };
  }
  const prices: Record<string, string | null> = {};
  for (const [, field, stored] of PIN_FLAGS) {
    prices[field] = Object.hasOwn(body.prices, field)
      ? body.prices[field]!
      : ((row[stored] as string | null) ?? null);
  }
  say(`setting the pin of ${String(body.provider)} ${String(body.model_id)} to ${JSON.stringify(prices)}`);
  return send({ ...request, body: { ...request.body, prices } });
}

/** What an endpoint call on the store runs with: the store, the operator's view of it, who acts. */
interface OnStore {
  pricing: PricingStore;
  store: OperatorStore;
  actor: string;
  config: Config;
}

type Route = AdminRequest['route'];
type RequestOf = { [Name in Route]: Extract<AdminRequest, { route: Name }> };

/** Each endpoint call on the store: the same actions the admin endpoints (and the feed) call. */
const ON_STORE: {
  [Name in Route]: (request: RequestOf[Name], on: OnStore) => Promise<actions.ActionAnswer>;
} = {
  'GET /admin/pricing/scheduler/status': async (_request, { pricing, config }) => {
    const freshness = await readFreshnessState(pricing, config);
    return { status: 200, body: { success: true, providers: freshness.providers.map(freshnessView) } };
  },
  'GET /prices/changes': async ({ query }, { pricing }) => ({
    status: 200,
    body: { ...(await readChangeFeed(pricing, query)) },
  }),
  'POST /prices/cost': async ({ body }, { pricing, config }) => {
    const results = await priceCosts(
      parseCostRequest(body),
      (keys) => pricing.readCostPrices(keys),
      await readFreshnessState(pricing, config),
    );
    return { status: 200, body: { success: true, count: results.length, results } };
  },
  'GET /admin/pricing/held': ({ query }, { store, config }) =>
    actions.listHeld(store, query, freshnessSettingsOf(config)),
  'POST /admin/pricing/held': ({ body }, { store, actor }) => actions.decideHeld(store, body, actor),
  'GET /admin/pricing/pins': ({ query }, { store }) => actions.listPins(store, query),
  'PUT /admin/pricing/pins': ({ body }, { store, actor, config }) =>
    actions.setPin(store, body, actor, { maxPricePer1m: config.maxPricePer1m }),
  'DELETE /admin/pricing/pins': ({ query }, { store, actor }) => actions.removePin(store, query, actor),
  'GET /admin/pricing/runs': ({ query }, { store, config }) =>
    actions.listRuns(store, query, freshnessSettingsOf(config)),
  'POST /admin/pricing/runs': ({ body }, { store, actor }) => actions.rollbackRun(store, body, actor),
  'GET /admin/pricing/prices': ({ query }, { store }) => actions.pricesAt(store, query),
};

/**
 * Runs an endpoint call's entry of ON_STORE. The route is passed apart from the request so that
 * TypeScript pairs the entry with its own request type, with no cast.
 */
function runOnStore<Name extends Route>(route: Name, request: RequestOf[Name], on: OnStore) {
  return ON_STORE[route](request, on);
}

/** Runs one endpoint call on the store, acting as `actor`. */
function dispatch(pricing: PricingStore, request: AdminRequest, actor: string, config: Config) {
  return runOnStore(request.route, request, { pricing, store: new OperatorStore(pricing), actor, config });
}

/** A local server (`npm start`, `npm run demo`) that holds the PGlite folder, and its admin key. */
export interface LocalServer {
  url: string;
  command: string;
  adminKey: string;
}

/** Finds the live local server that holds a PGlite data dir (scripts/admin.ts passes dev/local's). */
export type FindLocalServer = (
  dataDir: string,
  env: Record<string, string | undefined>,
) => Promise<LocalServer | null>;

/** Sends one call to the server's admin endpoint, as `cli:<user>` via its admin key. */
async function callServer(
  server: LocalServer,
  request: AdminRequest,
  via: string,
): Promise<actions.ActionAnswer> {
  const space = request.route.indexOf(' ');
  const url = new URL(request.route.slice(space + 1), server.url);
  for (const [name, value] of Object.entries<string | null>(request.query))
    if (value !== null) url.searchParams.set(name, value);
  const body = 'body' in request ? request.body : undefined;
  const response = await fetch(url, {
    method: request.route.slice(0, space),
    headers: {
      authorization: `Bearer ${server.adminKey}`,
      [VIA_HEADER]: via,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  return {
    status: response.status,
    body: answer ?? { success: false, error: `${server.command} answered ${response.status} without JSON` },
  };
}

/**
 * `npm run admin`: the operator's actions from a terminal, acting as `cli:<OS user>`. On the
 * database configured in env (as `npm run sync` and `npm run db:prune`), or, when a running
 * `npm start` / `npm run demo` holds the PGlite folder, through that server's admin endpoints
 * (attributed to the admin key, with `via: cli:<user>`). Prints the answer as a table on a
 * terminal (`io.format` 'text'), else as JSON, the same body the admin endpoint gives. Exit 0 on
 * success, 1 on bad usage, a refusal (409 while a sync runs, 404, conflict) or a database error.
 */
export async function runAdminCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
  open: OpenCommandStore = openCommandStore,
  findServer: FindLocalServer = async () => null,
): Promise<number> {
  const command = parseCommand(argv, io);
  if (typeof command === 'number') return command;
  const { values, request } = command;
  if (values.demo) {
    if (env.DATABASE_URL?.trim() || env.SUPABASE_URL?.trim()) {
      io.err(
        `--demo acts on the demo's PGlite data (${DEMO_PGLITE_DATA_DIR}): unset DATABASE_URL and SUPABASE_URL`,
      );
      return 1;
    }
    env = { ...env, PRICING_DATA_DIR: env.PRICING_DATA_DIR?.trim() || DEMO_PGLITE_DATA_DIR };
  }
  const print = answerPrinter(io, values.json === true || io.format !== 'text');
  const config = readConfig(env);
  if (request.route === 'PUT /admin/pricing/pins') {
    // A pin is bounded by PRICING_MAX_PRICE_PER_1M: with that setting invalid, no pin is set.
    const errors = configErrorsFor(config, 'pins');
    if (errors.length > 0) {
      io.err(`configuration errors:\n  ${errors.join('\n  ')}`);
      return 1;
    }
  }
  const via = `cli:${osUser()}`;
  let storage;
  try {
    storage = storageConfigFromEnv(env);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
  // A running local server holds the PGlite folder: act through it (no PGlite to open, no lock).
  const server =
    storage.kind === 'pglite' ? await localServer(storage.dataDir, values, env, findServer, io) : null;
  if (server) {
    try {
      return print(await perform(request, (call) => callServer(server, call, via), io.err));
    } catch (error) {
      io.err(
        `${server.command} (${server.url}) did not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 1;
    }
  }
  return withCommandStore(io, env, open, async (store) => {
    try {
      return print(await perform(request, (call) => dispatch(store, call, via, config), io.err));
    } catch (error) {
      // Bad input is one line; any other failure withCommandStore says as a store failure.
      if (!(error instanceof HttpError)) throw error;
      io.err(error.message);
      return 1;
    }
  });
}

/** The command's options and the endpoint call it stands for; else the exit code, its problem said. */
function parseCommand(argv: string[], io: CommandIo): { values: Values; request: AdminRequest } | number {
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
  try {
    return { values: parsed.values, request: adminRequest(parsed.positionals, parsed.values) };
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${ADMIN_USAGE}`);
    return 1;
  }
}

/** Prints an answer (as JSON, or as text) and gives the exit code. */
function answerPrinter(io: CommandIo, json: boolean): (answer: actions.ActionAnswer) => number {
  return (answer) => {
    if (answer.status === 200) {
      for (const line of json ? [JSON.stringify(answer.body, null, 2)] : renderAnswer(answer.body))
        io.out(line);
      return 0;
    }
    if (answer.status === 400 && typeof answer.body.error === 'string') {
      // A bad value is one line; the usage is for a command that is not one (adminRequest).
      io.err(answer.body.error);
    } else {
      io.err(JSON.stringify(answer.body, null, 2));
    }
    return 1;
  };
}

/** The running local server that holds the PGlite folder, if any; notes a demo holding another. */
async function localServer(
  dataDir: string,
  values: Values,
  env: Record<string, string | undefined>,
  findServer: FindLocalServer,
  io: CommandIo,
): ReturnType<FindLocalServer> {
  const server = await findServer(dataDir, env);
  if (!server && !values.demo && !env.PRICING_DATA_DIR?.trim()) {
    // The default folder is npm start's; a running demo keeps its data elsewhere. Say so, once.
    const demo = await findServer(DEMO_PGLITE_DATA_DIR, env);
    if (demo) {
      io.err(
        `note: ${demo.command} (${demo.url}) holds ${DEMO_PGLITE_DATA_DIR}; this acts on ${dataDir}. Add --demo to act on the demo's data.`,
      );
    }
  }
  return server;
}
