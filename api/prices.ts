// GET /prices and GET /prices/changes (both rewritten here by vercel.json): the prices in force
// for a gateway, and the change feed.
// POST /prices/cost (rewritten here too: no function of its own): the cost of a batch of requests.
import { handle } from '../lib/app/handle.js';
import { servePriceCost } from '../lib/functions/cost-endpoint.js';
import { servePriceReads } from '../lib/functions/prices-endpoint.js';

export const GET = handle(servePriceReads);
export const POST = handle(servePriceCost);
