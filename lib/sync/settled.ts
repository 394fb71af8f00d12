/** A promise started early and awaited later, whose outcome is kept until then. */
export type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

/**
 * Starts keeping a promise's outcome: a failure before anyone awaits it is not an unhandled
 * rejection, and `unwrap` throws it where it is awaited, so that it is recorded there.
 */
export function settle<T>(promise: Promise<T>): Settled<T> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The value of a settled promise, or its failure thrown. */
export async function unwrap<T>(settled: Settled<T>): Promise<T> {
  const outcome = await settled;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
