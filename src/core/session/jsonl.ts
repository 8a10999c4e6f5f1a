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

export interface ScanResult {
  end: number;
  bad: Array<{ line: number; error: string }>;
  lines: number;
}

/** Blocks the file is read in: memory stays bounded whatever the file's size. */
const BLOCK = 4 * 1024 * 1024;
/**
 * A longer line is skipped (reported as bad) without being decoded: V8 cannot hold a string over ~512 MiB, and no
 * event swegym writes comes near this (see output-budget.ts).
 */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * Streams the complete lines of a JSONL file from `start` to `onItem`, block by block. A last line without its
 * newline is a write torn by a crash (or one still being written): it is left unread, and everything before it is
 * kept. `maxBytes` stops after about that many bytes (at a line end), for readers that poll.
 */
export function scanJsonl(
  path: string,
  start: number,
  firstLineNo: number,
  onItem: (item: unknown, lineNo: number) => void,
  opts: { maxBytes?: number } = {},
): ScanResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { end: start, bad: [], lines: 0 };
    throw e;
  }
  const bad: ScanResult['bad'] = [];
  let lineNo = firstLineNo;
  let end = start;
  try {
    const size = fstatSync(fd).size;
    const stopAt = opts.maxBytes === undefined ? size : Math.min(size, start + opts.maxBytes);
    let pos = start;
    // Bytes of the line being assembled (a line can span blocks); `skipping`: a line over MAX_LINE_BYTES.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skipping = false;
    // Sized to what is left to read: a fresh 4 MiB block per file made rebuilding a 39,008-log index allocate
    // 156 GB (4 to 9 times slower than reading whole files); most logs are a few KB.
    const block = Buffer.allocUnsafe(Math.max(1, Math.min(BLOCK, size - start)));
    while (pos < size && end < stopAt) {
      const n = readSync(fd, block, 0, Math.min(block.length, size - pos), pos);
      if (n === 0) break;
      let from = 0;
      if (pendingBytes > 0 || skipping) {
        // The end of a line that began in an earlier block.
        const nl = block.indexOf(0x0a, 0);
        if (nl >= 0 && nl < n) {
          if (!skipping) parseLine(Buffer.concat([...pending, block.subarray(0, nl)]), lineNo, onItem, bad);
          else bad.push({ line: lineNo, error: `line longer than ${MAX_LINE_BYTES} bytes: skipped` });
          pending = [];
          pendingBytes = 0;
          skipping = false;
          lineNo++;
          end = pos + nl + 1;
          from = nl + 1;
        }
      }
      if (pendingBytes === 0 && !skipping && end < stopAt) {
        // The block's complete lines, decoded at once (a newline byte never occurs inside a UTF-8 sequence), up to
        // the first line that reaches stopAt.
        let last = n > 0 ? block.lastIndexOf(0x0a, n - 1) : -1;
        if (last >= from) {
          const limit = stopAt - pos - 1;
          if (limit < last) {
            const cut = block.indexOf(0x0a, Math.max(from, limit));
            if (cut >= 0 && cut < last) last = cut;
          }
          for (const text of block.toString('utf8', from, last).split('\n')) parseText(text, lineNo++, onItem, bad);
          end = pos + last + 1;
          from = last + 1;
        }
      }
      if (end >= stopAt) break;
      if (from < n && !skipping) {
        pendingBytes += n - from;
        if (pendingBytes > MAX_LINE_BYTES) {
          skipping = true;
          pending = [];
        } else pending.push(Buffer.from(block.subarray(from, n)));
      }
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return { end, bad, lines: lineNo - firstLineNo };
}

function parseLine(line: Buffer, lineNo: number, onItem: (item: unknown, lineNo: number) => void, bad: ScanResult['bad']): void {
  parseText(line.toString('utf8'), lineNo, onItem, bad);
}

function parseText(text: string, lineNo: number, onItem: (item: unknown, lineNo: number) => void, bad: ScanResult['bad']): void {
  if (text.charCodeAt(0) !== 0x7b && !text.trim()) return; // blank (a line starting with '{' is not)
  let item: unknown;
  try {
    item = JSON.parse(text);
  } catch (e) {
    bad.push({ line: lineNo, error: (e as Error).message });
    return;
  }
  onItem(item, lineNo);
}

/** The complete lines of a JSONL file from `start`, parsed (see scanJsonl). */
export function readJsonlFrom<T = unknown>(path: string, start = 0, firstLineNo = 1, opts: { maxBytes?: number } = {}): ParsedChunk<T> {
  const items: T[] = [];
  const lineNos: number[] = [];
  const r = scanJsonl(
    path,
    start,
    firstLineNo,
    (item, n) => {
      items.push(item as T);
      lineNos.push(n);
    },
    opts,
  );
  return { items, end: r.end, bad: r.bad, lineNos, lines: r.lines };
}

export function parseJsonlBuffer<T>(buf: Buffer, base: number, firstLineNo = 1): ParsedChunk<T> {
  const lastNl = buf.lastIndexOf(0x0a);
  if (lastNl < 0) return { items: [], end: base, bad: [], lineNos: [], lines: 0 };
  const items: T[] = [];
  const bad: ParsedChunk<T>['bad'] = [];
  const lineNos: number[] = [];
  let lineNo = firstLineNo;
  let from = 0;
  while (from <= lastNl) {
    const nl = buf.indexOf(0x0a, from);
    parseLine(buf.subarray(from, nl), lineNo, (item, n) => {
      items.push(item as T);
      lineNos.push(n);
    }, bad);
    lineNo++;
    from = nl + 1;
  }
  return { items, end: base + lastNl + 1, bad, lineNos, lines: lineNo - firstLineNo };
}
