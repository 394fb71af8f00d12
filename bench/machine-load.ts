/**
 * What the machine was doing while the bench ran: CPU model, cores, the 1-minute load average and
 * CPU steal (from /proc/stat), printed at the start and the end; and `--record`'s wait for a quiet
 * machine. The parsing and the wait are pure (time and readings injected) for the tests.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';

/** The aggregate `cpu` line of /proc/stat: total jiffies and steal jiffies. */
export interface CpuTimes {
  total: number;
  steal: number;
}

/** Parses /proc/stat's first `cpu ` line (user nice system idle iowait irq softirq steal …). */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const line = procStat.split('\n').find((candidate) => /^cpu\s/.test(candidate));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((value) => !Number.isFinite(value))) return null;
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { total, steal: fields[7] ?? 0 };
}

/** Steal as a percentage of the CPU time between two readings; null without both. */
export function stealPercent(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Number((((after.steal - before.steal) / total) * 100).toFixed(1));
}

export async function readCpuTimes(): Promise<CpuTimes | null> {
  try {
    return parseCpuTimes(await readFile('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

export interface LoadReading {
  cpu_model: string;
  cores: number;
  load_1m: number;
  /** Steal over the second before the reading (percent of all CPU time); null off Linux. */
  steal_pct: number | null;
}

export async function readLoad(): Promise<LoadReading> {
  const before = await readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return {
    cpu_model: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    load_1m: Number(loadavg()[0]!.toFixed(2)),
    steal_pct: stealPercent(before, await readCpuTimes()),
  };
}

export function describeLoad(when: string, reading: LoadReading): string {
  return `${when}: ${reading.cores} × ${reading.cpu_model}, load average (1 min) ${reading.load_1m}, CPU steal ${reading.steal_pct ?? 'unknown'}%`;
}

/**
 * Waits until the 1-minute load average is under `threshold`, reading it every `pollMs`, for at
 * most `timeoutMs`: `--record` records only on a quiet machine and otherwise refuses, saying why.
 */
export async function waitForQuiet(options: {
  threshold: number;
  timeoutMs: number;
  pollMs: number;
  load: () => number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}): Promise<{ quiet: true; load: number } | { quiet: false; load: number; reason: string }> {
  const started = options.now();
  for (;;) {
    const load = options.load();
    if (load < options.threshold) return { quiet: true, load };
    const waited = options.now() - started;
    if (waited >= options.timeoutMs) {
      return {
        quiet: false,
        load,
        reason: `the 1-minute load average is ${load}, not under ${options.threshold}, after waiting ${Math.round(waited / 1000)} s: a recording on a busy machine would not be honest; run it when the machine is quiet`,
      };
    }
    await options.sleep(Math.min(options.pollMs, options.timeoutMs - waited));
  }
}
