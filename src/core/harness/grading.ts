import { getProfile } from './profiles.js';
import type { StatusMap } from './parsers.js';
import type { ProfileName, TestsStatus } from './types.js';

export type Resolution = 'RESOLVED_FULL' | 'RESOLVED_PARTIAL' | 'RESOLVED_NO';

/** In the map with a passing status (PASSED, XFAIL). */
export function testPassed(test: string, sm: StatusMap, profileName: ProfileName): boolean {
  return Object.hasOwn(sm, test) && getProfile(profileName).passStatuses.includes(sm[test]);
}

/** Missing from the map, or a failing status (FAILED, ERROR; current harness: also SKIPPED). */
export function testFailed(test: string, sm: StatusMap, profileName: ProfileName): boolean {
  return !Object.hasOwn(sm, test) || getProfile(profileName).failStatuses.includes(sm[test]);
}

/**
 * `get_eval_tests_report`: success / failure lists for FAIL_TO_PASS and PASS_TO_PASS. A test that is neither passed
 * nor failed (fork: SKIPPED; or an odd status the parser recorded) lands in neither list. FAIL_TO_FAIL and
 * PASS_TO_FAIL are emitted empty unless `calculateToFail`.
 */
export function getEvalTestsReport(
  sm: StatusMap,
  gold: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[]; FAIL_TO_FAIL?: string[]; PASS_TO_FAIL?: string[] },
  profileName: ProfileName,
  calculateToFail = false,
): TestsStatus {
  const profile = getProfile(profileName);
  const check = (test: string, success: string[], failure: string[]) => {
    if (testPassed(test, sm, profileName)) success.push(test);
    else if (testFailed(test, sm, profileName)) failure.push(test);
  };
  const f2p = { success: [] as string[], failure: [] as string[] };
  for (const t of gold.FAIL_TO_PASS) check(t, f2p.success, f2p.failure);
  const p2p = { success: [] as string[], failure: [] as string[] };
  for (const t of gold.PASS_TO_PASS) {
    if (profile.skippedP2PIsSuccess) {
      const maintained = testPassed(t, sm, profileName) || (Object.hasOwn(sm, t) && sm[t] === 'SKIPPED');
      if (maintained) p2p.success.push(t);
      else if (testFailed(t, sm, profileName)) p2p.failure.push(t);
    } else check(t, p2p.success, p2p.failure);
  }
  const f2f = { success: [] as string[], failure: [] as string[] };
  const p2f = { success: [] as string[], failure: [] as string[] };
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
