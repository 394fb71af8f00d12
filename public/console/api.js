// The admin API, with the key kept in sessionStorage only (never localStorage, a cookie or a URL).

const KEY = 'pricing-sync-admin-key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** Thrown for a 401: the app returns to sign-in with this message. */
export class SignedOut extends Error {}

/**
 * Calls an admin endpoint with the bearer key. Answers {status, body}; a 401 signs out and throws
 * SignedOut; any other status is the caller's to show.
 */
export async function api(path, options = {}) {
  const key = session.key();
  if (!key) throw new SignedOut('Sign in with an admin key.');
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const body = await response.json().catch(() => ({ success: false, error: `HTTP ${response.status}` }));
  if (response.status === 401) {
    session.signOut();
    const text = `The admin key was refused (${body.error ?? 'unauthorized'}). Sign in again.`;
    // The app returns to sign-in, whichever view or button made the call.
    window.dispatchEvent(new CustomEvent('console:signed-out', { detail: text }));
    throw new SignedOut(`The admin key was refused (${body.error ?? 'unauthorized'}). Sign in again.`);
  }
  return { status: response.status, body };
}

/** A query string from an object, leaving out null and empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A refusal in words: the error, and the details a 409 lists. */
export function refusalText(body) {
  const parts = [body.error ?? 'refused'];
  for (const moved of body.moved ?? [])
    parts.push(`${moved.provider}/${moved.model_id}: the stored price moved since it was held.`);
  for (const row of body.not_pending ?? [])
    parts.push(`Held change ${row.id} is ${row.status}, no longer pending.`);
  for (const row of body.pinned ?? []) parts.push(`${row.provider}/${row.model_id} is pinned.`);
  if (body.running_run_id)
    parts.push(`Run ${body.running_run_id} is syncing; try again when it has finished.`);
  return parts.join(' ');
}
