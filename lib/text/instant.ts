/**
 * The one reader of an instant given by a person or a request: `at`, `expires_at`,
 * `updated_since`, the CLI's `--at` and `--expires`. What it accepts, Postgres can store; what it
 * refuses is the caller's 400 (or the CLI's one line), never a database error.
 */

/** What an instant looks like, for the messages that refuse one. */
export const INSTANT_FORM = 'an ISO 8601 instant with a time zone, like 2026-11-24T12:00:00Z';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * Years whose instants every store takes as they are: timestamptz reaches from 4713 BC to 294276
 * AD, but ISO text has no year 0 for Postgres (`0000-01-01` is out of range) and a year past 9999
 * needs a sign and more digits, so an instant is kept to years 1 to 9999 in UTC.
 */
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

/**
 * The instant as UTC ISO text with up to microseconds (Postgres keeps them, and `at` may name one
 * exactly), or null for anything else: no time zone, a day the month does not have (Feb 30 is
 * refused, not rolled over), an hour past 23, or a UTC year outside 1 to 9999. `dateAlone` also
 * takes a bare date (`2026-11-24`) as its midnight UTC.
 */
export function parseInstant(value: unknown, options: { dateAlone?: boolean } = {}): string | null {
  if (typeof value !== 'string') return null;
  const match = INSTANT.exec(value.trim());
  if (!match) return null;
  const [year, month, day] = [1, 2, 3].map((group) => Number(match[group]));
  const hasTime = match[4] !== undefined;
  if (!hasTime && !options.dateAlone) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  const calendar = new Date(0);
  calendar.setUTCFullYear(year!, month! - 1, day!);
  if (calendar.getUTCDate() !== day || calendar.getUTCMonth() !== month! - 1) return null;
  if (!hasTime) return checkedYear(calendar);
  if (Number(match[4]) > 23) return null;
  const time = Date.parse(
    `${match.slice(1, 4).join('-')}T${match[4]}:${match[5]}:${match[6] ?? '00'}${offset(match[8]!)}`,
  );
  if (Number.isNaN(time)) return null;
  const iso = checkedYear(new Date(time));
  if (iso === null) return null;
  const fraction = match[7];
  if (fraction === undefined) return iso;
  // Date keeps whole seconds here; the offset is whole minutes, so the given sub-second digits hold.
  return `${iso.slice(0, 19)}.${fraction.padEnd(3, '0').slice(0, 6)}Z`;
}

/** `Z`, or an offset as Date.parse reads it (`+0530` becomes `+05:30`). */
function offset(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

function checkedYear(date: Date): string | null {
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < FIRST_YEAR || year > LAST_YEAR) return null;
  return date.toISOString();
}
