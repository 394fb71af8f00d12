// GET /prices (rewritten here by vercel.json): the prices in force for a gateway.
import { handle } from '../lib/app/handle.js';
import { servePrices } from '../lib/functions/prices-endpoint.js';

export const GET = handle(servePrices);
