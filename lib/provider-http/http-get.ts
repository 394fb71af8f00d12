import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
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
 *
 * The decoders are made at the body's first bytes, as fetch makes them: a body with no bytes at all
 * is empty, not a broken stream (a chunked 200 labelled gzip with nothing in it), and `deflate`
 * is read as zlib's format when the body starts with a zlib header and as raw deflate otherwise
 * (servers send both under that name). Only the outermost coding's first bytes are seen: a raw
 * deflate under another coding is not read.
 */
function decoded(response: IncomingMessage): Readable {
  const header = response.headers['content-encoding'];
  // No body to decode.
  const empty =
    response.statusCode === 204 || response.statusCode === 304 || response.headers['content-length'] === '0';
  if (header === undefined || empty) return response;
  const codings = header
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
  if (codings.length === 0 || codings.some((coding) => !CODINGS.has(coding))) return response;
  // What the reader reads: the decoded bytes, once the first ones are in.
  const body = new PassThrough();
  let started = false;
  const begin = (first: Buffer | null) => {
    started = true;
    response.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    if (first === null) {
      body.end();
      return;
    }
    response.pause();
    response.unshift(first);
    const decoders = codings.map((coding, index) => decoderOf(coding, index === 0 ? first : null));
    // Each step fails the next: a corrupt body is an error of the last stream, which is read.
    pipeline([response, ...decoders, body], (error) => {
      if (error) body.destroy(error);
    });
  };
  const onData = (chunk: Buffer) => begin(chunk);
  const onEnd = () => begin(null);
  // Failed or closed before any of it arrived (the connection reset): the body is cut off, not empty.
  const onError = (error: Error) => {
    if (!started) body.destroy(error);
  };
  const onClose = () => {
    if (!started) body.destroy(new Error('the body was cut off before any of it arrived'));
  };
  response.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  // Stopped before it started (an abort, a discard): the response goes too.
  body.once('close', () => {
    if (!started) response.destroy();
  });
  return body;
}

const CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** The decoder of one coding; `first`, the bytes it starts with when known (deflate's format). */
function decoderOf(coding: string, first: Buffer | null): Transform {
  if (coding === 'br') return zlib.createBrotliDecompress();
  if (coding === 'deflate')
    return first === null || isZlibHeader(first) ? zlib.createInflate() : zlib.createInflateRaw();
  return zlib.createGunzip();
}

/** RFC 1950: the method nibble is 8 (deflate), and the first two bytes are a multiple of 31. */
function isZlibHeader(first: Buffer): boolean {
  if ((first[0]! & 0x0f) !== 8) return false;
  return first.length < 2 || ((first[0]! << 8) | first[1]!) % 31 === 0;
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
