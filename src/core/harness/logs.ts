import { APPLY_PATCH_PASS, END_TEST_OUTPUT, START_TEST_OUTPUT, TEST_EXIT_CODE, getProfile } from './profiles.js';
import { getLineParser, type LineParser, type ParserFactory, type StatusMap } from './parsers.js';
import type { ProfileName } from './types.js';

export interface LogsEval {
  statusMap: StatusMap;
  /** False: the harness would report `patch_successfully_applied: false` (no status map). */
  valid: boolean;
  reason?: string;
}

/**
 * The official harness reads test_output.txt with Python's `open()`, whose universal-newline mode turns "\r\n" and
 * a lone "\r" into "\n" before any parser sees the text.
 */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * main's `SUITE_RAN`: evidence that a test runner executed, for an empty status map. Python's re.M `^`/`$` break
 * lines at "\n" only, hence the look-arounds.
 */
const SUITE_RAN = new RegExp(
  [
    'Executed [1-9]\\d* of \\d+',
    'TOTAL: [1-9]\\d* (?:SUCCESS|FAILED)',
    '[1-9]\\d* passing',
    'Tests:\\s+[1-9]\\d*',
    'Test Suites:\\s+(?:\\d+ \\w+, )*[1-9]\\d* total',
    '(?<![^\\n])# tests [1-9]\\d*',
    '[1-9]\\d* specs?, \\d+ failures?',
    "': ok(?![^\\n])",
  ].join('|'),
);

/** main's `parse_test_exit_code`: the first `>>>>> Test Exit Code: N` in the log, or undefined. */
export function parseTestExitCode(log: string): number | undefined {
  const m = EXIT_CODE.exec(log);
  return m ? parseInt(m[1], 10) : undefined;
}
const EXIT_CODE = new RegExp(`${TEST_EXIT_CODE}:\\s*(-?\\d+)`);

/**
 * A whole-log regex searched line by line. The only parts of SUITE_RAN and EXIT_CODE that can cross a line break are
 * `\s` runs, so a match spans at most two lines with nothing but whitespace between them: searching each line
 * together with the last line that was not blank (joined by one "\n", which `\s+` / `\s*` match as they match the
 * blank run) finds every match of the whole text, and the first one first.
 */
class LineWindowSearch {
  private lastNonBlank: string | undefined;
  found: RegExpExecArray | undefined;
  constructor(private readonly re: RegExp) {}
  line(l: string): void {
    if (this.found) return;
    const m = this.re.exec(this.lastNonBlank === undefined ? l : `${this.lastNonBlank}\n${l}`);
    if (m) this.found = m;
    if (/\S/.test(l)) this.lastNonBlank = l;
  }
}

/** A region marker found in a line: its index and length, or the first of several. */
function firstOf(line: string, marks: string[]): { at: number; len: number } | undefined {
  let best: { at: number; len: number } | undefined;
  for (const m of marks) {
    const at = line.indexOf(m);
    if (at >= 0 && (!best || at < best.at)) best = { at, len: m.length };
  }
  return best;
}

/**
 * `get_logs_eval` of the profile's version as a fold over the log's lines (Python's universal newlines: split at
 * "\r\n", "\r" and "\n"), so a log of any size is graded from a stream in memory bounded by its status map.
 * Each whole-log operation of the Python code has its line-wise equivalent here:
 * - bad codes, "applied patch", the markers: substrings without a newline, so "in the log" = "in some line";
 * - the fork's `split(">>>>> Applied Patch (pred)")[-1]`: the parser restarts at each occurrence, fed what follows it;
 * - `split(START)[1].split(END)[0]`: lines after the first START up to the next START or the first END;
 * - the whole-log fallback: a second parser over every line; SUITE_RAN / exit code: LineWindowSearch.
 */
export class LogsEvalFold {
  private readonly profile;
  private readonly make: ParserFactory;
  private region: LineParser | undefined;
  private whole: LineParser | undefined;
  /** between-markers: before the first START, inside the region, after it. */
  private state: 'before' | 'inside' | 'after' = 'before';
  private sawStart = false;
  private sawEnd = false;
  private readonly bad = new Set<string>();
  private appliedText = false;
  private readonly suiteRan = new LineWindowSearch(SUITE_RAN);
  private readonly exitCode = new LineWindowSearch(EXIT_CODE);
  readonly infra = new InfraFailureFold();

  constructor(profileName: ProfileName, parser = 'pytest') {
    this.profile = getProfile(profileName);
    this.make = getLineParser(parser, this.profile.version);
    if (this.profile.parseRegion === 'after-applied-pred') this.region = this.make();
    if (this.profile.wholeLogFallback) this.whole = this.make();
  }

  /** One line of the log, without its line break. */
  line(line: string): void {
    const p = this.profile;
    for (const c of p.badCodes) if (!this.bad.has(c) && line.includes(c)) this.bad.add(c);
    if (p.requireAppliedPatchText && !this.appliedText && line.toLowerCase().includes('applied patch')) this.appliedText = true;
    if (p.suiteRanCheck) this.suiteRan.line(line);
    if (p.exitCodeCheck) this.exitCode.line(line);
    if (p.infraFailure) this.infra.line(line);
    this.whole?.line(line);
    if (p.parseRegion === 'after-applied-pred') {
      const mark = `${APPLY_PATCH_PASS} (pred)`;
      const at = line.lastIndexOf(mark);
      if (at >= 0) {
        this.region = this.make();
        this.region.line(line.slice(at + mark.length));
      } else this.region!.line(line);
      return;
    }
    if (!this.sawStart || !this.sawEnd) {
      if (line.includes(START_TEST_OUTPUT)) this.sawStart = true;
      if (line.includes(END_TEST_OUTPUT)) this.sawEnd = true;
    }
    let rest = line;
    if (this.state === 'before') {
      const at = line.indexOf(START_TEST_OUTPUT);
      if (at < 0) return;
      this.state = 'inside';
      this.region = this.make();
      rest = line.slice(at + START_TEST_OUTPUT.length);
    }
    if (this.state === 'inside') {
      const stop = firstOf(rest, [START_TEST_OUTPUT, END_TEST_OUTPUT]);
      if (stop) {
        this.region!.line(rest.slice(0, stop.at));
        this.state = 'after';
      } else this.region!.line(rest);
    }
  }

