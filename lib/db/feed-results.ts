import { z } from 'zod';
import { HISTORY_KINDS } from '../domain/run-types.js';
import { id, priceView, timestamp, trigger } from './rpc-results.js';

/**
 * One change of the feed (pricing_read_changes): a history row with its prices before and after
 * in the API's price shape, as GET /prices/changes answers it (snake_case: this is the wire).
 */
const priceChange = z.object({
  id,
  provider: z.string(),
  model_id: z.string(),
  kind: z.enum(HISTORY_KINDS),
  /** Null when the change added the model. */
  before: priceView.nullable(),
  after: priceView.nullable(),
  effective_at: timestamp,
  run_id: id,
  /** The trigger of the run that wrote it; null once that run has been pruned. */
  trigger: trigger.nullable(),
});
export type PriceChange = z.output<typeof priceChange>;

export const changesPage = z
  .object({ changes: z.array(priceChange), more: z.boolean(), last_id: id.nullable() })
  .transform((page) => ({ changes: page.changes, more: page.more, lastId: page.last_id }));
/** A page of the feed, whether more rows follow it, and the largest history id of its snapshot. */
export type ChangesPage = z.output<typeof changesPage>;
