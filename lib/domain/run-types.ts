/** What started a run: the hourly cron, an admin's POST, or `npm run sync`. */
export const RUN_TRIGGERS = ['cron', 'manual', 'cli'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** How a run ended. */
export type FinishedRunStatus = 'success' | 'partial' | 'failed';
/** A run's status as stored: `abandoned` is a run that never finished, whose lease a later run took over. */
export const RUN_STATUSES = ['running', 'success', 'partial', 'failed', 'abandoned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
