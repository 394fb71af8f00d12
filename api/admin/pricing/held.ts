// GET|POST /admin/pricing/held (rewritten here by vercel.json); admin key required.
import { handle } from '../../../lib/app/handle.js';
import { methodNotAllowed } from '../../../lib/edge/method-not-allowed.js';
import { heldDecide, heldList } from '../../../lib/functions/held-endpoint.js';

export const GET = handle(heldList);
export const POST = handle(heldDecide);
export const PUT = methodNotAllowed('GET, POST');
export const PATCH = methodNotAllowed('GET, POST');
export const DELETE = methodNotAllowed('GET, POST');
