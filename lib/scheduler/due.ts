/** How early a tick may run: an hourly cron must not slip an hour each cycle. */
export const DUE_TOLERANCE_SECONDS = 5 * 60;
/**
 * After a failed, partial (some provider failed or was held whole) or abandoned cron run, try
 * again after at most this long. A success with held models waits the full interval: its holds
 * wait for an operator, not for the feed.
 */
export const FAILED_RETRY_SECONDS = 60 * 60;

export interface LastCronRun {
  status: string;
  startedAt: string;
}

export type DueDecision = { due: true; nextRunAt: null } | { due: false; nextRunAt: string };

/**
 * Whether a cron tick should run a sync. Pure. Due when no cron run ever started, or when
 * now ≥ last start + interval − 5 min; after a failed, partial or abandoned run (killed at
 * maxDuration, say) the interval is min(interval, 1 h).
 */
export function cronDecision(last: LastCronRun | null, intervalHours: number, now: Date): DueDecision {
  if (!last) return { due: true, nextRunAt: null };
  const next = nextRunAt(last, intervalHours);
  if (now.getTime() >= next.getTime()) return { due: true, nextRunAt: null };
  return { due: false, nextRunAt: next.toISOString() };
}

/** When the next tick after this run is due. */
export function nextRunAt(last: LastCronRun, intervalHours: number): Date {
  let intervalSeconds = intervalHours * 3600;
  if (last.status === 'failed' || last.status === 'partial' || last.status === 'abandoned')
    intervalSeconds = Math.min(intervalSeconds, FAILED_RETRY_SECONDS);
  return new Date(Date.parse(last.startedAt) + (intervalSeconds - DUE_TOLERANCE_SECONDS) * 1000);
}
