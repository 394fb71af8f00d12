import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { prettyLine } from './pretty-line.js';

export type { Logger };

/** `json`: one JSON object per line (Vercel, log drains, pipes). `pretty`: one readable line per event. */
export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT=json or pretty when set; otherwise readable lines on a terminal and JSON anywhere
 * else (Vercel's stdout is never a terminal).
 */
export function logFormatFor(
  env: Record<string, string | undefined>,
  stream: { isTTY?: boolean } = process.stdout,
): LogFormat {
  const chosen = env.LOG_FORMAT?.trim().toLowerCase();
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return stream.isTTY ? 'pretty' : 'json';
}

/** Rewrites pino's JSON lines as readable ones before they reach `destination`. */
function prettyStream(destination: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) destination.write(`${prettyLine(line)}\n`);
      done();
    },
  });
}

/**
 * JSON lines on stdout (Vercel's log drains and Loki read them as they are), or readable lines
 * with `format: 'pretty'`. Keys and secrets are never passed to the logger; the redaction below is
 * a second line of defence.
 */
export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const destination = options.destination ?? process.stdout;
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'pricing-sync' },
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          '*.authorization',
          'apiKey',
          '*.apiKey',
          'key',
          '*.key',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.format === 'pretty' ? prettyStream(destination) : destination,
  );
}
