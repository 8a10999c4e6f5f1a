import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ParsedChunk<T> {
  items: T[];
  /** Offset just past the last complete line: the next read starts here. A torn tail is never consumed. */
  end: number;
  /** Complete lines that were not valid JSON (reported, skipped). */
  bad: Array<{ line: number; error: string }>;
  /** Line number of each item. */
  lineNos: number[];
  /** Complete lines consumed (blank ones included). */
  lines: number;
}

/**
 * Reads the complete lines of a JSONL file from `start`. A last line without its newline is a write torn by a crash
 * (or one still being written): it is left unread, and everything before it is kept.
 */
export function readJsonlFrom<T = unknown>(path: string, start = 0, firstLineNo = 1): ParsedChunk<T> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], end: start, bad: [], lineNos: [], lines: 0 };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= start) return { items: [], end: start, bad: [], lineNos: [], lines: 0 };
    const buf = Buffer.allocUnsafe(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return parseJsonlBuffer<T>(buf.subarray(0, got), start, firstLineNo);
  } finally {
    closeSync(fd);
  }
}

export function parseJsonlBuffer<T>(buf: Buffer, base: number, firstLineNo = 1): ParsedChunk<T> {
  const lastNl = buf.lastIndexOf(0x0a);
  if (lastNl < 0) return { items: [], end: base, bad: [], lineNos: [], lines: 0 };
  const text = buf.toString('utf8', 0, lastNl);
  const items: T[] = [];
  const bad: ParsedChunk<T>['bad'] = [];
  const lineNos: number[] = [];
  let lineNo = firstLineNo;
  for (const line of text.split('\n')) {
    if (line.trim()) {
      try {
        items.push(JSON.parse(line) as T);
        lineNos.push(lineNo);
      } catch (e) {
        bad.push({ line: lineNo, error: (e as Error).message });
      }
    }
    lineNo++;
  }
  return { items, end: base + lastNl + 1, bad, lineNos, lines: lineNo - firstLineNo };
}
