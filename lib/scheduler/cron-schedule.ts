import { Cron } from 'croner';

/** vercel.json's cron schedule for the sync (a test holds the two equal). */
export const SYNC_CRON_SCHEDULE = '0 * * * *';

/**
 * The next time a 5-field cron expression (minute hour day-of-month month day-of-week, in UTC, as
 * Vercel reads them) matches after `after`. croner does the parsing and matching; as in cron, a
 * day matches when its day of month or its day of week does (when both fields are restricted).
 */
export function nextCronTime(expression: string, after: Date): Date {
  let schedule: Cron;
  try {
    schedule = new Cron(expression, { timezone: 'UTC', mode: '5-part', domAndDow: false, paused: true });
  } catch (error) {
    throw new Error(`invalid cron expression ${JSON.stringify(expression)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const next = schedule.nextRun(after);
  if (next === null) throw new Error(`cron expression never matches: ${JSON.stringify(expression)}`);
  return next;
}
