import { describe, expect, it } from 'vitest';
import { nextCronTime } from '../../lib/scheduler/cron-schedule.js';

describe("the local runner's cron schedule (vercel.json's, in UTC)", () => {
  it.each([
    { expression: '0 * * * *', after: '2026-12-01T06:20:00Z', next: '2026-12-01T07:00:00.000Z' },
    { expression: '0 * * * *', after: '2026-12-01T07:00:00Z', next: '2026-12-01T08:00:00.000Z' },
    { expression: '*/15 * * * *', after: '2026-12-01T06:20:00Z', next: '2026-12-01T06:30:00.000Z' },
    { expression: '30 2-4/2 * * *', after: '2026-12-01T03:00:00Z', next: '2026-12-01T04:30:00.000Z' },
    { expression: '0 0 1 * *', after: '2026-12-15T00:00:00Z', next: '2027-01-01T00:00:00.000Z' },
    // Day of month OR day of week, as in cron: the 15th, or any Monday. 2026-12-07 is a Monday,
    // before the 15th; requiring both would wait for a Monday the 15th (2027-03-15).
    { expression: '0 0 15 * 1', after: '2026-12-01T00:00:00Z', next: '2026-12-07T00:00:00.000Z' },
    { expression: '0 0 15 * 1', after: '2026-12-14T00:00:00Z', next: '2026-12-15T00:00:00.000Z' },
    // Only one of the two restricted: that one alone decides.
    { expression: '0 0 * * 0', after: '2026-12-01T00:00:00Z', next: '2026-12-06T00:00:00.000Z' },
  ])('$expression after $after is $next', ({ expression, after, next }) => {
    expect(nextCronTime(expression, new Date(after)).toISOString()).toBe(next);
  });

  it.each(['0 * * *', '0 0 * * * *', '61 * * * *', 'every hour'])('refuses %j', (expression) => {
    expect(() => nextCronTime(expression, new Date('2026-12-01T00:00:00Z'))).toThrow(/cron expression/);
  });
});
