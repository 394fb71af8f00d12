import type { AppContext } from '../app/app-context.js';
import { requireKey } from '../edge/authorize.js';
import { HttpError } from '../edge/http-error.js';
import { requireConfig } from '../edge/invalid-configuration.js';
import { json } from '../edge/responses.js';
import type { ConfigScope } from '../config.js';
import type { ActionAnswer } from '../operator/operator-actions.js';
import { OperatorStore } from '../db/operator-store.js';

/**
 * The admin operator endpoints' common part: the admin key (an unset key denies every call), the
 * operator's store, and the answer as JSON. `admin` names the key that acted (decided_by, pinned_by).
 */
export async function operatorEndpoint(
  request: Request,
  context: AppContext,
  act: (store: OperatorStore, admin: string, url: URL) => Promise<ActionAnswer>,
  /** What the action needs from the configuration: the database, or the pins' price bound too. */
  needs: ConfigScope = 'storage',
): Promise<Response> {
  const admin = actingAdmin(request, requireKey(request, context.config.adminKeys, 'ADMIN_API_KEY'));
  // As the trigger: with the storage configuration broken (no database on Vercel, say), say so
  // before reading any input, so every call names what to fix. Other errors leave these alone.
  requireConfig(context.config, needs);
  const answer = await act(new OperatorStore(context.store), admin, new URL(request.url));
  if (answer.status === 200 && request.method !== 'GET') {
    // The action's events are committed with it: send them now, without waiting.
    context.webhooks.afterCommit();
    context.logger.info(
      { admin, run_id: answer.body.run_id, path: new URL(request.url).pathname },
      'operator action applied',
    );
  }
  return json(answer.status, answer.body);
}

/** The header `npm run admin` sends when it acts through a server: `cli:<OS user>`. */
export const VIA_HEADER = 'x-pricing-via';

/**
 * Who acted: the admin key's name, and, when `npm run admin` called through a local server, the
 * CLI's OS user it names (`ops (via: cli:alice)`). The key is what authenticates; `via` only says
 * which terminal used it. A header that is not `cli:<user>` is a 400, never stored.
 */
export function actingAdmin(request: Request, admin: string): string {
  const via = request.headers.get(VIA_HEADER);
  if (via === null) return admin;
  if (!/^cli:[\w.@-]{1,64}$/.test(via)) {
    throw new HttpError(400, `${VIA_HEADER} must be cli:<user> (letters, digits, ._@-)`);
  }
  return `${admin} (via: ${via})`;
}
