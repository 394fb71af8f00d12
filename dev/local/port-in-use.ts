/** A local server could not listen: its port is taken (or not ours to take). */
export class PortInUseError extends Error {
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

/** Turns a listen failure into a PortInUseError naming `variable`; other errors pass through. */
export function explainListenError(error: unknown, port: number, variable: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' ? new PortInUseError(port, variable, error) : error;
}

/**
 * For the scripts: a taken port is one line on stderr and exit code 1, not a stack trace; anything
 * else is rethrown.
 */
export async function exitOnPortInUse<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
