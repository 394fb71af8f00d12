import { StoreError } from '../../lib/db/store-error.js';

/**
 * Something in the user's setup keeps a local server from starting (a taken port, a data dir held
 * by another process, a DATABASE_URL that is not one): its message says what and what to do.
 */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** A local server could not listen: its port is taken (or not ours to take). */
export class PortInUseError extends StartupError {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    /** The environment variable that chooses the port. */
    readonly variable: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown }).code;
    const why = code === 'EACCES' ? 'is not allowed for this user' : 'is already in use';
    super(`port ${port} on 127.0.0.1 ${why}: stop what holds it, or set ${variable} to another port`, {
      cause,
    });
  }
}

/** Turns a listen failure into a StartupError naming `variable`; other errors pass through. */
export function explainListenError(error: unknown, port: number, variable: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') return new PortInUseError(port, variable, error);
  if (code === 'ERR_SOCKET_BAD_PORT') {
    return new StartupError(`${variable} must be a port number from 0 to 65535`, { cause: error });
  }
  return error;
}

/**
 * For the scripts: a startup problem of the user's (a StartupError, or a StoreError, whose messages
 * are written for the user: the PGlite data dir held by another process, say) is one line on stderr
 * and exit code 1, not a stack trace; anything else is rethrown.
 */
export async function exitOnStartupError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof StartupError || error instanceof StoreError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
