import { describe, expect, it } from 'vitest';
import { cronDecision } from '../../lib/scheduler/due.js';

const now = new Date('2026-11-27T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

describe('cronDecision (6-hour interval)', () => {
  it.each([
    { name: 'no cron run ever: due', last: null, due: true },
    {
      name: 'last success 6 h ago: due',
      last: { status: 'success', startedAt: minutesAgo(360) },
      due: true,
    },
    {
      name: 'last success 5 h 55 min ago (within the 5-minute tolerance): due',
      last: { status: 'success', startedAt: minutesAgo(355) },
      due: true,
    },
    {
      name: 'last success 5 h 54 min ago: not due',
      last: { status: 'success', startedAt: minutesAgo(354) },
      due: false,
    },
    {
      name: 'last success 1 h ago: not due',
      last: { status: 'success', startedAt: minutesAgo(60) },
      due: false,
    },
    {
      name: 'last run partial (a provider failed or was held whole) 55 min ago: due',
      last: { status: 'partial', startedAt: minutesAgo(55) },
      due: true,
    },
    {
      name: 'last run partial 30 min ago: not due',
      last: { status: 'partial', startedAt: minutesAgo(30) },
      due: false,
    },
    {
      name: 'last run failed 55 min ago: due (retry after min(interval, 1 h))',
      last: { status: 'failed', startedAt: minutesAgo(55) },
      due: true,
    },
    {
      name: 'last run failed 30 min ago: not due',
      last: { status: 'failed', startedAt: minutesAgo(30) },
      due: false,
    },
    {
      name: 'a run still in progress started 10 min ago: not due',
      last: { status: 'running', startedAt: minutesAgo(10) },
      due: false,
    },
  ])('$name', ({ last, due }) => {
    expect(cronDecision(last, 6, now).due).toBe(due);
  });

  it('gives the next run time when not due', () => {
    expect(cronDecision({ status: 'success', startedAt: '2026-11-27T11:00:00.000Z' }, 6, now)).toEqual({
      due: false,
      nextRunAt: '2026-11-27T16:55:00.000Z',
    });
  });

  it('retries a failed run within the hour even with a 1-hour interval', () => {
    expect(cronDecision({ status: 'failed', startedAt: minutesAgo(56) }, 1, now).due).toBe(true);
  });
});
