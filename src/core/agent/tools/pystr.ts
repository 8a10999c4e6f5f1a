/** Small re-implementations of the Python string behaviours the editor's observations depend on. */

/** Python's str.expandtabs(tabsize): column-aware, the column resets at \n and \r. */
export function expandTabs(s: string, tabSize = 8): string {
  if (!s.includes('\t')) return s;
  let out = '';
  let col = 0;
  for (const ch of s) {
    if (ch === '\t') {
      const n = tabSize - (col % tabSize);
      out += ' '.repeat(n);
      col += n;
    } else if (ch === '\n' || ch === '\r') {
      out += ch;
      col = 0;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

/** Python's non-overlapping str.count(sub) for a non-empty sub. */
export function countOccurrences(haystack: string, needle: string): number {
  if (!needle) return 0;
  let n = 0;
  let i = haystack.indexOf(needle);
  while (i !== -1) {
    n++;
    i = haystack.indexOf(needle, i + needle.length);
  }
  return n;
}

/** Length in code points (Python's len on str). */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** s[:n] in code points. */
export function pySlice(s: string, n: number): string {
  return Array.from(s).slice(0, n).join('');
}

/** Python's repr of a list of ints: [1, 2]. */
export function pyIntList(xs: readonly number[]): string {
  return `[${xs.join(', ')}]`;
}

/** Text-mode read as Python's Path.read_text does it: universal newlines. */
export function universalNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** pathlib's normalisation of a path string: repeated and trailing slashes and `.` components dropped. */
export function normalizePath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  const body = parts.join('/');
  if (abs) return '/' + body;
  return body === '' ? '.' : body;
}

export { shellQuote } from '../../util/shell-quote.js';
