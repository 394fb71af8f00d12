// GET /health (rewritten here by vercel.json): for load balancers; no auth.
import { handle } from '../lib/app/handle.js';
import { healthCheck } from '../lib/functions/health-endpoint.js';

export const GET = handle(healthCheck);
