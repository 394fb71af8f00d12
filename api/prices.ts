// GET /prices and GET /prices/changes (both rewritten here by vercel.json): the prices in force
// for a gateway, and the change feed.
import { handle } from '../lib/app/handle.js';
import { servePriceReads } from '../lib/functions/prices-endpoint.js';

export const GET = handle(servePriceReads);
