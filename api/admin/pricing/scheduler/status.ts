// GET /admin/pricing/scheduler/status (rewritten here by vercel.json); admin key required.
import { handle } from '../../../../lib/app/handle.js';
import { schedulerStatus } from '../../../../lib/functions/scheduler-status-endpoint.js';

export const GET = handle(schedulerStatus);
