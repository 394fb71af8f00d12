// GET|PUT|DELETE /admin/pricing/pins (rewritten here by vercel.json); admin key required.
import { handle } from '../../../lib/app/handle.js';
import { methodNotAllowed } from '../../../lib/edge/method-not-allowed.js';
import { pinsList, pinsRemove, pinsSet } from '../../../lib/functions/pins-endpoint.js';

export const GET = handle(pinsList);
export const PUT = handle(pinsSet);
export const DELETE = handle(pinsRemove);
export const POST = methodNotAllowed('GET, PUT, DELETE');
export const PATCH = methodNotAllowed('GET, PUT, DELETE');
