// POST /admin/pricing/scheduler/trigger (rewritten here by vercel.json); admin key required.
import { handle } from '../../../../lib/app/handle.js';
import { methodNotAllowed } from '../../../../lib/edge/method-not-allowed.js';
import { manualTrigger } from '../../../../lib/functions/scheduler-trigger-endpoint.js';

export const POST = handle(manualTrigger);
export const GET = methodNotAllowed('POST');
export const PUT = methodNotAllowed('POST');
export const PATCH = methodNotAllowed('POST');
export const DELETE = methodNotAllowed('POST');
