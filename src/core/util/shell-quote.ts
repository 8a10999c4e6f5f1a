/** Single-quotes a string for bash (Python's shlex.quote without the safe-character shortcut). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
