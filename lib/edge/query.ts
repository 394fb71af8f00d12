import { HttpError } from './http-error.js';

/** The 400 for names a request gives that the endpoint does not know, listing those it does. */
export function unknownNames(
  names: readonly string[],
  known: readonly string[],
  noun = 'parameter',
): HttpError {
  const shown = names.map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
  return new HttpError(400, `unknown ${noun} ${shown}; known: ${known.join(', ')}`);
}

/**
 * The one reader of a query string, for every endpoint that takes one: the value of each known
 * parameter (null when absent). A name the endpoint does not know is a 400, and so is one given
 * twice: read as the first or the last, `?provider=a&provider=b` would quietly serve a's prices as
 * if b had none, and `?dry_run=true&dry_run=false` would run for real. `noun` names them in the
 * error (`option` for the trigger, whose body gives the same names).
 */
export function queryOf<K extends string>(
  url: URL,
  known: readonly K[],
  noun = 'parameter',
): Record<K, string | null> {
  const values = Object.fromEntries(known.map((name) => [name, null])) as Record<K, string | null>;
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    if (!(known as readonly string[]).includes(name)) throw unknownNames([name], known, noun);
    if (seen.has(name)) {
      throw new HttpError(
        400,
        `${noun} ${JSON.stringify(name)} is given more than once; list several values comma-separated`,
      );
    }
    seen.add(name);
    values[name as K] = value;
  }
  return values;
}
