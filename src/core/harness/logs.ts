import { APPLY_PATCH_PASS, END_TEST_OUTPUT, START_TEST_OUTPUT, TEST_EXIT_CODE, getProfile } from './profiles.js';
import { getParser, type StatusMap } from './parsers.js';
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
  const m = new RegExp(`${TEST_EXIT_CODE}:\\s*(-?\\d+)`).exec(log);
  return m ? parseInt(m[1], 10) : undefined;
}

/**
 * `get_logs_eval` of the profile's version for a test_output.txt.
 * - fork: invalid on a bad code or without "applied patch" (case-insensitive; git apply -v's line for the test
 *   patch); parses the text after the last `>>>>> Applied Patch (pred)`.
 * - v4.1.0: invalid on a bad code or without both markers; parses between them, else the whole log.
 * - main: as v4.1.0, then invalid when the map is empty and nothing shows a suite ran, or when the recorded exit
 *   code is non-zero while the map has no FAILED/ERROR.
 * Throws ParserCrash where the official parser raises, UnknownParser for a name the version lacks.
 */
export function getLogsEval(rawLog: string, profileName: ProfileName, parser = 'pytest'): LogsEval {
  const profile = getProfile(profileName);
  const parse = getParser(parser, profile.version);
  const log = universalNewlines(rawLog);
  const bad = profile.badCodes.filter((c) => log.includes(c));
  if (bad.length) return { statusMap: {}, valid: false, reason: `log contains ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
  if (profile.requireAppliedPatchText && !log.toLowerCase().includes('applied patch')) {
    return { statusMap: {}, valid: false, reason: 'log does not contain "applied patch": the test patch did not apply' };
  }
  if (profile.parseRegion === 'after-applied-pred') {
    const parts = log.split(`${APPLY_PATCH_PASS} (pred)`);
    return { statusMap: parse(parts[parts.length - 1]), valid: true };
  }
  if (!(log.includes(START_TEST_OUTPUT) && log.includes(END_TEST_OUTPUT))) {
    return { statusMap: {}, valid: false, reason: 'log lacks the start/end test output markers' };
  }
  const region = log.split(START_TEST_OUTPUT)[1].split(END_TEST_OUTPUT)[0];
  let statusMap = parse(region);
  if (profile.wholeLogFallback && Object.keys(statusMap).length === 0) statusMap = parse(log);
  const empty = Object.keys(statusMap).length === 0;
  if (profile.suiteRanCheck && empty && !SUITE_RAN.test(log)) {
    return { statusMap: {}, valid: false, reason: 'no test results in the log and no sign that the test suite ran' };
  }
  if (profile.exitCodeCheck) {
    const code = parseTestExitCode(log);
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
  const t = universalNewlines(text);
  for (const [reason, environment, pattern] of INFRA_SIGNATURES) if (pattern.test(t)) return { reason, environment };
  return undefined;
}
