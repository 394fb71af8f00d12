/**
 * The run's overall deadline passed before a provider's fetch answered. Not a ProviderError: no
 * request of the provider failed, the run stopped waiting. Reported as the provider's `timeout`.
 */
export class RunDeadlineError extends Error {
  override readonly name = 'RunDeadlineError';

  constructor(readonly deadlineSeconds: number) {
    super(`no complete answer before the run's deadline of ${deadlineSeconds} s`);
  }
}

/** A run's deadline: its signal aborts every fetch, and `passed` rejects with a RunDeadlineError. */
export interface RunDeadline {
  signal: AbortSignal;
  passed: Promise<never>;
  clear(): void;
}

export function startDeadline(deadlineSeconds: number): RunDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineSeconds * 1000);
  const passed = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(new RunDeadlineError(deadlineSeconds)));
  });
  // Every fetch races `passed` and fails with it; once none is waiting (all answered), the deadline
  // passing fails nothing, so the rejection is harmless there.
  passed.catch(() => undefined);
  return { signal: controller.signal, passed, clear: () => clearTimeout(timer) };
}
