import { APPLY_PATCH_PASS, END_TEST_OUTPUT, START_TEST_OUTPUT, getProfile } from './profiles.js';
import { getParser, type StatusMap } from './parsers.js';
import type { ProfileName } from './types.js';

export interface LogsEval {
  statusMap: StatusMap;
  /** False: the harness would report `patch_successfully_applied: false` (no status map). */
  valid: boolean;
  reason?: string;
}

/**
 * `get_logs_eval` for a test_output.txt. Invalid logs: a bad code anywhere in the text; fork: no "applied patch"
 * (case-insensitive; satisfied by git apply -v's line for the test patch); current: both markers required.
 * Throws ParserCrash where the harness's parser raises.
 */
export function getLogsEval(log: string, profileName: ProfileName, parser = 'pytest'): LogsEval {
  const profile = getProfile(profileName);
  const parse = getParser(parser, profile.parserFlavor);
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
  return { statusMap, valid: true };
}
