import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  parseProcessStat,
  postgresTicks,
  readPostgresCpuSeconds,
  type ProcessTimes,
} from '../../bench/postgres-cpu.js';
import { serverUrl } from '../support/test-database.js';

/** A /proc/<pid>/stat line: utime, stime, cutime and cstime are fields 14–17. */
const stat = (pid: number, command: string, ppid: number, times: [number, number, number, number]) =>
  `${pid} (${command}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${times.join(' ')} 20 0 1 0 100 1000 10\n`;

describe('Postgres CPU from /proc', () => {
  it('reads pid, parent, command and times, whatever the command holds', () => {
    expect(parseProcessStat(stat(42, 'postgres', 7, [120, 30, 500, 80]))).toEqual({
      pid: 42,
      ppid: 7,
      command: 'postgres',
      own: 150,
      children: 580,
    });
    // A command may hold spaces and parentheses: the fields start after the last `)`.
    expect(parseProcessStat(stat(9, 'a (b) c', 1, [1, 2, 3, 4]))?.command).toBe('a (b) c');
    expect(parseProcessStat('not a stat line')).toBeNull();
    expect(parseProcessStat('12 (x) S 1 2')).toBeNull();
  });

  it("counts every postgres process's own time, and the ended children of a postmaster only", () => {
    const processes: ProcessTimes[] = [
      // The postmaster: its parent is the node process that started it.
      { pid: 100, ppid: 1, command: 'postgres', own: 10, children: 700 },
      // Live backends and workers: their own time; their children's would count twice.
      { pid: 101, ppid: 100, command: 'postgres', own: 40, children: 5 },
      { pid: 102, ppid: 100, command: 'postgres', own: 25, children: 0 },
      // Not Postgres.
      { pid: 200, ppid: 1, command: 'node', own: 999, children: 999 },
    ];
    expect(postgresTicks(processes)).toBe(10 + 700 + 40 + 25);
    expect(postgresTicks([])).toBe(0);
  });

  it('sees the work of a backend that has ended, on the running embedded server', async (context) => {
    const readable = await readFile('/proc/self/stat', 'utf8').catch(() => null);
    if (readable === null) {
      context.skip('no /proc here: the reading is null off Linux');
      return;
    }
    const before = await readPostgresCpuSeconds();
    expect(before).not.toBeNull();
    const client = new pg.Client({ connectionString: serverUrl() });
    await client.connect();
    const started = performance.now();
    // ~0.3 s or more of one backend's CPU, then the backend ends with its connection.
    await client.query('select count(*) from generate_series(1, 6000000)');
    const queryMs = performance.now() - started;
    await client.end();
    // Reaped by the postmaster shortly after the connection closes.
    let after = before!;
    for (let attempt = 0; attempt < 20 && after - before! < (queryMs / 1000) * 0.5; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = (await readPostgresCpuSeconds())!;
    }
    // At least half the query's wall (the backend was busy for all of it, less scheduling), and
    // not wildly more (other tests' backends run meanwhile on this server, so no upper bound is
    // tight).
    expect(after - before!).toBeGreaterThanOrEqual((queryMs / 1000) * 0.5);
  });
});
