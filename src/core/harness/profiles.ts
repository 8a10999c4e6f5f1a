import type { TaskRecord } from '../dataset/schema.js';
import type { ProfileName } from './types.js';

/**
 * Every rule in which SWE-Gym's fork, the current official SWE-bench harness and OpenHands' eval_infer differ,
 * written down as data. Nothing in the harness branches on a profile *name*: it reads these fields.
 */
export interface HarnessProfile {
  name: ProfileName;
  /** What this profile reproduces (file and version). */
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
  /** Current official harness: after a successful apply, `*.orig` files found under /testbed are moved back. */
  restoreOrigFiles: boolean;

  // ---- eval script ---------------------------------------------------------------------------------------------
  scriptHeader: string[];
  /** Where eval.sh is copied in the container. */
  evalScriptPath: string;
  /** `: '>>>>> Start Test Output'` / `: '>>>>> End Test Output'` around the test command. */
  markers: boolean;
  /** Informational diff line: `git diff <base>` (fork) or `git -c core.fileMode=false diff <base>` (current). */
  informationalDiff: 'git diff' | 'git -c core.fileMode=false diff';
  /**
   * `regex`: files = every match of `--- a/(.*)` in test_patch, one `git checkout <base> <files>` even when empty.
   * `unidiff`: modified files (source not /dev/null) get `git checkout`, new files get `rm -f`, each only when
   * non-empty (SWE-bench #518).
   */
  testFileReset: 'regex' | 'unidiff';
  /** Django directives: current harness keeps only test files (`is_django_test_file`); the fork converts all. */
  djangoFilterTestFiles: boolean;
  /**
   * python/mypy: `test_cmd "caseA or caseB"` from the `[case NAME]` headers (SWE-Gym fork `make_test_command`).
   * The official harness has no mypy spec at all, so every profile keeps the fork's rule.
   */
  mypyCaseExpression: boolean;

  // ---- log validity and parsing --------------------------------------------------------------------------------
  /** Any of these anywhere in test_output -> invalid log (no status map). */
  badCodes: string[];
  /** Fork: the log must contain "applied patch" (case-insensitive) — git apply -v's line for the *test* patch. */
  requireAppliedPatchText: boolean;
  /** Fork: parse the text after the last `>>>>> Applied Patch (pred)`; current: parse between the markers. */
  parseRegion: 'after-applied-pred' | 'between-markers';
  /** Current harness: when nothing parses between the markers, parse the whole log. */
  wholeLogFallback: boolean;
  /** Parser implementations: the fork's log_parsers.py or the current log_parsers/python.py. */
  parserFlavor: 'fork' | 'current';

  // ---- grading -------------------------------------------------------------------------------------------------
  /** Statuses that count as passed. */
  passStatuses: string[];
  /** Statuses (besides a missing test) that count as failed. SKIPPED is in it only for the current harness. */
  failStatuses: string[];
  /** Current harness `test_maintained`: a SKIPPED PASS_TO_PASS test counts as a success. */
  skippedP2PIsSuccess: boolean;

  // ---- timeouts --------------------------------------------------------------------------------------------------
  /** `error`: timeout -> error, no report.json. `grade-partial`: the partial log is graded (OpenHands). */
  onTimeout: 'error' | 'grade-partial';
  defaultTimeoutSec: number;

  // ---- reports ---------------------------------------------------------------------------------------------------
  /** Key order of the run summary: fork v2.0.13 (unstopped_* among the counts) or current (appended at the end). */
  summaryLayout: 'v2' | 'current';
}

export const APPLY_PATCH_FAIL = '>>>>> Patch Apply Failed';
export const APPLY_PATCH_PASS = '>>>>> Applied Patch';
export const RESET_FAILED = '>>>>> Reset Failed';
export const TESTS_ERROR = '>>>>> Tests Errored';
export const TESTS_TIMEOUT = '>>>>> Tests Timed Out';
export const START_TEST_OUTPUT = '>>>>> Start Test Output';
export const END_TEST_OUTPUT = '>>>>> End Test Output';
export const HEREDOC_DELIMITER = 'EOF_114329324912';
/** Extensions dropped from test directives (fork and current constants.NON_TEST_EXTS; "csv" has no dot upstream). */
export const NON_TEST_EXTS = ['.json', '.png', 'csv', '.txt', '.md', '.jpg', '.jpeg', '.pkl', '.yml', '.yaml', '.toml'];

