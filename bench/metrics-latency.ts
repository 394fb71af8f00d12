import type pg from 'pg';

/** Finished runs stored in the database, added with plain SQL until there are `total`. */
export async function storeRuns(admin: pg.Client, total: number): Promise<void> {
  const existing = await admin.query<{ n: string }>('select count(*)::text as n from pricing_sync_runs');
  const missing = total - Number(existing.rows[0]?.n ?? 0);
  if (missing <= 0) return;
  await admin.query(
    `insert into pricing_sync_runs (trigger, triggered_by, status, started_at, finished_at, duration_seconds, results)
     select case when g % 4 = 0 then 'manual' else 'cron' end, 'bench', 'success',
            now() - make_interval(hours => g + 1), now() - make_interval(hours => g + 1) + interval '3 seconds',
            3, '{"providers": {}}'::jsonb
       from generate_series(1, $1) g`,
    [missing],
  );
  await admin.query('analyze pricing_sync_runs');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median milliseconds of `requests` sequential GETs of /metrics, after a short warm-up. */
export async function metricsMedianMs(baseUrl: string, requests = 200, warmUp = 10): Promise<number> {
  const durations: number[] = [];
  for (let index = 0; index < warmUp + requests; index += 1) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/metrics`);
    await response.text();
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    if (index >= warmUp) durations.push(performance.now() - started);
  }
  return median(durations);
}
