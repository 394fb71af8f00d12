/**
 * Milliseconds to wait from a `Retry-After` header: either delay-seconds (`"7"`) or an HTTP date.
 * Returns null when the header is absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null;
  }
  // An HTTP date always names a weekday and GMT; anything else is not a date we trust.
  if (!/GMT$/i.test(value)) return null;
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}
