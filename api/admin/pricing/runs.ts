// GET|POST /admin/pricing/runs (rewritten here by vercel.json); admin key required.
import { handle } from '../../../lib/app/handle.js';
import { methodNotAllowed } from '../../../lib/edge/method-not-allowed.js';
import { runsList, runsRollback } from '../../../lib/functions/runs-endpoint.js';

export const GET = handle(runsList);
export const POST = handle(runsRollback);
export const PUT = methodNotAllowed('GET, POST');
export const PATCH = methodNotAllowed('GET, POST');
export const DELETE = methodNotAllowed('GET, POST');
