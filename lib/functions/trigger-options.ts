import { HttpError } from '../edge/http-error.js';
import type { ProviderSlug } from '../providers/price-record.js';
import { booleanWord } from '../text/boolean-word.js';

export interface TriggerOptions {
  dryRun: boolean;
  force: boolean;
  providers: ProviderSlug[] | undefined;
}

/** Largest trigger body read; anything larger is refused with 413 before it is parsed. */
export const MAX_TRIGGER_BODY_BYTES = 16 * 1024;
const KNOWN = ['dry_run', 'providers', 'force'];

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? booleanWord(value) : null;
  if (word !== null) return word;
  throw new HttpError(400, `${name} must be true or false`);
}

function providersOption(value: unknown, configured: readonly ProviderSlug[]): ProviderSlug[] {
  const names =
    typeof value === 'string'
      ? value.split(',').map((name) => name.trim())
      : Array.isArray(value) && value.every((name) => typeof name === 'string')
        ? (value as string[]).map((name) => name.trim())
        : null;
  if (!names || names.length === 0 || names.some((name) => name === '')) {
    throw new HttpError(400, 'providers must be a comma-separated list or an array of provider names');
  }
  const unknown = names.filter((name) => !(configured as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const shown = unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
    throw new HttpError(400, `unknown provider ${shown}: configured providers are ${configured.join(', ')}`);
  }
  return [...new Set(names)] as ProviderSlug[];
}

export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_TRIGGER_BODY_BYTES)
    throw new HttpError(413, `request body over ${MAX_TRIGGER_BODY_BYTES} bytes`);
  if (!request.body) return {};
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_TRIGGER_BODY_BYTES) {
      await reader.cancel();
      throw new HttpError(413, `request body over ${MAX_TRIGGER_BODY_BYTES} bytes`);
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
  return parsed as Record<string, unknown>;
}

/**
 * Options from the query string and a JSON body (the body wins); anything unknown is a 400, and so
 * is a query parameter given twice: `?dry_run=true&dry_run=false` must not quietly run for real.
 */
export async function readTriggerOptions(
  request: Request,
  configured: readonly ProviderSlug[],
): Promise<TriggerOptions> {
  const options: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of new URL(request.url).searchParams) {
    if (Object.hasOwn(options, name)) {
      throw new HttpError(400, `option ${JSON.stringify(name.slice(0, 40))} is given more than once`);
    }
    options[name] = value;
  }
  for (const [name, value] of Object.entries(await readBody(request))) options[name] = value;
  const unknown = Object.keys(options).filter((name) => !KNOWN.includes(name));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      `unknown option ${unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ')}: known options are ${KNOWN.join(', ')}`,
    );
  }
  return {
    dryRun: options.dry_run === undefined ? false : booleanOption('dry_run', options.dry_run),
    force: options.force === undefined ? false : booleanOption('force', options.force),
    providers: options.providers === undefined ? undefined : providersOption(options.providers, configured),
  };
}
