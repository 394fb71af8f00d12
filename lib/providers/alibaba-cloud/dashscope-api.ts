import { z } from 'zod';

/** DashScope `GET {base}/models` (OpenAI-compatible, key required): ids only, no prices. */
export const dashScopeModelListSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1).max(512) })),
});
