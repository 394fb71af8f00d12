import { fitPage, fitRows, MAX_PAGE_BODY_BYTES } from '../edge/page-budget.js';
import * as input from './operator-input.js';
import type { OperatorResult, OperatorStore } from '../db/operator-store.js';
import type { PriceBounds } from '../sync/price-bounds.js';
import { assessFreshness, type FreshnessSettings } from '../sync/provider-freshness.js';
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

/**
 * Held changes, newest first. Each shows the price in force (`current`) with its freshness:
 * `checked_at` (its provider's last success), `stale`, `stale_reason` (as GET /prices says them,
 * by `settings`), and `pending_review` (the change still waits).
 */
/**
 * Each provider's freshness now (issue 25), as the fields a row showing one of its prices carries:
 * `checked_at` (the provider's last success), `stale`, `stale_reason`.
 */
async function providerFreshness(store: OperatorStore, settings: FreshnessSettings) {
  const snapshot = await store.readFreshness();
  const byProvider = new Map(
    assessFreshness(snapshot.providers, settings, new Date(snapshot.now)).map((entry) => [
      entry.provider,
      entry,
    ]),
  );
  return (provider: string) => {
    const entry = byProvider.get(provider);
    return {
      checked_at: entry?.lastSuccessAt ?? null,
      stale: entry?.stale ?? false,
      stale_reason: entry?.staleReason ?? null,
    };
  };
}

export async function listHeld(
  store: OperatorStore,
  query: {
    status: string | null;
    provider: string | null;
    model_id?: string | null;
    before: string | null;
    limit: string | null;
  },
  settings: FreshnessSettings,
): Promise<ActionAnswer> {
  const limit = input.limit(query.limit, 100, 1000);
  const filter = {
    status: input.heldStatus(query.status),
    provider: input.providerName(query.provider, false),
    beforeId: query.before === null ? null : input.id(query.before, 'before'),
    limit,
  };
  const modelId = input.modelId(query.model_id ?? null, false);
  const rows =
    modelId === null ? await store.readHeld(filter) : await store.readModelHeld({ ...filter, modelId });
  const freshnessOf = await providerFreshness(store, settings);
  const held = rows.map((row) => ({
    ...row,
    ...freshnessOf(row.provider),
    pending_review: row.status === 'pending',
  }));
  return {
    status: 200,
    body: { success: true, held, next_before: rows.length === limit ? rows[rows.length - 1]!.id : null },
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
  query: { before: string | null; limit: string | null; run_id?: string | null },
  settings: FreshnessSettings,
): Promise<ActionAnswer> {
  if (query.run_id !== undefined && query.run_id !== null) {
    if (query.before !== null || query.limit !== null)
      throw input.badRequest('run_id answers one run: leave out before and limit');
    const detail = await store.readRun(input.id(query.run_id, 'run_id'));
    if (!detail.ok) return answer(detail);
    // Each change shows a price: with its provider's freshness now, as the held view has it.
    const freshnessOf = await providerFreshness(store, settings);
    return answer({
      ...detail,
      changes: detail.changes.map((change) => ({ ...change, ...freshnessOf(change.provider) })),
    });
  }
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

/** Rolls a run back, or with `dry_run: true` answers what the rollback would restore, writing nothing. */
export async function rollbackRun(
  store: OperatorStore,
  body: Record<string, unknown>,
  triggeredBy: string,
): Promise<ActionAnswer> {
  input.rejectUnknown(body, ['action', 'run_id', 'force', 'dry_run'], 'field');
  if (body.action !== 'rollback') throw input.badRequest('action must be "rollback"');
  const request = {
    runId: input.id(body.run_id, 'run_id'),
    force: input.booleanValue(body.force, 'force'),
  };
  if (input.booleanValue(body.dry_run, 'dry_run')) return answer(await store.previewRollback(request));
  return answer(await store.call('pricing_rollback_run', { ...request, triggeredBy }));
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

/** The comma-separated providers of a query, or null for every one. */
function providerList(value: string | null): string[] | null {
  return value === null
    ? null
    : [...new Set(value.split(',').map((name) => input.providerName(name, true)!))];
}

/** `q`: stored models whose id contains it (case-insensitive), with their current prices, paged. */
async function searchModels(
  store: OperatorStore,
  query: { provider: string | null; q: string; cursor: string | null; limit: string | null },
): Promise<ActionAnswer> {
  const q = input.text(query.q, 'q', { max: 200, required: true })!;
  const from = query.cursor === null ? null : decodeCursor(query.cursor);
  const page = await store.searchModels({
    providers: providerList(query.provider),
    q,
    afterProvider: from?.[0] ?? null,
    afterModelId: from?.[1] ?? null,
    limit: input.limit(query.limit, 100, 1000),
  });
  const { prices, cutAfter } = fitPage(page.prices, MAX_PAGE_BODY_BYTES);
  const after = cutAfter ?? page.next;
  return {
    status: 200,
    body: { success: true, q, count: prices.length, next_cursor: after ? encodeCursor(after) : null, prices },
  };
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
    q?: string | null;
  },
): Promise<ActionAnswer> {
  if (query.q !== undefined && query.q !== null) {
    if (query.model_id !== null || query.at !== null || query.history !== null || query.before !== null)
      throw input.badRequest('q searches the current models: leave out model_id, at, history and before');
    return searchModels(store, { ...query, q: query.q });
  }
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
  const page = await store.readPricesAt({
    providers: providerList(query.provider),
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
