// GET /api/cron/pricing-sync: called by Vercel Cron (hourly) with `Authorization: Bearer $CRON_SECRET`.
import { handle } from '../../lib/edge/handle.js';
import { cronTick } from '../../lib/functions/cron-tick.js';

export const GET = handle(cronTick);
