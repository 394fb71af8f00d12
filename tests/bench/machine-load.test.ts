import { describe, expect, it } from 'vitest';
import { parseCpuTimes, stealPercent, waitForQuiet } from '../../bench/machine-load.js';

const STAT = (steal: number, idle: number) =>
  `cpu  1000 0 400 ${idle} 5 0 8 ${steal} 30 0\ncpu0 500 0 200 ${idle / 2} 2 0 4 ${steal / 2} 0 0\nintr 1 2 3\n`;

describe('machine load readings', () => {
  it('reads total and steal from the aggregate cpu line, guest time not counted twice', () => {
    expect(parseCpuTimes(STAT(50, 2000))).toEqual({ total: 1000 + 400 + 2000 + 5 + 8 + 50, steal: 50 });
  });

  it('reads a kernel without the steal column as no steal', () => {
    expect(parseCpuTimes('cpu  10 0 5 100\n')).toEqual({ total: 115, steal: 0 });
  });

  it('refuses text without a cpu line', () => {
    expect(parseCpuTimes('intr 1 2\n')).toBeNull();
    expect(parseCpuTimes('cpu  a b c d\n')).toBeNull();
  });

  it('gives steal as a share of the CPU time between two readings', () => {
    const before = parseCpuTimes(STAT(50, 2000));
    const after = parseCpuTimes(STAT(150, 2900));
    // 100 steal of 1000 jiffies.
    expect(stealPercent(before, after)).toBe(10);
    expect(stealPercent(null, after)).toBeNull();
    expect(stealPercent(after, after)).toBe(0);
  });
});

describe('--record waits for a quiet machine', () => {
  function clock(loads: number[]) {
    let now = 0;
    const slept: number[] = [];
    return {
      slept,
      options: {
        threshold: 1.5,
        timeoutMs: 300_000,
        pollMs: 10_000,
        // The last reading repeats.
        load: () => (loads.length > 1 ? loads.shift()! : loads[0]!),
        now: () => now,
        sleep: async (ms: number) => {
          slept.push(ms);
          now += ms;
        },
      },
    };
  }

  it('goes ahead as soon as the load is under the threshold', async () => {
    const { options, slept } = clock([3, 2, 1.4]);
    expect(await waitForQuiet(options)).toEqual({ quiet: true, load: 1.4 });
    expect(slept).toEqual([10_000, 10_000]);
  });

  it('refuses after five minutes of load, saying why', async () => {
    const { options, slept } = clock([4]);
    const outcome = await waitForQuiet(options);
    expect(outcome.quiet).toBe(false);
    expect(outcome.quiet === false && outcome.reason).toMatch(
      /load average is 4, not under 1\.5, after waiting 300 s/,
    );
    expect(slept.reduce((a, b) => a + b, 0)).toBe(300_000);
  });

  it('does not take a load of exactly the threshold as quiet', async () => {
    const { options } = clock([1.5]);
    expect((await waitForQuiet({ ...options, timeoutMs: 0 })).quiet).toBe(false);
  });
});
