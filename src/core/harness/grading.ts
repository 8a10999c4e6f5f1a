import { FAIL_ONLY_REPOS_V41, getProfile, type HarnessProfile } from './profiles.js';
import type { StatusMap } from './parsers.js';
import { LogsEvalFold, foldText, type LogsEval } from './logs.js';
import type { ProfileName, TestsStatus } from './types.js';

export type Resolution = 'RESOLVED_FULL' | 'RESOLVED_PARTIAL' | 'RESOLVED_NO';
export type EvalType = 'pass_and_fail' | 'fail_only';

const PASSING = ['PASSED', 'XFAIL'];

/**
 * main's `_resolve_case`: the status-map key for a gold id. Exact ids match exactly; an id with more `[` than `]`
 * (a truncated parametrized id) matches the keys it prefixes when they all agree on pass vs fail. Other versions:
 * exact match only.
 */
export function resolveCase(test: string, sm: StatusMap, profile: HarnessProfile): string | undefined {
  if (Object.hasOwn(sm, test)) return test;
  if (!profile.truncatedIdPrefixMatch) return undefined;
  if (test.split('[').length > test.split(']').length) {
    const matches = Object.keys(sm).filter((k) => k.startsWith(test));
    if (matches.length && new Set(matches.map((k) => PASSING.includes(sm[k]))).size === 1) return matches[0];
  }
  return undefined;
}

/** In the map with a passing status (PASSED, XFAIL). */
export function testPassed(test: string, sm: StatusMap, profileName: ProfileName): boolean {
  const key = resolveCase(test, sm, getProfile(profileName));
  return key !== undefined && PASSING.includes(sm[key]);
}

/** Missing from the map, or FAILED / ERROR (main: also SKIPPED). */
export function testFailed(test: string, sm: StatusMap, profileName: ProfileName): boolean {
  const profile = getProfile(profileName);
  const key = resolveCase(test, sm, profile);
  if (key === undefined) return true;
  return sm[key] === 'FAILED' || sm[key] === 'ERROR' || (profile.skippedFailsF2P && sm[key] === 'SKIPPED');
}

/** main's `test_maintained`: passed, or SKIPPED (a skipped PASS_TO_PASS test is not a regression). */
function testMaintained(test: string, sm: StatusMap, profile: HarnessProfile): boolean {
  const key = resolveCase(test, sm, profile);
  return key !== undefined && (PASSING.includes(sm[key]) || sm[key] === 'SKIPPED');
}

/** The eval_type a version grades with: fork always pass_and_fail; v4.1.0 by repo; main from the record. */
export function evalTypeFor(profileName: ProfileName, task: { repo: string; eval_type?: string }): EvalType {
  const profile = getProfile(profileName);
  if (profile.evalTypeSource === 'repo') return FAIL_ONLY_REPOS_V41.has(task.repo) ? 'fail_only' : 'pass_and_fail';
  if (profile.evalTypeSource === 'record') return task.eval_type === 'fail_only' ? 'fail_only' : 'pass_and_fail';
  return 'pass_and_fail';
}

/**
 * `get_eval_tests_report`: success / failure lists for FAIL_TO_PASS and PASS_TO_PASS. A test that is neither passed
 * nor failed (fork and v4.1.0: SKIPPED) lands in neither list. fail_only: only an exact FAILED entry is a failure.
 * FAIL_TO_FAIL and PASS_TO_FAIL are emitted empty unless `calculateToFail`.
 */
export function getEvalTestsReport(
  sm: StatusMap,
  gold: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[]; FAIL_TO_FAIL?: string[]; PASS_TO_FAIL?: string[] },
  profileName: ProfileName,
  calculateToFail = false,
  evalType: EvalType = 'pass_and_fail',
): TestsStatus {
  const profile = getProfile(profileName);
  type Check = (test: string, success: string[], failure: string[]) => void;
  const passAndFail: Check = (test, success, failure) => {
    if (testPassed(test, sm, profileName)) success.push(test);
    else if (testFailed(test, sm, profileName)) failure.push(test);
  };
  const maintained: Check = (test, success, failure) => {
    if (testMaintained(test, sm, profile)) success.push(test);
    else if (testFailed(test, sm, profileName)) failure.push(test);
  };
  const failOnly: Check = (test, success, failure) => {
    if (Object.hasOwn(sm, test) && sm[test] === 'FAILED') failure.push(test);
    else success.push(test);
  };
  const check = evalType === 'fail_only' ? failOnly : passAndFail;
  const checkP2P = evalType === 'fail_only' ? failOnly : profile.skippedP2PIsSuccess ? maintained : passAndFail;
  const list = () => ({ success: [] as string[], failure: [] as string[] });
  const f2p = list();
  for (const t of gold.FAIL_TO_PASS) check(t, f2p.success, f2p.failure);
  const p2p = list();
  for (const t of gold.PASS_TO_PASS) checkP2P(t, p2p.success, p2p.failure);
  const f2f = list();
  const p2f = list();
  if (calculateToFail) {
    for (const t of gold.FAIL_TO_FAIL ?? []) check(t, f2f.success, f2f.failure);
    for (const t of gold.PASS_TO_FAIL ?? []) check(t, p2f.success, p2f.failure);
  }
  return { FAIL_TO_PASS: f2p, PASS_TO_PASS: p2p, FAIL_TO_FAIL: f2f, PASS_TO_FAIL: p2f };
}

