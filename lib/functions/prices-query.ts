import { MODEL_STATES } from '../providers/price-record.js';
import type { PricesQuery } from '../db/pricing-store.js';
import { MAX_MODEL_ID_LENGTH } from '../providers/catalog-items.js';
import { HttpError } from '../edge/http-error.js';
import { decodeCursor } from '../edge/page-cursor.js';
import { queryOf } from '../edge/query.js';
import { instant } from '../operator/operator-input.js';
import { isStorableText } from '../text/storable-text.js';
import { includeStale } from './prices-access.js';

export const DEFAULT_PAGE_SIZE = 1000;
export const MAX_PAGE_SIZE = 5000;
const KNOWN_PARAMETERS = [
  'provider',
  'model_id',
  'state',
  'updated_since',
  'cursor',
  'limit',
  'stale',
] as const;

/** A comma-separated list of ids (providers, states), each checked; null when not given. */
export function commaList(value: string | null, name: string): string[] | null {
  if (value === null) return null;
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '' || item.length > MAX_MODEL_ID_LENGTH))
    throw new HttpError(400, `${name} must be a comma-separated list`);
  if (!items.every(isStorableText))
    throw new HttpError(400, `${name} contains a NUL character or a lone surrogate`);
  return [...new Set(items)];
}

/** GET /prices query -> store query, with every value checked (a bad one is a 400, never a 500). */
export function parsePricesQuery(url: URL): { query: PricesQuery; shape: string; includeStale: boolean } {
  const params = queryOf(url, KNOWN_PARAMETERS);
  const states = commaList(params.state, 'state');
  const unknownState = states?.find((state) => !(MODEL_STATES as readonly string[]).includes(state));
  if (unknownState !== undefined) throw new HttpError(400, `state must be among ${MODEL_STATES.join(', ')}`);
  const modelId = params.model_id;
  if (modelId !== null && (modelId === '' || modelId.length > MAX_MODEL_ID_LENGTH))
    throw new HttpError(400, 'model_id must be a model id');
  // Postgres cannot hold a NUL or a lone surrogate: compared with one, it errors (a 500) instead of finding nothing.
  if (modelId !== null && !isStorableText(modelId))
    throw new HttpError(400, 'model_id contains a NUL character or a lone surrogate');
  const since = params.updated_since;
  // A bare date is its midnight UTC; a time needs its zone, as everywhere an instant is given.
  const updatedSince = since === null ? null : instant(since, 'updated_since', { dateAlone: true });
  const limitText = params.limit;
  const limit = limitText === null ? DEFAULT_PAGE_SIZE : Number(limitText);
  if (!/^\d{1,5}$/.test(limitText ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  const cursor = params.cursor;
  const query: PricesQuery = {
    providers: commaList(params.provider, 'provider'),
    modelId,
    states,
    updatedSince,
    after: cursor === null ? null : decodeCursor(cursor),
    limit,
  };
  const served = includeStale(params.stale);
  return { query, shape: JSON.stringify({ ...query, stale: served }), includeStale: served };
}
