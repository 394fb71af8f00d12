// GET /api/cron/pricing-sync: called by Vercel Cron (hourly) with `Authorization: Bearer $CRON_SECRET`.
import { handle } from '../../lib/app/handle.js';
import { cronTick } from '../../lib/functions/cron-endpoint.js';

export const GET = handle(cronTick);