function ratio(list: { success: string[]; failure: string[] }): number {
  const total = list.success.length + list.failure.length;
  return total === 0 ? 1 : list.success.length / total;
}

export function computeFailToPass(report: TestsStatus): number {
  return ratio(report.FAIL_TO_PASS);
}

export function computePassToPass(report: TestsStatus): number {
  return ratio(report.PASS_TO_PASS);
}

/** FULL iff f2p == 1 and p2p == 1; PARTIAL iff 0 < f2p < 1 and p2p == 1; else NO. */
export function getResolutionStatus(report: TestsStatus): Resolution {
  const f2p = computeFailToPass(report);
  const p2p = computePassToPass(report);
  if (f2p === 1 && p2p === 1) return 'RESOLVED_FULL';
  if (f2p < 1 && f2p > 0 && p2p === 1) return 'RESOLVED_PARTIAL';
  return 'RESOLVED_NO';
}

export interface EvalReportInput {
  instanceId: string;
  repo: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  /** The record's eval_type (main only). */
  eval_type?: string;
  /** null: the prediction had no patch at all (Python None). */
  patch: string | null;
  /** test_output.txt */
  log: string;
  parser: string;
}

export interface EvalReport {
  /** `{ <id>: { patch_is_None, patch_exists, patch_successfully_applied, resolved, [infra_failure...], [none], tests_status } }` */
  report: Record<string, Record<string, unknown>>;
  logs?: LogsEval;
  testsStatus?: TestsStatus;
  resolution?: Resolution;
}

/**
 * `get_eval_report(test_spec, prediction, log, include_tests_status=True)` of the profile's version, with its
 * report keys in their order. Throws where the official code raises (ParserCrash, UnknownParser).
 */
export function getEvalReport(input: EvalReportInput, profileName: ProfileName): EvalReport {
  return evalReportFrom(input, profileName, (fold) => foldText(input.log, fold));
}

/**
 * getEvalReport for a log that is fed line by line (a file on disk, streamed): `feed` pushes each universal-newline
 * line into the fold; it is not called for a None patch (the harness does not read the log then).
 */
export async function getEvalReportStreamed(
  input: Omit<EvalReportInput, 'log'>,
  profileName: ProfileName,
  feed: (fold: LogsEvalFold) => Promise<void>,
): Promise<EvalReport> {
  if (input.patch === null) return evalReportFrom(input, profileName, () => undefined);
  const fold = new LogsEvalFold(profileName, input.parser);
  await feed(fold);
  return evalReportFrom(input, profileName, () => undefined, fold);
}

function evalReportFrom(
  input: Omit<EvalReportInput, 'log'>,
  profileName: ProfileName,
  feed: (fold: LogsEvalFold) => void,
  fed?: LogsEvalFold,
): EvalReport {
  const profile = getProfile(profileName);
  const r: Record<string, unknown> = {
    patch_is_None: false,
    patch_exists: false,
    patch_successfully_applied: false,
    resolved: false,
  };
  if (profile.infraFailure) r.infra_failure = false;
  const report = { [input.instanceId]: r };
  if (input.patch === null) {
    if (profile.nonePatchKey === 'none') r.none = true;
    else r.patch_is_None = true;
    return { report };
  }
  r.patch_exists = true;
  let fold = fed;
  if (!fold) {
    fold = new LogsEvalFold(profileName, input.parser);
    feed(fold);
  }
  const logs = fold.result();
  if (!logs.valid) {
    if (profile.infraFailure) {
      const c = fold.infra.result();
      if (c) {
        r.infra_failure = c.environment;
        r.infra_failure_reason = c.reason;
      }
    }
    return { report, logs };
  }
  r.patch_successfully_applied = true;
  const testsStatus = getEvalTestsReport(
    logs.statusMap,
    { FAIL_TO_PASS: input.FAIL_TO_PASS, PASS_TO_PASS: input.PASS_TO_PASS },
    profileName,
    false,
    evalTypeFor(profileName, input),
  );
  const resolution = getResolutionStatus(testsStatus);
  if (resolution === 'RESOLVED_FULL') r.resolved = true;
  r.tests_status = testsStatus;
  return { report, logs, testsStatus, resolution };
}
