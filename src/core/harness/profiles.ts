import type { TaskRecord } from '../dataset/schema.js';
import type { ProfileName } from './types.js';

import type { HarnessVersion } from './parsers.js';

/**
 * A harness profile is exactly one pinned official harness: every rule in which SWE-Gym's fork, SWE-bench v4.1.0,
 * SWE-bench 5.0.2 (main 7a21e05) and OpenHands' eval_infer differ, written down as data. Nothing in the harness
 * branches on a profile *name*: it reads these fields. Each field says which version's code it reproduces.
 */
export interface HarnessProfile {
  name: ProfileName;
  /** The one official version this profile reproduces, as recorded in reports and manifests. */
  official: string;
  /** Which version's parsers and grading functions (see parsers.ts and test/fixtures/official). */
  version: HarnessVersion;
  /** The files of that version this profile follows. */
  source: string;

  // ---- patch preparation and application -------------------------------------------------------------------
  /** OpenHands `process_git_patch`: CRLF -> LF, drop everything before the first `diff --git` line, rstrip + "\n". */
  cleanPatch: boolean;
  /** Where the candidate patch is written inside the container. */
  patchPath: string;
  /**
   * `sequence`: try each command (followed by the patch path) in order, stop at the first exit code 0.
   * `openhands-chain`: one shell chain echoing APPLY_PATCH_PASS / APPLY_PATCH_FAIL, judged by its output.
   */
  applyMode: 'sequence' | 'openhands-chain';
  applyCommands: string[];
  /** main: before every attempt after the first, `git checkout -- . ; git clean -fd` restores a pristine tree. */
  applyResetBetweenAttempts: boolean;
  /** main: when every command failed, `git apply --check --reverse` exit 0 counts as "verified already applied". */
  applyReverseCheck: boolean;

  // ---- record fields -------------------------------------------------------------------------------------------
  /**
   * main: a record's `eval_script`, `log_parser` and `eval_type` (SWE-bench 5.x datasets) take the place of the
   * env spec's script builder, parser and the default eval type.
   */
  recordFields: boolean;

  // ---- eval script ---------------------------------------------------------------------------------------------
  scriptHeader: string[];
  /** Where eval.sh is copied in the container. */
  evalScriptPath: string;
  /** `: '>>>>> Start Test Output'` / `: '>>>>> End Test Output'` around the test command. */
  markers: boolean;
  /** main `record_test_exit_code`: `SWEBENCH_TEST_EXIT_CODE=$?` before the end marker, its echo after it. */
  exitCodeLines: boolean;
  /** Informational diff line: `git diff <base>` (fork) or `git -c core.fileMode=false diff <base>` (SWE-bench). */
  informationalDiff: 'git diff' | 'git -c core.fileMode=false diff';
  /**
   * `regex` (fork): files = every match of `--- a/(.*)` in test_patch, one `git checkout <base> <files>`.
   * `unidiff` (v4.1.0): files whose source is not /dev/null, one `git checkout <base> <files>` even when empty.
   * `unidiff-split` (main's last builder, 6cd91d8, SWE-bench #518): modified files get `git checkout`, new files
   * `rm -f`, each only when non-empty.
   */
  testFileReset: 'regex' | 'unidiff' | 'unidiff-split';
  /**
   * python/mypy: `test_cmd "caseA or caseB"` from the `[case NAME]` headers (the fork's `make_test_command`). Only
   * the fork has a mypy spec; SWE-bench's tables have no mypy, so the SWE-bench profiles keep the fork's rule for
   * it along with the fork's spec entry (plain directives would hand pytest the .test data files).
   */
  mypyCaseExpression: boolean;

