/**
 * What started a run: the hourly cron, an admin's POST, or `npm run sync`; or an operator's
 * action on prices (approve or reject held changes, pin or unpin, roll back a run), which is a
 * run too (see lib/operator/).
 */
export type RunTrigger = 'cron' | 'manual' | 'cli' | OperatorTrigger;
/** The triggers of operator runs. */
export type OperatorTrigger = 'approve' | 'reject' | 'pin' | 'rollback';
/** How a run ended. */
export type FinishedRunStatus = 'success' | 'partial' | 'failed';
/** A run's status as stored: `abandoned` is a run that never finished, whose lease a later run took over. */
export type RunStatus = 'running' | FinishedRunStatus | 'abandoned';
