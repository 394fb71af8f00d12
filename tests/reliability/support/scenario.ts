import type { TaskMeta } from 'vitest';

/** One row of RELIABILITY.md, carried on the test's meta to the reporter. */
export interface ScenarioRecord {
  area: string;
  expected: string;
  observed: string[];
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: ScenarioRecord;
  }
}

/**
 * Declares what a test expects, for RELIABILITY.md; `observe` adds what really happened, in the
 * test's own measured words. The scenario's name is the test's name.
 */
export function scenario(
  task: { meta: TaskMeta },
  area: string,
  expected: string,
): { observe(text: string): void } {
  const record: ScenarioRecord = { area, expected, observed: [] };
  task.meta.reliability = record;
  return {
    observe(text) {
      record.observed.push(text);
    },
  };
}

/** Counts of each value, in first-seen order: `{200: 1, 409: 199}`. */
export function tally(values: readonly (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

export function describeTally(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([value, count]) => `${count} × ${value}`)
    .join(', ');
}