  // ---- log validity and parsing --------------------------------------------------------------------------------
  /** Any of these anywhere in test_output -> invalid log (no status map). */
  badCodes: string[];
  /** Fork: the log must contain "applied patch" (case-insensitive) — git apply -v's line for the *test* patch. */
  requireAppliedPatchText: boolean;
  /** Fork: parse the text after the last `>>>>> Applied Patch (pred)`; SWE-bench: parse between the markers. */
  parseRegion: 'after-applied-pred' | 'between-markers';
  /** v4.1.0 and main: when nothing parses between the markers, parse the whole log. */
  wholeLogFallback: boolean;
  /** main: an empty status map with no sign that a suite ran (`SUITE_RAN`) is an invalid log. */
  suiteRanCheck: boolean;
  /** main: `>>>>> Test Exit Code: N` with N != 0 and no FAILED/ERROR in the map is an invalid log. */
  exitCodeCheck: boolean;

  // ---- grading -------------------------------------------------------------------------------------------------
  /** main: a SKIPPED FAIL_TO_PASS test is a failure (fork and v4.1.0: neither success nor failure). */
  skippedFailsF2P: boolean;
  /** main `test_maintained`: a SKIPPED PASS_TO_PASS test counts as a success. */
  skippedP2PIsSuccess: boolean;
  /** main `_resolve_case`: a gold id with more `[` than `]` matches status-map keys by prefix when they agree. */
  truncatedIdPrefixMatch: boolean;
  /**
   * Where `eval_type` (pass_and_fail | fail_only) comes from: `none` (fork: always pass_and_fail), `repo`
   * (v4.1.0: fail_only for FAIL_ONLY_REPOS), `record` (main: the record's `eval_type`).
   */
  evalTypeSource: 'none' | 'repo' | 'record';
  /** main: reports carry `infra_failure` (+ `infra_failure_reason` for an invalid log with a known signature). */
  infraFailure: boolean;

  // ---- timeouts --------------------------------------------------------------------------------------------------
  /** `error`: timeout -> error, no report.json. `grade-partial`: the partial log is graded (OpenHands). */
  onTimeout: 'error' | 'grade-partial';
  defaultTimeoutSec: number;

  // ---- reports ---------------------------------------------------------------------------------------------------
  /** A None patch: the fork sets `none: true` (and leaves patch_is_None false); SWE-bench sets patch_is_None. */
  nonePatchKey: 'none' | 'patch_is_None';
  /** Run summary keys: fork v2.0.13, v4.1.0, or main (with the infra-failure classification). */
  summaryLayout: 'v2' | 'v4.1' | 'main';
}

export const APPLY_PATCH_FAIL = '>>>>> Patch Apply Failed';
export const APPLY_PATCH_PASS = '>>>>> Applied Patch';
export const RESET_FAILED = '>>>>> Reset Failed';
export const TESTS_ERROR = '>>>>> Tests Errored';
export const TESTS_TIMEOUT = '>>>>> Tests Timed Out';
export const START_TEST_OUTPUT = '>>>>> Start Test Output';
export const END_TEST_OUTPUT = '>>>>> End Test Output';
export const TEST_EXIT_CODE = '>>>>> Test Exit Code';
export const TEST_EXIT_CODE_VAR = 'SWEBENCH_TEST_EXIT_CODE';
export const HEREDOC_DELIMITER = 'EOF_114329324912';
/** Extensions dropped from test directives (fork and SWE-bench constants.NON_TEST_EXTS; "csv" has no dot upstream). */
export const NON_TEST_EXTS = ['.json', '.png', 'csv', '.txt', '.md', '.jpg', '.jpeg', '.pkl', '.yml', '.yaml', '.toml'];
/** v4.1.0 `FAIL_ONLY_REPOS`. */
export const FAIL_ONLY_REPOS_V41 = new Set(['chartjs/Chart.js', 'processing/p5.js', 'markedjs/marked']);

