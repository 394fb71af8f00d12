/** What started a run: the hourly cron, an admin's POST, or `npm run sync`. */
export type RunTrigger = 'cron' | 'manual' | 'cli';
/** How a run ended. */
export type FinishedRunStatus = 'success' | 'partial' | 'failed';
/** A run's status as stored: `abandoned` is a run that never finished, whose lease a later run took over. */
export type RunStatus = 'running' | FinishedRunStatus | 'abandoned';
