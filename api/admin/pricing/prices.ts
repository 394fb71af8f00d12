// GET /admin/pricing/prices (rewritten here by vercel.json); admin key required.
import { handle } from '../../../lib/app/handle.js';
import { methodNotAllowed } from '../../../lib/edge/method-not-allowed.js';
import { pricesAtTime } from '../../../lib/functions/admin-prices-endpoint.js';

export const GET = handle(pricesAtTime);
export const POST = methodNotAllowed('GET');
export const PUT = methodNotAllowed('GET');
export const PATCH = methodNotAllowed('GET');
export const DELETE = methodNotAllowed('GET');
