import { openSync, readSync, closeSync, createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Longest line kept whole, in characters. A longer line keeps its first and last half of this with a note between
 * (on one line), so no single line can hold more memory than this. JavaScript cannot hold a string over 2^29 - 24
 * characters at all, and no test runner prints a status line of megabytes: this is the one place where swegym's
 * reading of a log can differ from Python's, and only for lines over 8 Mi characters.
 */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** How a line ended in the raw text: "\n", "\r\n", "\r", or '' for the last line. */
export type LineEnd = '\n' | '\r\n' | '\r' | '';

/**
 * Splits streamed text into lines the way Python's `open()` reads a file (universal newlines: "\r\n", "\r" and "\n"
 * all end a line), keeping each line's raw ending so the text can be written back byte for byte. A "\r" at the end of
 * a chunk waits for the next one (it may be half of a "\r\n"). After `end()` the last line is emitted even when it is
 * empty, as `split("\n")` gives it.
 */
export class LineSplitter {
  /** The current line so far, in pieces: joined once when it ends (no chain of concatenations to flatten). */
  private pending: string[] = [];
  private pendingLen = 0;
  /** The line is over MAX_LINE_CHARS: its head is kept, and a rolling tail. */
  private cutHead?: string;
  private cutTail: string[] = [];
  private cutTailLen = 0;
  private cutOmitted = 0;
  private crPending = false;

  constructor(
    private readonly onLine: (line: string, end: LineEnd) => void,
    private readonly maxLineChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    if (!chunk) return;
    let from = 0;
    if (this.crPending) {
      this.crPending = false;
      if (chunk[0] === '\n') {
        this.emit('\r\n');
        from = 1;
      } else this.emit('\r');
    }
    const n = chunk.length;
    while (from < n) {
      // the next "\n" or "\r", whichever comes first
      let i = from;
      const nl = chunk.indexOf('\n', from);
      const cr = chunk.indexOf('\r', from);
      if (nl < 0 && cr < 0) {
        this.add(chunk.slice(from));
        return;
      }
      i = nl < 0 ? cr : cr < 0 ? nl : Math.min(nl, cr);
      this.add(chunk.slice(from, i));
      if (chunk[i] === '\n') {
        this.emit('\n');
        from = i + 1;
      } else if (i + 1 < n) {
        if (chunk[i + 1] === '\n') {
          this.emit('\r\n');
          from = i + 2;
        } else {
          this.emit('\r');
          from = i + 1;
        }
      } else {
        this.crPending = true;
        return;
      }
    }
  }

  end(): void {
    if (this.crPending) {
      this.crPending = false;
      this.emit('\r');
    }
    this.emit('');
  }

  private add(text: string): void {
    if (!text) return;
    if (this.cutHead === undefined) {
      this.pending.push(text);
      this.pendingLen += text.length;
      if (this.pendingLen <= this.maxLineChars) return;
      const all = this.pending.join('');
      const half = Math.floor(this.maxLineChars / 2);
      this.cutHead = all.slice(0, half);
      text = all.slice(half);
      this.pending = [];
      this.pendingLen = 0;
    }
    const half = Math.floor(this.maxLineChars / 2);
    this.cutTail.push(text);
    this.cutTailLen += text.length;
    while (this.cutTailLen - this.cutTail[0]!.length >= half) {
      const first = this.cutTail.shift()!;
      this.cutTailLen -= first.length;
      this.cutOmitted += first.length;
    }
  }

  private emit(end: LineEnd): void {
    let line = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    if (this.cutHead !== undefined) {
      const tail = this.cutTail.join('');
      const keep = Math.floor(this.maxLineChars / 2);
      const cut = Math.max(0, tail.length - keep);
      line = `${this.cutHead}[swegym: ${this.cutOmitted + cut} characters of this line omitted]${tail.slice(cut)}`;
      this.cutHead = undefined;
      this.cutTail = [];
      this.cutTailLen = this.cutOmitted = 0;
    }
    this.pending = [];
    this.pendingLen = 0;
    this.onLine(line, end);
  }
}

const READ_CHUNK = 1024 * 1024;

/** Each universal-newline line of a file, streamed (memory: one chunk and one line). */
export async function forEachLineOfFile(path: string, onLine: (line: string) => void): Promise<void> {
  const split = new LineSplitter((l) => onLine(l));
  const dec = new StringDecoder('utf8');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) split.push(dec.write(chunk as Buffer));
  split.push(dec.end());
  split.end();
}

/** forEachLineOfFile without yielding to the event loop (for the run summary, which is synchronous). */
export function forEachLineOfFileSync(path: string, onLine: (line: string) => void): void {
  const split = new LineSplitter((l) => onLine(l));
  const dec = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      split.push(dec.write(buf.subarray(0, n)));
    }
  } finally {
    closeSync(fd);
  }
  split.push(dec.end());
  split.end();
}
