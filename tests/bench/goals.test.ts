import { describe, expect, it } from 'vitest';
import {
  evaluateGoals,
  median,
  phaseFloors,
  ratioToFloor,
  renderGoals,
  RATIO_GOALS,
} from '../../bench/goals.js';

const floors = {
  '25000': { fetch_s: 0.2, write_s: 0.4, write_1pct_s: 0.05 },
  '250000': { fetch_s: 2, write_s: 4 },
};

describe('bench goals as ratios to floors', () => {
  it('takes medians of odd and even counts, NaN of none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('judges each phase against its own floor', () => {
    expect(phaseFloors(floors)).toEqual({ full: 0.6000000000000001, resync: 0.2, changes: 0.25, scale: 6 });
    expect(ratioToFloor(0.9, 0.6)).toBe(1.5);
    expect(ratioToFloor(0.9, undefined)).toBeNull();
    expect(ratioToFloor(0.9, 0)).toBeNull();
  });

  it('meets a goal at the limit and misses it just past', () => {
    const goals = evaluateGoals({
      floors,
      full_s: 0.9,
      resync_s: 0.27,
      changes_s: 0.375,
      scale_s: 9.1,
      scale_peak_rss_mb_runs: [400, RATIO_GOALS.scalePeakRssMb],
      litellm_map_ms_p50: 20,
      prices_page_ms_p50: 10,
    });
    expect(goals.map((goal) => goal.met)).toEqual([true, false, true, false, true, true]);
    expect(goals[1]!.measured).toBe('1.35× (0.27 s against 0.2 s)');
    expect(goals[4]!.measured).toBe('max 448 MB over 2 runs');
  });

  it('fails the RSS goal when any single run is over, not the median', () => {
    const goals = evaluateGoals({ floors, scale_peak_rss_mb_runs: [300, 300, 449, 300, 300] });
    expect(goals[4]!.met).toBe(false);
  });

  it('says "not measured" for a phase that did not run, never met', () => {
    const goals = evaluateGoals({ floors: {}, full_s: 1 });
    expect(goals.every((goal) => goal.met === null)).toBe(true);
    expect(
      renderGoals(goals)
        .slice(2)
        .every((line) => line.endsWith('| not measured |')),
    ).toBe(true);
  });
});