const SWEGYM: HarnessProfile = {
  name: 'swegym',
  official: 'SWE-Gym/SWE-Bench-Fork 242429c (swebench 2.0.13)',
  version: 'fork-242429c',
  source: 'SWE-Gym/SWE-Bench-Fork@242429c swebench/harness: run_evaluation.py, test_spec.py, grading.py, log_parsers.py',
  cleanPatch: false,
  patchPath: '/tmp/patch.diff',
  applyMode: 'sequence',
  applyCommands: ['git apply --allow-empty -v', 'patch --batch --fuzz=5 -p1 -i'],
  applyResetBetweenAttempts: false,
  applyReverseCheck: false,
  recordFields: false,
  scriptHeader: ['#!/bin/bash', 'set -xo pipefail'],
  evalScriptPath: '/eval.sh',
  markers: false,
  exitCodeLines: false,
  informationalDiff: 'git diff',
  testFileReset: 'regex',
  mypyCaseExpression: true,
  badCodes: [APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT, 'Failed to reset task environment'],
  requireAppliedPatchText: true,
  parseRegion: 'after-applied-pred',
  wholeLogFallback: false,
  suiteRanCheck: false,
  exitCodeCheck: false,
  skippedFailsF2P: false,
  skippedP2PIsSuccess: false,
  truncatedIdPrefixMatch: false,
  evalTypeSource: 'none',
  infraFailure: false,
  onTimeout: 'error',
  defaultTimeoutSec: 1800,
  nonePatchKey: 'none',
  summaryLayout: 'v2',
};

const SWEBENCH_41: HarnessProfile = {
  name: 'swebench-4.1',
  official: 'SWE-bench 4.1.0 (tag v4.1.0, 726c546)',
  version: 'v4.1.0-726c546',
  source:
    'SWE-bench/SWE-bench@v4.1.0 swebench/harness: run_evaluation.py (GIT_APPLY_CMDS), test_spec/python.py ' +
    '(make_eval_script_list_py), grading.py, log_parsers/python.py, reporting.py',
  cleanPatch: false,
  patchPath: '/tmp/patch.diff',
  applyMode: 'sequence',
  applyCommands: ['git apply --verbose', 'git apply --verbose --reject', 'patch --batch --fuzz=5 -p1 -i'],
  applyResetBetweenAttempts: false,
  applyReverseCheck: false,
  recordFields: false,
  scriptHeader: ['#!/bin/bash', 'set -uxo pipefail'],
  evalScriptPath: '/eval.sh',
  markers: true,
  exitCodeLines: false,
  informationalDiff: 'git -c core.fileMode=false diff',
  testFileReset: 'unidiff',
  mypyCaseExpression: true,
  badCodes: [APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT],
  requireAppliedPatchText: false,
  parseRegion: 'between-markers',
  wholeLogFallback: true,
  suiteRanCheck: false,
  exitCodeCheck: false,
  skippedFailsF2P: false,
  skippedP2PIsSuccess: false,
  truncatedIdPrefixMatch: false,
  evalTypeSource: 'repo',
  infraFailure: false,
  onTimeout: 'error',
  defaultTimeoutSec: 1800,
  nonePatchKey: 'patch_is_None',
  summaryLayout: 'v4.1',
};

const SWEBENCH: HarnessProfile = {
  ...SWEBENCH_41,
  name: 'swebench',
  official: 'SWE-bench 5.0.2 (main 7a21e05)',
  version: 'main-7a21e05',
  source:
    'SWE-bench/SWE-bench@7a21e05 swebench/harness: run_evaluation.py (GIT_APPLY_CMDS, reset between attempts, ' +
    'reverse check), utils.py (make_test_spec: parse_eval_script, record_test_exit_code), grading.py, ' +
    'infra_failure.py, log_parsers/python.py, reporting.py. Records without eval_script: the script of main\'s last ' +
    'builder (6cd91d8 test_spec/python.py make_eval_script_list_py) plus the exit-code lines',
  applyCommands: ['git apply --verbose', 'git apply --verbose --3way', 'git apply --verbose --reject', 'patch --batch --forward --fuzz=5 -p1 -i'],
  applyResetBetweenAttempts: true,
  applyReverseCheck: true,
  recordFields: true,
  exitCodeLines: true,
  testFileReset: 'unidiff-split',
  suiteRanCheck: true,
  exitCodeCheck: true,
  skippedFailsF2P: true,
  skippedP2PIsSuccess: true,
  truncatedIdPrefixMatch: true,
  evalTypeSource: 'record',
  infraFailure: true,
  summaryLayout: 'main',
};

