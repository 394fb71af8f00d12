// Module resolution hook (runs on node's loader thread): records each resolved URL.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (process.env.RESOLUTION_LOG) appendFileSync(process.env.RESOLUTION_LOG, `${resolved.url}\n`);
  return resolved;
}
