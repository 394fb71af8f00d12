/**
 * The CPU seconds the embedded Postgres spent, read from /proc: what a phase costs the database
 * server besides what its worker process spends (issue 29's CPU budget). A sync's worker reports
 * its own CPU; its commits, staging and reads run in Postgres backends, which end with the
 * worker's connections. A backend that has ended is counted in its postmaster's cutime and cstime
 * (the children it has waited for), so the server's total is every live postgres process's own
 * time plus the postmaster's children's. Linux only: elsewhere the reading is null.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** One process's /proc/<pid>/stat fields that matter here. */
export interface ProcessTimes {
  pid: number;
  ppid: number;
  command: string;
  /** utime + stime, in clock ticks. */
  own: number;
  /** cutime + cstime (children waited for), in clock ticks. */
  children: number;
}

/**
 * Parses /proc/<pid>/stat. The command is between the first `(` and the last `)` (it may hold
 * spaces and parentheses); the fields after it are state, ppid, …, utime (14th field of the
 * line), stime, cutime, cstime.
 */
export function parseProcessStat(stat: string): ProcessTimes | null {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(stat.slice(0, open).trim());
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((index) => Number(fields[index]));
  if (![pid, ppid, utime, stime, cutime, cstime].every((value) => Number.isSafeInteger(value))) return null;
  return {
    pid,
    ppid: ppid!,
    command: stat.slice(open + 1, close),
    own: utime! + stime!,
    children: cutime! + cstime!,
  };
}

/**
 * Clock ticks of every `postgres` process: each one's own time, and for a postmaster (a postgres
 * process whose parent is not one) also the time of the children it has waited for, which are
 * its backends and workers that have ended. Two servers' processes would be summed together: the
 * bench runs one.
 */
export function postgresTicks(processes: readonly ProcessTimes[]): number {
  const postgres = processes.filter((process) => process.command === 'postgres');
  const pids = new Set(postgres.map((process) => process.pid));
  return postgres.reduce(
    (sum, process) => sum + process.own + (pids.has(process.ppid) ? 0 : process.children),
    0,
  );
}

let ticksPerSecond: number | undefined;

/** USER_HZ (`getconf CLK_TCK`), 100 when it cannot be read (what Linux uses everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds of the running Postgres server(s) so far; null without /proc. */
export async function readPostgresCpuSeconds(): Promise<number | null> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  const processes: ProcessTimes[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    // A process may end between the listing and the read.
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    const times = stat === null ? null : parseProcessStat(stat);
    if (times) processes.push(times);
  }
  return postgresTicks(processes) / clockTicks();
}
