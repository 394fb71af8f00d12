import { HttpError } from '../edge/http-error.js';
import { MAX_MODEL_ID_LENGTH } from '../providers/catalog-items.js';
import { INSTANT_FORM, parseInstant } from '../text/instant.js';
import { isStorableText } from '../text/storable-text.js';

/** The most items one POST /prices/cost prices. */
export const MAX_COST_ITEMS = 1000;
/** The largest POST /prices/cost body (1 MiB): 1,000 usages with room to spare. */
export const MAX_COST_BODY_BYTES = 1024 * 1024;

const REQUEST_KEYS = new Set(['items', 'input_includes_cache']);
const ITEM_KEYS = new Set(['provider', 'model_id', 'at', 'usage']);

/** One item as asked: what to price, or why it cannot be read (the other items still answer). */
export type CostItem =
  | {
      ok: true;
      provider: string;
      modelId: string;
      /** UTC ISO text, or null for now (the current prices). */
      at: string | null;
      usage: Record<string, unknown>;
    }
  | { ok: false; provider: unknown; modelId: unknown; error: string };

export interface CostRequest {
  items: CostItem[];
  inputIncludesCache: boolean;
}

const shown = (value: unknown) => (JSON.stringify(value) ?? String(value)).slice(0, 64);

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_MODEL_ID_LENGTH)
    throw new Error(`${field} must be a non-empty string of at most ${MAX_MODEL_ID_LENGTH} characters`);
  if (!isStorableText(value)) throw new Error(`${field} contains a NUL character or a lone surrogate`);
  return value;
}

function readItem(item: unknown): CostItem {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return { ok: false, provider: null, modelId: null, error: 'an item must be an object' };
  const fields = item as Record<string, unknown>;
  const provider = typeof fields.provider === 'string' ? fields.provider.slice(0, 64) : null;
  const modelId = typeof fields.model_id === 'string' ? fields.model_id.slice(0, MAX_MODEL_ID_LENGTH) : null;
  try {
    const unknown = Object.keys(fields).find((key) => !ITEM_KEYS.has(key));
    if (unknown !== undefined) throw new Error(`unknown item field ${shown(unknown)}`);
    const usage = fields.usage;
    if (usage === null || typeof usage !== 'object' || Array.isArray(usage))
      throw new Error('usage must be an object of quantities');
    const at = fields.at === undefined || fields.at === null ? null : parseInstant(fields.at);
    if (at === null && fields.at !== undefined && fields.at !== null)
      throw new Error(`at must be ${INSTANT_FORM}, got ${shown(fields.at)}`);
    return {
      ok: true,
      provider: name(fields.provider, 'provider'),
      modelId: name(fields.model_id, 'model_id'),
      at,
      usage: usage as Record<string, unknown>,
    };
  } catch (error) {
    return { ok: false, provider, modelId, error: (error as Error).message };
  }
}

/**
 * A POST /prices/cost body, read: a wrong shape of the whole request is a 400, more than
 * MAX_COST_ITEMS items a 413; a bad item is that item's error only.
 */
export function parseCostRequest(body: Record<string, unknown>): CostRequest {
  const unknown = Object.keys(body).find((key) => !REQUEST_KEYS.has(key));
  if (unknown !== undefined) throw new HttpError(400, `unknown field ${shown(unknown)}`);
  const items = body.items;
  if (!Array.isArray(items) || items.length === 0)
    throw new HttpError(400, 'items must be a non-empty array of {provider, model_id, at?, usage}');
  if (items.length > MAX_COST_ITEMS)
    throw new HttpError(413, `at most ${MAX_COST_ITEMS} items a call, got ${items.length}`);
  const includes = body.input_includes_cache;
  if (includes !== undefined && typeof includes !== 'boolean')
    throw new HttpError(400, 'input_includes_cache must be true or false');
  return { items: items.map(readItem), inputIncludesCache: includes ?? true };
}
