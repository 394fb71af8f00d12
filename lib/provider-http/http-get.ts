import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';

/**
 * One answer to a GET, whichever transport got it: its status, its headers, and its body as decoded
 * (`Content-Encoding` undone), chunk by chunk.
 */
export interface Reply {
  status: number;
  /** A header's value (several joined by `, `), or null. */
  header(name: string): string | null;
  /** The body, read once; null when there is none. */
  body: AsyncIterable<Uint8Array> | null;
  /**
   * Whether the body's bytes are those sent (no coding undone), so that a declared
   * `Content-Length` counts them: a decoded body may be shorter than it (a small gzip body is).
   */
  asSent: boolean;
  /** Stops reading the body and lets the connection go. */
  discard(): void;
}

/** fetch's limit (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
export const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const noop = () => undefined;

/**
 * GET `url` with Node's own HTTP client (`node:http` / `node:https`, keep-alive through their global
 * agents) as `fetch` would: redirects followed (at most MAX_REDIRECTS; `Authorization` dropped when
 * one leaves the origin), gzip, deflate and br undone. It resolves once the final answer's headers
 * are in; its body streams after, and `signal` stops both.
 *
 * Why not `fetch`: in a fresh process, `fetch` spent ~4× the CPU on a sync's ~20 catalog pages
 * (139 ms against 35 ms, most of it compiling undici's WebAssembly HTTP parser and its web
 * streams; docs/performance.md), and a sync runs in a fresh function instance.
 */
export function httpGet(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  redirectsLeft = MAX_REDIRECTS,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      reject(error);
      return;
    }
    const send =
      target.protocol === 'https:' ? https.request : target.protocol === 'http:' ? http.request : null;
    if (send === null) {
      reject(new TypeError(`unsupported protocol ${target.protocol} (only http: and https:)`));
      return;
    }
    const request = send(
      target,
      { method: 'GET', headers: { 'accept-encoding': 'gzip, deflate, br', ...headers }, signal },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (!REDIRECT_STATUSES.has(status) || location === undefined) {
          resolve(replyOf(response, signal));
          return;
        }
        // A redirect's body is not wanted: drained, it would be read with no cap and no timeout
        // (an endless one would keep the process alive). Its connection goes with it.
        response.on('error', noop);
        response.destroy();
        if (redirectsLeft === 0) {
          reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
          return;
        }
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          reject(new Error(`a redirect to an invalid Location: ${JSON.stringify(location.slice(0, 200))}`));
          return;
        }
        resolve(
          httpGet(
            next.href,
            next.origin === target.origin ? headers : withoutAuthorization(headers),
            signal,
            redirectsLeft - 1,
          ),
        );
      },
    );
    // After the answer resolved, an error (the socket reset mid-body) reaches its body stream too.
    request.on('error', reject);
    request.end();
  });
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
}

function replyOf(response: IncomingMessage, signal: AbortSignal): Reply {
  // A body nobody reads (discarded) may still fail; that failure changes nothing.
  response.on('error', noop);
  const body = decoded(response);
  // The abort stops the body too. It destroys the request, but a body already received whole
  // (a small compressed one that decodes to megabytes) would still be read and decoded to its end.
  const stop = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) stop();
  else {
    signal.addEventListener('abort', stop, { once: true });
    body.once('close', () => signal.removeEventListener('abort', stop));
  }
  return {
    status: response.statusCode ?? 0,
    header(name) {
      const value = response.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    body,
    asSent: body === response,
    discard() {
      body.destroy();
      response.destroy();
    },
  };
}

/**
 * The body with its `Content-Encoding` undone, last applied first, as fetch does; a coding we do
 * not know leaves the bytes as sent (fetch does the same). A corrupt or cut-off compressed body is
 * an error of the stream.
 */
function decoded(response: IncomingMessage): Readable {
  const header = response.headers['content-encoding'];
  // No body to decode (an empty compressed stream is an error to zlib; fetch does the same).
  const empty =
    response.statusCode === 204 || response.statusCode === 304 || response.headers['content-length'] === '0';
  if (header === undefined || empty) return response;
  const codings = header
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const decoders: Transform[] = [];
  for (const coding of codings.reverse()) {
    const decoder =
      coding === 'gzip' || coding === 'x-gzip'
        ? zlib.createGunzip()
        : coding === 'deflate'
          ? zlib.createInflate()
          : coding === 'br'
            ? zlib.createBrotliDecompress()
            : null;
    if (decoder === null) return response;
    decoders.push(decoder);
  }
  let body: Readable = response;
  // Each step fails the next: a corrupt body is an error of the last stream, which is read.
  for (const decoder of decoders) body = pipeline(body, decoder, noop);
  return body;
}

/** A `fetch` Response as a Reply: for a client given its own `fetch` (a test's stand-in). */
export function replyOfResponse(response: Response): Reply {
  // fetch undoes any coding but identity; its headers still name it.
  const coding = response.headers.get('content-encoding')?.trim().toLowerCase();
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: response.body === null ? null : chunksOf(response.body),
    asSent: coding === undefined || coding === '' || coding === 'identity',
    discard() {
      void response.body?.cancel().catch(noop);
    },
  };
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Left early (a cap passed, a snippet taken): the rest is not wanted.
    await reader.cancel().catch(noop);
  }
}
