// GET /metrics (rewritten here by vercel.json): Prometheus exposition from stored totals.
import { handle } from '../lib/app/handle.js';
import { serveMetrics } from '../lib/functions/metrics-endpoint.js';

export const GET = handle(serveMetrics);
