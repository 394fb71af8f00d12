// GET /metrics (rewritten here by vercel.json): Prometheus exposition from stored totals.
import { handle } from '../lib/edge/handle.js';
import { serveMetrics } from '../lib/metrics/serve-metrics.js';

export const GET = handle(serveMetrics);
