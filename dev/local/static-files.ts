import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import vercelJson from '../../vercel.json' with { type: 'json' };

/** vercel.json's outputDirectory: the static files Vercel serves before any rewrite. */
export const PUBLIC_DIR = resolve(
  fileURLToPath(new URL('../../', import.meta.url)),
  vercelJson.outputDirectory,
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/**
 * The file under public/ a GET or HEAD of `path` names, as Vercel serves it (a folder answers its
 * index.html), or null. A path that leaves the folder (`..`, an encoded slash or NUL) names nothing.
 */
export async function staticFile(method: string, path: string, root = PUBLIC_DIR): Promise<Response | null> {
  if (method !== 'GET' && method !== 'HEAD') return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return null;
  let file = join(root, decoded);
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file);
    return new Response(method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': String(body.byteLength),
        'cache-control': 'public, max-age=0, must-revalidate',
      },
    });
  } catch {
    return null;
  }
}

/** A vercel.json `source` as a RegExp: `:name` is one segment, `(…)` groups are regular expressions. */
function sourcePattern(source: string): RegExp {
  return new RegExp(`^${source.replace(/:([a-z]+)/gi, '([^/]+)')}$`);
}

/** vercel.json's `headers` that apply to `path`, in order (a later rule wins a name both set). */
export function configuredHeaders(path: string): [string, string][] {
  const rules: { source: string; headers: { key: string; value: string }[] }[] = vercelJson.headers ?? [];
  return rules
    .filter((rule) => sourcePattern(rule.source).test(path))
    .flatMap((rule) => rule.headers.map(({ key, value }): [string, string] => [key.toLowerCase(), value]));
}
