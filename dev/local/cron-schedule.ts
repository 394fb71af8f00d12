/**
 * The next time a 5-field cron expression (minute hour day-of-month month day-of-week, UTC, as
 * Vercel reads them) matches after `after`. Supports `*`, `*\/n`, `a`, `a-b`, `a-b/n` and lists.
 */
export function nextCronTime(expression: string, after: Date): Date {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`cron expression must have 5 fields: ${JSON.stringify(expression)}`);
  const [minute, hour, day, month, weekday] = [
    parseField(fields[0]!, 0, 59),
    parseField(fields[1]!, 0, 23),
    parseField(fields[2]!, 1, 31),
    parseField(fields[3]!, 1, 12),
    parseField(fields[4]!, 0, 6),
  ];
  const candidate = new Date(after.getTime());
  candidate.setUTCSeconds(0, 0);
  candidate.setUTCMinutes(candidate.getUTCMinutes() + 1);
  for (let step = 0; step < 366 * 24 * 60; step += 1) {
    if (
      minute.has(candidate.getUTCMinutes()) &&
      hour.has(candidate.getUTCHours()) &&
      day.has(candidate.getUTCDate()) &&
      month.has(candidate.getUTCMonth() + 1) &&
      weekday.has(candidate.getUTCDay())
    ) {
      return candidate;
    }
    candidate.setUTCMinutes(candidate.getUTCMinutes() + 1);
  }
  throw new Error(`cron expression never matches: ${JSON.stringify(expression)}`);
}

function parseField(field: string, minimum: number, maximum: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`unsupported cron field ${JSON.stringify(field)}`);
    const start = match[1] === '*' ? minimum : Number(match[2]);
    const end =
      match[1] === '*' ? maximum : match[3] !== undefined ? Number(match[3]) : match[4] ? maximum : start;
    const step = match[4] ? Number(match[4]) : 1;
    if (start < minimum || end > maximum || step < 1)
      throw new Error(`cron field out of range: ${JSON.stringify(field)}`);
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return values;
}
