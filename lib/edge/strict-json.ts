import { HttpError } from './http-error.js';

/** Largest request body read; anything larger is refused with 413 before it is parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The first key that an object in valid JSON text repeats, at any depth, or null. JSON.parse keeps
 * the last of two equal keys, so `{"dry_run":true,"dry_run":false}` would quietly run for real:
 * a request that says two things says nothing. Keys are compared decoded (`"a"` and `"\u0061"` are
 * the same key). The text must already have parsed: this only walks its tokens.
 */
export function repeatedKey(text: string): string | null {
  // One entry per open container: the keys an object has seen, or null for an array.
  const open: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open[open.length - 1];
      if (keys && expectingKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectingKey = false;
      }
      index = end;
    } else if (character === '{') {
      open.push(new Set());
      expectingKey = true;
    } else if (character === '[') {
      open.push(null);
      expectingKey = false;
    } else if (character === '}' || character === ']') {
      open.pop();
      expectingKey = false;
    } else if (character === ',') {
      expectingKey = open[open.length - 1] != null;
    }
  }
  return null;
}

/**
 * The one reader of a JSON request body, for every endpoint that takes one: at most `maxBytes`
 * (MAX_BODY_BYTES unless the endpoint takes more; 413 past it, declared or streamed), an object
 * (400 otherwise), and no key given twice in any object (400 naming it). An empty body is `{}`.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new HttpError(413, `request body over ${maxBytes} bytes`);
  if (!request.body) return {};
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, `request body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  const repeated = repeatedKey(text);
  if (repeated !== null) {
    throw new HttpError(
      400,
      `request body gives the key ${JSON.stringify(repeated.slice(0, 40))} more than once`,
    );
  }
  return parsed as Record<string, unknown>;
}
