import { configErrorsFor, type ConfigProblem, type ConfigScope } from '../config.js';
import { json } from './responses.js';

/**
 * A request that needs a part of the configuration that is wrong (no database on Vercel, a bad
 * provider URL): the edge answers it 500 with `config_errors`, so every call names what to fix.
 */
export class InvalidConfiguration extends Error {
  override readonly name = 'InvalidConfiguration';
  constructor(
    readonly configErrors: readonly string[],
    /** The line the edge logs at error level with the errors, or null for none. */
    readonly logLine: string | null = null,
  ) {
    super(`invalid configuration: ${configErrors.join('; ')}`);
  }
}

/**
 * Throws InvalidConfiguration when the configuration has an error that stops `scope`; other errors
 * (a weak METRICS_TOKEN for the sync, say) leave it alone.
 */
export function requireConfig(
  config: { problems: readonly ConfigProblem[] },
  scope: ConfigScope,
  logLine: string | null = null,
): void {
  const configErrors = configErrorsFor(config, scope);
  if (configErrors.length > 0) throw new InvalidConfiguration(configErrors, logLine);
}

/** The one answer to a configuration error. */
export function invalidConfigurationResponse(configErrors: readonly string[]): Response {
  return json(500, { success: false, error: 'invalid configuration', config_errors: configErrors });
}