const SWEGYM: HarnessProfile = {
  name: 'swegym',
  source:
    'SWE-Gym/SWE-Bench-Fork (SWE-bench 2.0.x, evaluation as v2.0.13): run_evaluation.py, test_spec.py, grading.py, log_parsers.py',
  cleanPatch: false,
  patchPath: '/tmp/patch.diff',
  applyMode: 'sequence',
  applyCommands: ['git apply --allow-empty -v', 'patch --batch --fuzz=5 -p1 -i'],
  restoreOrigFiles: false,
  scriptHeader: ['#!/bin/bash', 'set -xo pipefail'],
  evalScriptPath: '/eval.sh',
  markers: false,
  informationalDiff: 'git diff',
  testFileReset: 'regex',
  djangoFilterTestFiles: false,
  mypyCaseExpression: true,
  badCodes: [APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT, 'Failed to reset task environment'],
  requireAppliedPatchText: true,
  parseRegion: 'after-applied-pred',
  wholeLogFallback: false,
  parserFlavor: 'fork',
  passStatuses: ['PASSED', 'XFAIL'],
  failStatuses: ['FAILED', 'ERROR'],
  skippedP2PIsSuccess: false,
  onTimeout: 'error',
  defaultTimeoutSec: 1800,
  summaryLayout: 'v2',
};

const SWEBENCH: HarnessProfile = {
  name: 'swebench',
  source:
    'SWE-bench/SWE-bench main: harness/run_evaluation.py (GIT_APPLY_CMDS, .orig restore), test_spec/python.py ' +
    '(make_eval_script_list_py with markers, modified/new file reset), grading.py (test_maintained, whole-log ' +
    'fallback), log_parsers/python.py (_parse_pytest_result_line), reporting.py (schema_version 2)',
  cleanPatch: false,
  patchPath: '/tmp/patch.diff',
  applyMode: 'sequence',
  applyCommands: ['git apply --verbose', 'git apply --verbose --reject', 'patch --batch --fuzz=5 -p1 -i'],
  restoreOrigFiles: true,
  scriptHeader: ['#!/bin/bash', 'set -uxo pipefail'],
  evalScriptPath: '/eval.sh',
  markers: true,
  informationalDiff: 'git -c core.fileMode=false diff',
  testFileReset: 'unidiff',
  djangoFilterTestFiles: true,
  mypyCaseExpression: true,
  badCodes: [APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT],
  requireAppliedPatchText: false,
  parseRegion: 'between-markers',
  wholeLogFallback: true,
  parserFlavor: 'current',
  passStatuses: ['PASSED', 'XFAIL'],
  failStatuses: ['FAILED', 'ERROR', 'SKIPPED'],
  skippedP2PIsSuccess: true,
  onTimeout: 'error',
  defaultTimeoutSec: 1800,
  summaryLayout: 'current',
};

const OPENHANDS: HarnessProfile = {
  ...SWEGYM,
  name: 'openhands',
  source:
    'SWE-Gym/OpenHands evaluation/swe_bench/eval_infer.py (process_git_patch, APPLY_PATCH_PASS/FAIL chain, ' +
    'background eval.sh polled up to 1800 s, partial log graded) over the SWE-Gym fork of the harness',
  cleanPatch: true,
  applyMode: 'openhands-chain',
  applyCommands: ['git apply -v', 'patch --batch --fuzz=5 -p1 -i'],
  evalScriptPath: '/tmp/eval.sh',
  onTimeout: 'grade-partial',
};

export const PROFILES: Record<ProfileName, HarnessProfile> = {
  swegym: SWEGYM,
  swebench: SWEBENCH,
  openhands: OPENHANDS,
};

export function getProfile(name: ProfileName | string): HarnessProfile {
  const p = (PROFILES as Record<string, HarnessProfile>)[name];
  if (!p) throw new Error(`unknown harness profile "${name}" (expected one of: ${Object.keys(PROFILES).join(', ')})`);
  return p;
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