/**
 * What SWE-Gym's reported numbers were graded with: SWE-Gym/OpenHands e644a2c evaluation/swe_bench/eval_infer.py
 * (patch cleaning, the APPLY_PATCH_PASS/FAIL chain, eval.sh polled for up to 1800 s, a partial log graded) calling
 * the fork's grading. Its poetry.lock pins SWE-Bench-Fork e440817, whose swebench/ tree is identical to 242429c's,
 * so it is pinned to that pair rather than aliased to `swegym`: the apply step and timeout differ.
 */
const OPENHANDS: HarnessProfile = {
  ...SWEGYM,
  name: 'openhands',
  official: 'SWE-Gym/OpenHands e644a2c eval_infer.py + SWE-Gym/SWE-Bench-Fork 242429c grading',
  source:
    'SWE-Gym/OpenHands@e644a2c evaluation/swe_bench/eval_infer.py (process_git_patch, APPLY_PATCH_PASS/FAIL chain, ' +
    'background eval.sh polled up to 1800 s, partial log graded) over SWE-Gym/SWE-Bench-Fork@242429c (= e440817 in its poetry.lock)',
  cleanPatch: true,
  applyMode: 'openhands-chain',
  applyCommands: ['git apply -v', 'patch --batch --fuzz=5 -p1 -i'],
  evalScriptPath: '/tmp/eval.sh',
  onTimeout: 'grade-partial',
};

export const PROFILES: Record<ProfileName, HarnessProfile> = {
  swegym: SWEGYM,
  swebench: SWEBENCH,
  'swebench-4.1': SWEBENCH_41,
  openhands: OPENHANDS,
};

export function getProfile(name: ProfileName | string): HarnessProfile {
  const p = (PROFILES as Record<string, HarnessProfile>)[name];
  if (!p) throw new Error(`unknown harness profile "${name}" (expected one of: ${Object.keys(PROFILES).join(', ')})`);
  return p;
}

/** What every report, run summary and session manifest records about the harness. */
export interface HarnessStamp {
  profile: ProfileName;
  official: string;
}
export function harnessStamp(name: ProfileName): HarnessStamp {
  return { profile: name, official: getProfile(name).official };
}
/** The distinct profiles a set of tasks is verified with (`profile`, or each task's default), stamped. */
export function harnessStampsFor(
  tasks: (Pick<TaskRecord, 'repo'> & { environment_setup_commit?: string })[],
  profile?: ProfileName,
): HarnessStamp[] {
  const names = [...new Set(tasks.map((t) => profile ?? defaultProfileFor(t)))];
  return names.map(harnessStamp);
}

/** The 11 SWE-Gym repositories (lower-cased owner/name). */
export const SWE_GYM_REPOS = new Set([
  'getmoto/moto',
  'python/mypy',
  'conan-io/conan',
  'dask/dask',
  'project-monai/monai',
  'iterative/dvc',
  'bokeh/bokeh',
  'modin-project/modin',
  'pydantic/pydantic',
  'pandas-dev/pandas',
  'facebookresearch/hydra',
]);

/**
 * `swegym` for SWE-Gym data, `swebench` for SWE-bench data. SWE-Gym records have no environment_setup_commit
 * while SWE-bench records always have one; the repo list settles the rest (our own sample repos count as SWE-Gym
 * data: they ship in its format).
 */
export function defaultProfileFor(task: Pick<TaskRecord, 'repo'> & { environment_setup_commit?: string }): ProfileName {
  if (SWE_GYM_REPOS.has(task.repo.toLowerCase())) return 'swegym';
  if (task.environment_setup_commit) return 'swebench';
  return 'swegym';
}