  result(): LogsEval {
    const p = this.profile;
    const bad = p.badCodes.filter((c) => this.bad.has(c));
    if (bad.length) return { statusMap: {}, valid: false, reason: `log contains ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
    if (p.requireAppliedPatchText && !this.appliedText) {
      return { statusMap: {}, valid: false, reason: 'log does not contain "applied patch": the test patch did not apply' };
    }
    if (p.parseRegion === 'after-applied-pred') return { statusMap: this.region!.result(), valid: true };
    if (!(this.sawStart && this.sawEnd)) {
      return { statusMap: {}, valid: false, reason: 'log lacks the start/end test output markers' };
    }
    let statusMap = this.region!.result();
    if (this.whole && Object.keys(statusMap).length === 0) statusMap = this.whole.result();
    const empty = Object.keys(statusMap).length === 0;
    if (p.suiteRanCheck && empty && !this.suiteRan.found) {
      return { statusMap: {}, valid: false, reason: 'no test results in the log and no sign that the test suite ran' };
    }
    if (p.exitCodeCheck) {
      const m = this.exitCode.found;
      const code = m ? parseInt(m[1], 10) : undefined;
      if (code !== undefined && code !== 0 && !empty && !Object.values(statusMap).some((s) => s === 'FAILED' || s === 'ERROR')) {
        return {
          statusMap: {},
          valid: false,
          reason: `the test command exited ${code} while the log reports no failing test (the log does not describe the run)`,
        };
      }
    }
    return { statusMap, valid: true };
  }
}

/** Feeds a whole text's universal-newline lines to a fold. */
export function foldText(text: string, fold: { line(l: string): void }): void {
  for (const l of universalNewlines(text).split('\n')) fold.line(l);
}

/**
 * `get_logs_eval` of the profile's version for a test_output.txt held in memory (see LogsEvalFold, which it runs).
 * - fork: invalid on a bad code or without "applied patch" (case-insensitive; git apply -v's line for the test
 *   patch); parses the text after the last `>>>>> Applied Patch (pred)`.
 * - v4.1.0: invalid on a bad code or without both markers; parses between them, else the whole log.
 * - main: as v4.1.0, then invalid when the map is empty and nothing shows a suite ran, or when the recorded exit
 *   code is non-zero while the map has no FAILED/ERROR.
 * Throws ParserCrash where the official parser raises, UnknownParser for a name the version lacks.
 */
export function getLogsEval(rawLog: string, profileName: ProfileName, parser = 'pytest'): LogsEval {
  const fold = new LogsEvalFold(profileName, parser);
  foldText(rawLog, fold);
  return fold.result();
}

/**
 * main's infra_failure.py: the first matching signature of an invalid log, and whether it is an environment fault
 * (`infra_failure: true`) or ambiguous (reason only).
 */
const INFRA_SIGNATURES: [reason: string, environment: boolean, pattern: RegExp][] = [
  ['browser_launch_failed', true, /Failed to launch|Failed to connect to the bus/],
  ['display_unavailable', true, /cannot open display|Missing X server|unable to open X display/],
  ['out_of_memory', true, /Cannot allocate memory|OutOfMemoryError|(?<![^\n])Killed(?![^\n])/],
  ['container_unavailable', true, /Error response from daemon|Cannot connect to the Docker daemon/],
  ['network_unreachable', true, /Could not resolve host|Temporary failure in name resolution/],
  ['missing_module', false, /Cannot find module|MODULE_NOT_FOUND|ModuleNotFoundError/],
  ['no_tests_collected', false, /no tests ran|collected 0 items/],
  ['tests_timed_out', false, /Timeout error: \d+ seconds exceeded/],
];

export function classifyInfraFailure(text: string): { reason: string; environment: boolean } | undefined {
  if (!text) return undefined;
  const fold = new InfraFailureFold();
  foldText(text, fold);
  return fold.result();
}

/**
 * classifyInfraFailure over lines: every signature matches within one line (none has a newline or a `\s` that could
 * cross one), so "matches the text" = "matches some line"; the first signature in the table's order wins.
 */
export class InfraFailureFold {
  private readonly hit = new Array<boolean>(INFRA_SIGNATURES.length).fill(false);
  private any = false;
  line(l: string): void {
    for (let i = 0; i < INFRA_SIGNATURES.length; i++) if (!this.hit[i] && INFRA_SIGNATURES[i]![2].test(l)) this.hit[i] = this.any = true;
  }
  result(): { reason: string; environment: boolean } | undefined {
    if (!this.any) return undefined;
    const i = this.hit.indexOf(true);
    return { reason: INFRA_SIGNATURES[i]![0], environment: INFRA_SIGNATURES[i]![1] };
  }
}
