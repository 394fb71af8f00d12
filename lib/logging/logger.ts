import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout (Vercel's log drains and Loki read them as they are). Keys and secrets are
 * never passed to the logger; the redaction below is a second line of defence.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
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
    options.destination ?? process.stdout,
  );
}
