/** Where a command-line tool writes: its result lines, its messages, and (on a terminal) live progress. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /**
   * `text` (the default): one readable line per provider, and the JSON logs only from `error`
   * up. `json`: JSON log lines only (LOG_FORMAT=json, or stderr is not a terminal), so a
   * provider failure is said once either way.
   */
  format?: 'text' | 'json';
  /** On a terminal: raw writes to stderr for the live progress line. */
  progress?: (text: string) => void;
}
