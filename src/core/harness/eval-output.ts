import { closeSync, openSync, writeSync } from 'node:fs';
import { LineSplitter, type LineEnd } from './log-lines.js';
import { pyLstrip, stripV2 } from './parsers.js';
import { collectGarbage } from '../util/collect-garbage.js';

/**
 * Verification's test output (test_output.txt), written to disk as it streams from the container, with a cap.
 *
 * The official harness keeps the whole log and grades all of it, and any line of it can change the verdict (a status
 * line is "last write wins"). So the cap never drops a line that grading can read: the first `headChars` and the last
 * `tailChars` characters are kept whole (for people: the setup and the summary), and between them every line that a
 * log parser or a grading check of any profile could read is kept (`mayMatterForGrading`), while each run of other
 * lines is replaced by one line `[swegym: N bytes of test output omitted here]` (a run shorter than that line is kept
 * as it is). A line that nothing reads in isolation can still matter through a neighbour, and those are kept too:
 * - the line before a line starting with `...` (django's multi-line patterns take it as the test name);
 * - after a line ending in `Tests:`, `Test Suites:` or `Test Exit Code:` (+ spaces), the blank lines and the next
 *   line (SUITE_RAN and the exit code regexes cross a line break through `\s`).
 * The marker line is never blank and no parser or check matches it, so a dropped run cannot join two kept lines
 * into a match. The whole log is therefore graded exactly as the full output would be (except lines over
 * MAX_LINE_CHARS, see log-lines.ts), while a test printing 1 GiB of anything else costs ~head + tail on disk and
 * one line of memory. A test printing 1 GiB of status lines keeps them all on disk: that is the log the harness
 * grades.
 */
export const EVAL_OUTPUT_LIMITS = { headChars: 8 * 1024 * 1024, tailChars: 8 * 1024 * 1024 };

/** A full collection per this much output (~10 ms each, under 1 s for 1 GiB): the heap stays small. */
const GC_EVERY_BYTES = 16 * 1024 * 1024;

/** Below this many bytes a dropped run is written as it is (the marker line would be longer). */
const MIN_OMITTED_RUN = 256;

/**
 * Every literal that some line a parser or check reads must contain: status words, django's `...` and phrases,
 * sympy's `.py:` and `test_`, the harness markers and bad codes (`>>>>>`, "Failed to reset task environment"), the
 * literal part of each SUITE_RAN alternative and of each infra signature. One scan per line.
 */
