// Runs in a plain node process (no tsx, no vitest): imports one function as Vercel built it and
// answers a list of requests, the way Vercel's Node runtime calls a Web-standard handler.
// argv[2]: JSON { entry, calls: [{ method, path, headers?, body? }], exitWhenSettled }
// Prints one JSON line per call on stdout, then {"settled": true} once every waitUntil promise
// has settled (Vercel could freeze the instance from then on), and exits then if asked to (an open
// database pool would otherwise keep the process for its idle timeout).
/* global Request */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const { entry, calls, exitWhenSettled } = JSON.parse(process.argv[2]);

// Vercel's runtime hands each invocation a request context whose waitUntil keeps the instance alive
// until the given promises settle; @vercel/functions reads it from this global.
const pending = [];
globalThis[Symbol.for('@vercel/request-context')] = {
  get: () => ({ waitUntil: (promise) => pending.push(promise) }),
};

const startedAt = performance.now();
const module = await import(pathToFileURL(entry).href);
const importedMs = performance.now() - startedAt;
for (const call of calls) {
  const handler = module[call.method];
  if (typeof handler !== 'function') {
    console.log(JSON.stringify({ method: call.method, path: call.path, missing: true }));
    continue;
  }
  const before = performance.now();
  const response = await handler(
    new Request(`http://127.0.0.1${call.path}`, {
      method: call.method,
      headers: call.headers ?? {},
      body: call.body,
    }),
  );
  const text = await response.text();
  const answeredMs = performance.now() - before;
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the metrics exposition): kept as text.
  }
  console.log(
    JSON.stringify({
      method: call.method,
      path: call.path,
      status: response.status,
      contentType: response.headers.get('content-type'),
      etag: response.headers.get('etag'),
      cacheControl: response.headers.get('cache-control'),
      bodyBytes: Buffer.byteLength(text),
      body,
      answeredMs,
      importedMs,
    }),
  );
}
await Promise.allSettled(pending.splice(0));
process.stdout.write(`${JSON.stringify({ settled: true })}\n`, () => {
  if (exitWhenSettled) process.exit(0);
});
