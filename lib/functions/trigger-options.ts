import { HttpError } from '../edge/http-error.js';
import { queryOf, unknownNames } from '../edge/query.js';
import { readJsonBody } from '../edge/strict-json.js';
import type { ProviderSlug } from '../providers/price-record.js';
import { booleanWord, FALSE_WORDS, TRUE_WORDS } from '../text/boolean-word.js';

export interface TriggerOptions {
  dryRun: boolean;
  force: boolean;
  providers: ProviderSlug[] | undefined;
}

const KNOWN = ['dry_run', 'providers', 'force'] as const;

/** `true or false (or 1/0, yes/no, on/off)`: every word booleanWord accepts, said in one line. */
const BOOLEAN_WORDS = `${TRUE_WORDS[0]} or ${FALSE_WORDS[0]} (or ${TRUE_WORDS.slice(1)
  .map((word, index) => `${word}/${FALSE_WORDS[index + 1]}`)
  .join(', ')})`;

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? booleanWord(value) : null;
  if (word !== null) return word;
  throw new HttpError(400, `${name} must be ${BOOLEAN_WORDS}, got ${JSON.stringify(value).slice(0, 40)}`);
}

function providersOption(value: unknown, configured: readonly ProviderSlug[]): ProviderSlug[] {
  const names =
    typeof value === 'string'
      ? value.split(',').map((name) => name.trim())
      : Array.isArray(value) && value.every((name) => typeof name === 'string')
        ? (value as string[]).map((name) => name.trim())
        : null;
  if (!names || names.length === 0 || names.some((name) => name === '')) {
    throw new HttpError(400, 'providers must be a comma-separated list or an array of provider names');
  }
  const unknown = names.filter((name) => !(configured as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const shown = unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
    throw new HttpError(400, `unknown provider ${shown}: configured providers are ${configured.join(', ')}`);
  }
  return [...new Set(names)] as ProviderSlug[];
}

/**
 * Options from the query string and a JSON body (the body wins); anything unknown is a 400, and so
 * is a query parameter given twice (queryOf): `?dry_run=true&dry_run=false` must not quietly run
 * for real.
 */
export async function readTriggerOptions(
  request: Request,
  configured: readonly ProviderSlug[],
): Promise<TriggerOptions> {
  const options: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(queryOf(new URL(request.url), KNOWN, 'option'))) {
    if (value !== null) options[name] = value;
  }
  for (const [name, value] of Object.entries(await readJsonBody(request))) options[name] = value;
  const unknown = Object.keys(options).filter((name) => !(KNOWN as readonly string[]).includes(name));
  if (unknown.length > 0) throw unknownNames(unknown, KNOWN, 'option');
  return {
    dryRun: options.dry_run === undefined ? false : booleanOption('dry_run', options.dry_run),
    force: options.force === undefined ? false : booleanOption('force', options.force),
    providers: options.providers === undefined ? undefined : providersOption(options.providers, configured),
  };
}