const KEYWORDS = new RegExp(
  [
    'FAIL', 'PASS', 'SKIP', 'ERROR', '\\.\\.\\.', '>>>>>', '\\.py:', 'test_', 'silenced\\)', '--version is equivalent',
    'Testing against Django', 'Internal Server Error', 'System check', 'Failed to',
    // JavaScript parsers: jest (✓ ✕ ○), vitest (✓ × ↓), TAP (`ok N` is covered by the `ok` rule, `not ok N` here);
    // gotest (`--- PASS:`) and cargo (`test x ... ok`) are covered by the status words and `...`
    '✓', '✕', '○', '×', '↓', 'not ok',
    // SUITE_RAN
    'Executed ', 'TOTAL: ', ' passing', 'Tests:', 'Test Suites:', '# tests ', ' spec', "': ok",
    // infra signatures
    'cannot open display', 'Missing X server', 'unable to open X display', 'Cannot allocate memory', 'OutOfMemoryError',
    'Killed', 'Error response from daemon', 'Cannot connect to the Docker daemon', 'Could not resolve host',
    'Temporary failure in name resolution', 'Cannot find module', 'MODULE_NOT_FOUND', 'ModuleNotFoundError', 'no tests ran',
    'collected 0 items', 'Timeout error',
  ].join('|'),
);
// eslint-disable-next-line no-control-regex
const NEEDS_V2_CLEANING = /[\x01-\x1f]|\[\d+m/;
const CARRY = /(Tests:|Test Suites:|Test Exit Code:)\s*$/;

/**
 * Could any parser (pytest, pytest_options, pytest_v2, pydantic, django, sympy, seaborn, matplotlib, gotest, cargo,
 * jest, vitest, tap of every version)
 * or any check of get_logs_eval / the infra classification read this line? A superset, kept simple: KEYWORDS, a status
 * word once pytest_v2's cleaning removed colour codes and control characters, django's `ok` lines, "applied patch"
 * in any case. test/unit/eval-output.test.ts checks it against every parser on every line of the oracle logs.
 */
export function mayMatterForGrading(line: string): boolean {
  if (KEYWORDS.test(line)) return true;
  if (/applied patch/i.test(line)) return true;
  if (pyLstrip(line).startsWith('ok')) return true;
  return NEEDS_V2_CLEANING.test(line) && /FAIL|PASS|SKIP|ERROR/.test(stripV2(line));
}

export interface EvalOutputStats {
  /** Bytes (UTF-8) of output received. */
  totalBytes: number;
  /** Bytes left out (the dropped runs), and how many runs. */
  omittedBytes: number;
  omittedRuns: number;
}

interface Line {
  text: string;
  end: LineEnd;
}

/**
 * Write `push`ed chunks of eval output to `path` as described above; `close()` ends the file (with one note line when
 * something was left out). Synchronous writes in 1 MiB batches: memory is the tail, one line and one batch.
 */
export class EvalOutputFile {
  private readonly fd: number;
  private readonly split: LineSplitter;
  private batch: string[] = [];
  private batchLen = 0;
  private headLeft: number;
  private readonly tail: Line[] = [];
  private tailChars = 0;
  /** The line after a CARRY line is kept (and the blank lines before it). */
  private carry = false;
  /** A dropped run so far: its lines while it is short, then only its size. */
  private run: string[] = [];
  private runBytes = 0;
  private closed = false;
  private sinceGc = 0;
  readonly stats: EvalOutputStats = { totalBytes: 0, omittedBytes: 0, omittedRuns: 0 };

  constructor(
    readonly path: string,
    private readonly limits = EVAL_OUTPUT_LIMITS,
  ) {
    this.fd = openSync(path, 'w');
    this.headLeft = limits.headChars;
    this.split = new LineSplitter((text, end) => this.line({ text, end }));
  }

  push(chunk: string): void {
    if (this.closed || !chunk) return;
    const bytes = Buffer.byteLength(chunk, 'utf8');
    this.stats.totalBytes += bytes;
    this.split.push(chunk);
    // memory stays flat however much the test prints (see collectGarbage)
    this.sinceGc += bytes;
    if (this.sinceGc >= GC_EVERY_BYTES) {
      this.sinceGc = 0;
      collectGarbage();
    }
  }

  private line(l: Line): void {
    if (this.headLeft > 0) {
      this.headLeft -= l.text.length + l.end.length;
      if (CARRY.test(l.text)) this.carry = true;
      else if (/\S/.test(l.text)) this.carry = false;
      this.write(l.text);
      this.write(l.end);
      return;
    }
    this.tail.push(l);
    this.tailChars += l.text.length + l.end.length;
    // keep at least two lines: the one leaving needs its successor (the `...` rule)
    while (this.tail.length > 2 && this.tailChars - this.tail[0]!.text.length - this.tail[0]!.end.length >= this.limits.tailChars) {
      const out = this.tail.shift()!;
      this.tailChars -= out.text.length + out.end.length;
      this.middle(out, this.tail[0]!);
    }
  }

  /** A line between head and tail: kept or dropped. */
  private middle(l: Line, next: Line): void {
    let keep = mayMatterForGrading(l.text) || next.text.startsWith('...');
    if (this.carry) {
      keep = true;
      if (/\S/.test(l.text)) this.carry = false;
    }
    if (CARRY.test(l.text)) this.carry = true;
    if (keep) {
      this.endRun();
      this.write(l.text);
      this.write(l.end);
      return;
    }
    this.runBytes += Buffer.byteLength(l.text, 'utf8') + l.end.length;
    if (this.runBytes < MIN_OMITTED_RUN) this.run.push(l.text + l.end);
    else this.run = [];
  }

  private endRun(): void {
    if (this.runBytes === 0) return;
    if (this.runBytes < MIN_OMITTED_RUN) this.write(this.run.join(''));
    else {
      this.write(`[swegym: ${this.runBytes} bytes of test output omitted here]\n`);
      this.stats.omittedBytes += this.runBytes;
      this.stats.omittedRuns++;
    }
    this.run = [];
    this.runBytes = 0;
  }

  private write(s: string): void {
    if (!s) return;
    this.batch.push(s);
    this.batchLen += s.length;
    if (this.batchLen >= 1024 * 1024) this.flush();
  }

  private flush(): void {
    if (this.batch.length) writeSync(this.fd, this.batch.length === 1 ? this.batch[0]! : this.batch.join(''));
    this.batch = [];
    this.batchLen = 0;
  }

  /** The rest of the output, the tail and the note; closes the file. Idempotent. */
  close(): EvalOutputStats {
    if (this.closed) return this.stats;
    this.split.end();
    this.closed = true;
    this.endRun();
    let last: LineEnd = '';
    for (const l of this.tail) {
      this.write(l.text);
      this.write(l.end);
      last = l.end;
    }
    if (this.stats.omittedRuns > 0) {
      const s = this.stats;
      this.write(
        `${last === '' && this.tail.length ? '\n' : ''}[swegym: test output was ${s.totalBytes} bytes; ${s.omittedBytes} bytes in ${s.omittedRuns} runs of lines no log parser reads were left out (marked where they were), every other line is kept]\n`,
      );
    }
    this.flush();
    closeSync(this.fd);
    return this.stats;
  }
}
