/**
 * The words a boolean setting or option accepts, everywhere: env vars (`PRICING_SYNC_ENABLED`,
 * `TEMPO_ENABLED`, `LOCAL_CRON`, …) and the trigger's `dry_run` / `force`. Case and surrounding
 * spaces do not matter.
 */
export const TRUE_WORDS: readonly string[] = ['true', '1', 'yes', 'on'];
export const FALSE_WORDS: readonly string[] = ['false', '0', 'no', 'off'];

/** true or false for one of the words, null for anything else (unset included). */
export function booleanWord(value: string | undefined): boolean | null {
  const word = value?.trim().toLowerCase();
  if (word === undefined) return null;
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return null;
}
