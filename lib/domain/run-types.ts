/**
 * What started a run: the hourly cron, an admin's POST, or `npm run sync`; or an operator's
 * action on prices (approve or reject held changes, pin or unpin, roll back a run), which is a
 * run too (see lib/operator/).
 */
export const RUN_TRIGGERS = ['cron', 'manual', 'cli', 'approve', 'reject', 'pin', 'rollback'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** The triggers of operator runs. */
export type OperatorTrigger = Extract<RunTrigger, 'approve' | 'reject' | 'pin' | 'rollback'>;
/** How a run ended. */
export type FinishedRunStatus = 'success' | 'partial' | 'failed';
/** A run's status as stored: `abandoned` is a run that never finished, whose lease a later run took over. */
export const RUN_STATUSES = ['running', 'success', 'partial', 'failed', 'abandoned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/**
 * What a row of the price history records (model_pricing_history.kind): a sync's `added`,
 * `changed`, `missing`, `restored`; an operator's `approved`, `pinned`, `rolled_back`. `unpinned`
 * is allowed by the table but written by nothing today: an unpinned model keeps its price until
 * the next sync, whose change is `changed`.
 */
export const HISTORY_KINDS = [
  'added',
  'changed',
  'missing',
  'restored',
  'approved',
  'pinned',
  'unpinned',
  'rolled_back',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];
