import { z } from 'zod';
import { Tamper } from './tamper.js';

export const TestStatus = z.enum(['PASSED', 'FAILED', 'SKIPPED', 'ERROR', 'XFAIL']);
export type TestStatus = z.infer<typeof TestStatus>;

export const ProfileName = z.enum(['swegym', 'swebench', 'swebench-4.1', 'openhands']);
export type ProfileName = z.infer<typeof ProfileName>;

const SuccFail = z.object({ success: z.array(z.string()), failure: z.array(z.string()) });

export const TestsStatus = z.object({
  FAIL_TO_PASS: SuccFail,
  PASS_TO_PASS: SuccFail,
  FAIL_TO_FAIL: SuccFail,
  PASS_TO_FAIL: SuccFail,
});
export type TestsStatus = z.infer<typeof TestsStatus>;

/**
 * The outcome of verifying one candidate patch. Errors are verdicts, not crashes:
 * every failure mode is a status with a reason.
 */
export const VerdictStatus = z.enum([
  'resolved',
  'unresolved',
  'empty_patch',
  'patch_apply_failed',
  'timeout',
  'image_error',
  'error',
]);
export type VerdictStatus = z.infer<typeof VerdictStatus>;

/** The profile and the one official harness version it reproduces, recorded with every verdict and report. */
export const HarnessStampSchema = z.object({ profile: ProfileName, official: z.string() });

export const Verdict = z.object({
  instance_id: z.string(),
  profile: ProfileName,
  /** Absent in sessions recorded before profiles were pinned to versions. */
  harness: HarnessStampSchema.optional(),
  status: VerdictStatus,
  resolved: z.boolean(),
  resolution: z.enum(['RESOLVED_FULL', 'RESOLVED_PARTIAL', 'RESOLVED_NO']).optional(),
  tests_status: TestsStatus.optional(),
  /** Parsed status map of every test seen in the log. */
  test_statuses: z.record(z.string(), TestStatus).optional(),
  reason: z.string().optional(),
  /** SWE-bench 5.0.2 only: an invalid log that looks like an environment fault (advisory; never changes resolved). */
  infra_failure: z.boolean().optional(),
  infra_failure_reason: z.string().optional(),
  /** Wall time of the whole verification and of the test command alone. */
  total_ms: z.number().optional(),
  test_ms: z.number().optional(),
  /** Where eval.sh, patch.diff, test_output.txt, report.json were written. */
  log_dir: z.string().optional(),
  /**
   * The environment was built without install steps it needed (offline, `--allow-partial-env`): this verdict may
   * differ from the official one. Absent for complete environments.
   */
  env_partial: z.literal(true).optional(),
  /**
   * The patch touches what decides its own grade (test files, conftest.py, pytest/tox configuration, interpreter
   * hooks): see tamper.ts. Informational: the status above stays the official one.
   */
  tamper: Tamper.optional(),
});
export type Verdict = z.infer<typeof Verdict>;
