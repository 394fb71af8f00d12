import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.js';

const CHALLENGE = { 'www-authenticate': 'Bearer' };

/** The bearer token of a request, or null. Tokens elsewhere (query string, cookies) are ignored. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Constant-time equality; hashing first makes the comparison independent of either length. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Returns the name of the key the request carries, or throws 401. With no keys configured every
 * call is denied (fail closed). Every key is compared, so timing does not tell which one matched.
 */
export function requireKey(
  request: Request,
  keys: readonly { name: string; key: string }[],
  what: string,
): string {
  const token = bearerToken(request);
  let matched: string | null = null;
  for (const candidate of keys) {
    if (token !== null && sameSecret(token, candidate.key) && matched === null) matched = candidate.name;
  }
  if (keys.length === 0) throw new HttpError(401, `${what} is not configured: access denied`, CHALLENGE);
  if (token === null) throw new HttpError(401, 'missing bearer token', CHALLENGE);
  if (matched === null) throw new HttpError(401, 'invalid bearer token', CHALLENGE);
  return matched;
}
