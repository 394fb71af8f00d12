/** pino's numeric levels, as a person reads them. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, shown in the line's head (or not at all) instead of as `name=value`. */
const HEAD = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

function value(field: unknown): string {
  if (typeof field === 'string') return /^[^\s"=]+$/.test(field) ? field : JSON.stringify(field);
  if (field && typeof field === 'object' && 'message' in field) {
    // An error: its type and message; the stack is for JSON logs.
    const error = field as { type?: unknown; message?: unknown };
    return JSON.stringify(
      `${typeof error.type === 'string' ? `${error.type}: ` : ''}${String(error.message)}`,
    );
  }
  return JSON.stringify(field) ?? String(field);
}

/**
 * One pino JSON line as one readable line: `12:08:29.890 INFO  message name=value …`, the time in
 * UTC as the JSON's. A line that is not pino's JSON passes through as it is.
 */
export function prettyLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (typeof event !== 'object' || event === null) return json;
  const time = typeof event.time === 'string' ? event.time.slice(11, 23) : '';
  const level = LEVELS[event.level as number] ?? String(event.level);
  const fields = Object.entries(event)
    .filter(([name]) => !HEAD.has(name))
    .map(([name, field]) => `${name}=${value(field)}`);
  return [time, level, String(event.msg ?? ''), ...fields].filter(Boolean).join(' ');
}
