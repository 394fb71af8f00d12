/**
 * DATABASE_URL checks and explanations for a new user: a value that is not a Postgres URL, or a
 * server that is not there, should say so, not `getaddrinfo ENOTFOUND base`. The password is
 * never repeated.
 */

const EMBEDDED_DEFAULT = 'or unset DATABASE_URL to use the embedded default (PGlite under .data/pglite)';

/** Throws when the value cannot be a Postgres connection URL (node-postgres would guess a host). */
export function assertPostgresUrl(connectionString: string): void {
  let url: URL | undefined;
  try {
    url = new URL(connectionString);
  } catch {
    url = undefined;
  }
  // An empty host is allowed: `postgres:///db?host=/var/run/postgresql` is a Unix socket.
  if (url && ['postgres:', 'postgresql:', 'socket:'].includes(url.protocol)) return;
  const seen = url ? `a URL with scheme ${url.protocol} (${redactedUrl(url)})` : 'a value that is not a URL';
  throw new Error(
    `DATABASE_URL is not a Postgres URL: expected postgres://user:password@host:5432/database, got ${seen}; ${EMBEDDED_DEFAULT}`,
  );
}

/** The URL with its password replaced, for messages. */
export function redactedUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  copy.search = '';
  return copy.href;
}

/** A user-facing sentence for a failure to reach DATABASE_URL's server, or null if it is not one. */
export function explainDatabaseConnectionError(error: unknown, connectionString: string): string | null {
  const code = codeOf(error);
  if (!code) return null;
  let target = 'the DATABASE_URL server';
  try {
    const url = new URL(connectionString);
    target = `${url.hostname}:${url.port || '5432'}`;
  } catch {
    // assertPostgresUrl has already said what is wrong with the value itself.
  }
  switch (code) {
    case 'ECONNREFUSED':
      return (
        `cannot reach Postgres at ${target} (DATABASE_URL): nothing listens there. ` +
        `Start Postgres (e.g. docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=postgres postgres:17), ${EMBEDDED_DEFAULT}.`
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach Postgres at ${target} (DATABASE_URL): the host name does not resolve; check the URL, ${EMBEDDED_DEFAULT}.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach Postgres at ${target} (DATABASE_URL): no answer (${code}); check the host, port and firewall, ${EMBEDDED_DEFAULT}.`;
    case '28P01':
      return `Postgres at ${target} refused the user name or password in DATABASE_URL (password authentication failed).`;
    case '3D000':
      return `Postgres at ${target} has no such database: create it, or name an existing one in DATABASE_URL.`;
    default:
      return null;
  }
}

/**
 * What a command says when a store call failed: for the postgres store, the sentence of
 * explainDatabaseConnectionError when there is one (`connect ECONNREFUSED 127.0.0.1:5432` says
 * what failed, not what to do about it); otherwise the error's own message.
 */
export function storeFailureMessage(
  error: unknown,
  storeKind: string,
  env: Record<string, string | undefined>,
): string {
  const explained =
    storeKind === 'postgres' ? explainDatabaseConnectionError(error, env.DATABASE_URL?.trim() ?? '') : null;
  return explained ?? (error instanceof Error ? error.message : String(error));
}

function codeOf(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) return codeOf(errors[0], depth + 1);
  return codeOf(cause, depth + 1);
}
