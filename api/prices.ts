// GET /prices (rewritten here by vercel.json): the prices in force for a gateway.
// POST /prices/cost (rewritten here too: no function of its own): the cost of a batch of requests.
import { handle } from '../lib/app/handle.js';
import { servePriceCost } from '../lib/functions/cost-endpoint.js';
import { servePrices } from '../lib/functions/prices-endpoint.js';

export const GET = handle(servePrices);
export const POST = handle(servePriceCost);
