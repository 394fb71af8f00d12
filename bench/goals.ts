/**
 * The bench's goals, as ratios to floors measured in the same run (issue 29): absolute seconds do
 * not carry from one machine to the next, a ratio to what the same machine does with plain fetch
 * and hand-written SQL does. Pure: scripts/bench.ts measures, this judges.
 */

/** The limits; each phase's wall (a median) divided by its floor (medians too). */
export const RATIO_GOALS = {
  full: 1.5,
  resync: 1.3,
  changes: 1.5,
  scale: 1.5,
  scalePeakRssMb: 448,
  mapToPricesPage: 2,
} as const;

export interface Floors25k {
  fetch_s: number;
  write_s: number;
  write_1pct_s: number;
}

export interface Floors250k {
  fetch_s: number;
  write_s: number;
}

export interface Floors {
  '25000'?: Floors25k;
  '250000'?: Floors250k;
}

/** Medians of the phases, all from one bench run; absent when the phase did not run. */
export interface GoalInput {
  floors: Floors;
  full_s?: number;
  resync_s?: number;
  changes_s?: number;
  scale_s?: number;
  scale_peak_rss_mb_runs?: readonly number[];
  litellm_map_ms_p50?: number;
  prices_page_ms_p50?: number;
}

export interface GoalReport {
  goal: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A phase's wall over its floor, to 2 decimals; null when either is missing. */
export function ratioToFloor(
  wallSeconds: number | undefined,
  floorSeconds: number | undefined,
): number | null {
  if (wallSeconds === undefined || floorSeconds === undefined || !(floorSeconds > 0)) return null;
  return Number((wallSeconds / floorSeconds).toFixed(2));
}

/** The floor each phase is judged against, in seconds. */
export function phaseFloors(floors: Floors): {
  full?: number;
  resync?: number;
  changes?: number;
  scale?: number;
} {
  const at25k = floors['25000'];
  const at250k = floors['250000'];
  return {
    ...(at25k
      ? {
          full: at25k.fetch_s + at25k.write_s,
          resync: at25k.fetch_s,
          changes: at25k.fetch_s + at25k.write_1pct_s,
        }
      : {}),
    ...(at250k ? { scale: at250k.fetch_s + at250k.write_s } : {}),
  };
}

function ratioGoal(
  name: string,
  limit: number,
  wall: number | undefined,
  floor: number | undefined,
): GoalReport {
  const ratio = ratioToFloor(wall, floor);
  return {
    goal: `${name} ≤ ${limit} × its floor`,
    measured:
      ratio === null ? 'not measured' : `${ratio}× (${wall} s against ${Number(floor!.toFixed(3))} s)`,
    met: ratio === null ? null : ratio <= limit,
  };
}

export function evaluateGoals(input: GoalInput): GoalReport[] {
  const floor = phaseFloors(input.floors);
  const rss = input.scale_peak_rss_mb_runs ?? [];
  const map = input.litellm_map_ms_p50;
  const page = input.prices_page_ms_p50;
  const mapRatio =
    map !== undefined && page !== undefined && page > 0 ? Number((map / page).toFixed(2)) : null;
  return [
    ratioGoal('full 25k sync (floor: fetch + write)', RATIO_GOALS.full, input.full_s, floor.full),
    ratioGoal('unchanged re-sync at 25k (floor: fetch)', RATIO_GOALS.resync, input.resync_s, floor.resync),
    ratioGoal(
      '1% price changes at 25k (floor: fetch + write of those rows)',
      RATIO_GOALS.changes,
      input.changes_s,
      floor.changes,
    ),
    ratioGoal('250k sync (floor: fetch + write)', RATIO_GOALS.scale, input.scale_s, floor.scale),
    {
      goal: `250k peak RSS ≤ ${RATIO_GOALS.scalePeakRssMb} MB in every run`,
      measured: rss.length === 0 ? 'not measured' : `max ${Math.max(...rss)} MB over ${rss.length} runs`,
      met: rss.length === 0 ? null : rss.every((mb) => mb <= RATIO_GOALS.scalePeakRssMb),
    },
    {
      goal: `LiteLLM map at 25k ≤ ${RATIO_GOALS.mapToPricesPage} × /prices?limit=1000 (p50)`,
      measured: mapRatio === null ? 'not measured' : `${mapRatio}× (${map} ms against ${page} ms)`,
      met: mapRatio === null ? null : mapRatio <= RATIO_GOALS.mapToPricesPage,
    },
  ];
}

/** One line per goal: `met`, `NOT MET` or `not measured`. */
export function renderGoals(goals: readonly GoalReport[]): string[] {
  return [
    '| goal (ratios, medians of one run) | measured | |',
    '|---|---|---|',
    ...goals.map(
      (goal) =>
        `| ${goal.goal} | ${goal.measured} | ${goal.met === null ? 'not measured' : goal.met ? 'met' : 'NOT MET'} |`,
    ),
  ];
}
