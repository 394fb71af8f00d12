import type pg from 'pg';

/** Polls until `probe` gives a value, at most `attempts` times `intervalMs` apart; null if it never did. */
export async function waitFor<T>(
  probe: () => Promise<T | null>,
  attempts: number,
  intervalMs: number,
): Promise<T | null> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return null;
}

/** The apply in flight on this database (staging a chunk or committing), seen from outside. */
export async function applyInFlight(admin: pg.Client, databaseName: string): Promise<string | null> {
  const active = await admin.query<{ query: string }>(
    `select query from pg_stat_activity
      where datname = $1 and pid <> pg_backend_pid() and state = 'active'
        and (query like '%pricing_stage_chunk%' or query like '%pricing_commit_provider%')`,
    [databaseName],
  );
  const query = active.rows[0]?.query;
  if (query === undefined) return null;
  return query.includes('pricing_stage_chunk') ? 'staging a chunk' : 'committing';
}

/** Waits until the lease has expired (or is free), so the next run may take it over. */
export async function leaseExpired(admin: pg.Client): Promise<boolean> {
  const expired = await waitFor(
    async () => {
      const lease = await admin.query<{ free: boolean }>(
        'select (run_id is null or expires_at <= clock_timestamp()) as free from pricing_sync_lease',
      );
      return lease.rows[0]?.free ? true : null;
    },
    200,
    100,
  );
  return expired ?? false;
}

/** One provider's stored rows, timestamps included, as one hash. */
export async function providerHash(admin: pg.Client, provider: string): Promise<string> {
  const result = await admin.query<{ hash: string }>(
    `select md5(coalesce(string_agg(m::text, E'\\n' order by m::text), '')) as hash
       from model_pricing m where provider = $1`,
    [provider],
  );
  return result.rows[0]!.hash;
}
