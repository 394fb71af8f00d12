// GET /prices/model_prices_and_context_window.json (rewritten here by vercel.json): a LiteLLM cost
// map for LITELLM_MODEL_COST_MAP_URL, streamed.
import { handle } from '../../lib/app/handle.js';
import { serveLiteLlmMap } from '../../lib/functions/litellm-map-endpoint.js';

export const GET = handle(serveLiteLlmMap);
