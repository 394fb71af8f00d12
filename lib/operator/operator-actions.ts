import { fitPage, fitRows, MAX_PAGE_BODY_BYTES } from '../edge/page-budget.js';
import * as input from './operator-input.js';
import type { OperatorResult, OperatorStore } from '../db/operator-store.js';
import type { PriceBounds } from '../sync/price-bounds.js';
import { decodeCursor as decodePageCursor, encodeCursor } from '../edge/page-cursor.js';

/**
 * The operator's actions, each from an already-read request body or query to an answer, shared by
 * the admin endpoints and `npm run admin`. Bad input throws HttpError 400 (operator-input.ts); a
 * refusal of the database (409 while a sync runs, 404 unknown, 409 conflict) keeps its status.
 */
export interface ActionAnswer {
  status: number;
  body: Record<string, unknown>;
}

function answer<T extends object>(result: OperatorResult<T>): ActionAnswer {
  if (!result.ok) {
    const { ok: _ok, status, ...details } = result;
    return { status, body: { success: false, ...details } };
  }
  const { ok: _ok, ...body } = result;
  return { status: 200, body: { success: true, ...body } };
}

export async function listHeld(
  store: OperatorStore,
  query: { status: string | null; provider: string | null; before: string | null; limit: string | null },
): Promise<ActionAnswer> {
  const limit = input.limit(query.limit, 100, 1000);
  const held = await store.readHeld({
    status: input.heldStatus(query.status),
    provider: input.providerName(query.provider, false),
    beforeId: query.before === null ? null : input.id(query.before, 'before'),
    limit,
  });
  return {
    status: 200,
    body: { success: true, held, next_before: held.length === limit ? held[held.length - 1]!.id : null },
  };
}

export async function decideHeld(
  store: OperatorStore,
  body: Record<string, unknown>,
  decidedBy: string,
): Promise<ActionAnswer> {
  input.rejectUnknown(body, ['action', 'ids', 'note'], 'field');
  if (body.action !== 'approve' && body.action !== 'reject')
    throw input.badRequest('action must be "approve" or "reject"');
  return answer(
    await store.call('pricing_decide_held', {
      action: body.action,
      ids: input.ids(body.ids),
      decidedBy,
      note: input.note(body.note),
    }),
  );
}

export async function listRuns(
  store: OperatorStore,
  query: { before: string | null; limit: string | null },
): Promise<ActionAnswer> {
  const limit = input.limit(query.limit, 20, 200);
  const runs = await store.readRuns({
    before: query.before === null ? null : input.id(query.before, 'before'),
    limit,
  });
  return {
    status: 200,
    body: { success: true, runs, next_before: runs.length === limit ? runs[runs.length - 1]!.id : null },
  };
}

export async function rollbackRun(
  store: OperatorStore,
  body: Record<string, unknown>,
  triggeredBy: string,
): Promise<ActionAnswer> {
  input.rejectUnknown(body, ['action', 'run_id', 'force'], 'field');
  if (body.action !== 'rollback') throw input.badRequest('action must be "rollback"');
  return answer(
    await store.call('pricing_rollback_run', {
      runId: input.id(body.run_id, 'run_id'),
      force: input.booleanValue(body.force, 'force'),
      triggeredBy,
    }),
  );
}

export async function listPins(
  store: OperatorStore,
  query: { provider: string | null },
): Promise<ActionAnswer> {
  const pins = await store.readPins(input.providerName(query.provider, false));
  return { status: 200, body: { success: true, pins } };
}

export async function setPin(
  store: OperatorStore,
  body: Record<string, unknown>,
  pinnedBy: string,
  bounds: PriceBounds,
): Promise<ActionAnswer> {
  input.rejectUnknown(body, ['provider', 'model_id', 'prices', 'reason', 'expires_at'], 'field');
  return answer(
    await store.call('pricing_set_pin', {
      provider: input.providerName(body.provider, true)!,
      modelId: input.modelId(body.model_id, true)!,
      prices: input.pinPrices(body.prices, bounds),
      reason: input.text(body.reason, 'reason', { max: 2000, required: true })!,
      expiresAt:
        body.expires_at === undefined || body.expires_at === null
          ? null
          : input.instant(body.expires_at, 'expires_at'),
      pinnedBy,
    }),
  );
}

export async function removePin(
  store: OperatorStore,
  query: { provider: string | null; model_id: string | null },
  removedBy: string,
): Promise<ActionAnswer> {
  return answer(
    await store.call('pricing_remove_pin', {
      provider: input.providerName(query.provider, true)!,
      modelId: input.modelId(query.model_id, true)!,
      removedBy,
    }),
  );
}

/** A cursor of the page codec, whose provider and model id must also be ones this endpoint takes. */
function decodeCursor(cursor: string): [string, string] {
  const [provider, modelId] = decodePageCursor(cursor);
  return [input.providerName(provider, true)!, input.modelId(modelId, true)!];
}

export async function pricesAt(
  store: OperatorStore,
  query: {
    provider: string | null;
    model_id: string | null;
    at: string | null;
    history: string | null;
    cursor: string | null;
    before: string | null;
    limit: string | null;
  },
): Promise<ActionAnswer> {
  const modelId = input.modelId(query.model_id, false);
  const history = input.booleanValue(query.history ?? undefined, 'history');
  if (history) {
    if (modelId === null) throw input.badRequest('history=true needs a model_id');
    if (query.at !== null) throw input.badRequest('history=true lists every change: leave out at');
    const page = await store.call('pricing_read_price_history', {
      provider: input.providerName(query.provider, false),
      modelId,
      beforeId: query.before === null ? null : input.id(query.before, 'before'),
      limit: input.limit(query.limit, 100, 1000),
    });
    // A page stops before Vercel's response cap; `before` continues after its last row.
    const kept = fitRows(page.history, MAX_PAGE_BODY_BYTES);
    const history = page.history.slice(0, kept);
    const nextBeforeId = kept < page.history.length ? history[kept - 1]!.id : page.next_before_id;
    return { status: 200, body: { success: true, history, next_before_id: nextBeforeId } };
  }
  const providers =
    query.provider === null
      ? null
      : [...new Set(query.provider.split(',').map((name) => input.providerName(name, true)!))];
  const page = await store.readPricesAt({
    providers,
    modelId,
    at: query.at === null ? null : input.instant(query.at, 'at'),
    after: query.cursor === null ? null : decodeCursor(query.cursor),
    limit: input.limit(query.limit, 1000, 5000),
  });
  // A page stops before Vercel's response cap; the cursor continues after its last row.
  const { prices, cutAfter } = fitPage(page.prices, MAX_PAGE_BODY_BYTES);
  const after = cutAfter ?? page.next;
  return {
    status: 200,
    body: {
      success: true,
      at: page.at,
      count: prices.length,
      next_cursor: after ? encodeCursor(after) : null,
      prices,
    },
  };
}
