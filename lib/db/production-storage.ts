/** The variables that name a database, in the order an operator would pick them. */
export const DATABASE_VARIABLES = 'DATABASE_URL, or SUPABASE_URL with SUPABASE_SECRET_KEY (or SUPABASE_KEY)';

/**
 * On Vercel (`VERCEL` is set by the platform) the zero-setup PGlite default is never right: a
 * function's disk is neither shared between instances nor kept, so every instance would sync into
 * its own throwaway database. No database configured there is a config error naming the variables,
 * answered before any connection is tried and without loading PGlite (it is not even deployed).
 */
export function productionStorageError(env: Record<string, string | undefined>): string | null {
  if (!env.VERCEL?.trim()) return null;
  const named = [
    env.DATABASE_URL,
    env.SUPABASE_URL,
    env.SUPABASE_KEY,
    env.SUPABASE_SECRET_KEY,
    env.SUPABASE_SERVICE_ROLE_KEY,
  ].some((value) => value?.trim());
  if (named) return null;
  return `no database is configured: on Vercel set ${DATABASE_VARIABLES} (PGlite, the local default, is not deployed)`;
}
