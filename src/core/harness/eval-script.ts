import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { ProfileName } from './types.js';
import {
  END_TEST_OUTPUT,
  HEREDOC_DELIMITER,
  NON_TEST_EXTS,
  START_TEST_OUTPUT,
  TEST_EXIT_CODE,
  TEST_EXIT_CODE_VAR,
  getProfile,
  type HarnessProfile,
} from './profiles.js';
import { pyStrip } from './parsers.js';
import { diffTargets, regexModifiedFiles, unidiffModifiedFiles, unidiffNewFiles } from './patch-files.js';

export const REPO_DIRECTORY = '/testbed';
export const ENV_NAME = 'testbed';
export const DEFAULT_ACTIVATE = ['source /opt/miniconda3/bin/activate', `conda activate ${ENV_NAME}`];

export interface EvalScriptOptions {
  /** Drop the lines that need the network (pip install / conda install / conda create), as the 3P port did. */
  offline?: boolean;
}

const NETWORK_LINE = /pip install|conda install|conda create/;

/** `get_test_directives` (same in every version): test-patch targets minus non-test extensions; django as dotted modules. */
export function getTestDirectives(task: Pick<TaskRecord, 'repo' | 'test_patch'>): string[] {
  if (task.repo === 'swe-bench/humaneval') return ['test.py'];
  let directives = diffTargets(task.test_patch).filter((d) => !NON_TEST_EXTS.some((ext) => d.endsWith(ext)));
  if (task.repo === 'django/django') {
    directives = directives.map((d) => {
      let x = d.endsWith('.py') ? d.slice(0, -3) : d;
      x = x.startsWith('tests/') ? x.slice('tests/'.length) : x;
      return x.replace(/\//g, '.');
    });
  }
  return directives;
}

/** The `[case NAME]` headers of a mypy test patch (fork `make_test_command`). */
export function mypyCaseNames(testPatch: string): string[] {
  return [...testPatch.matchAll(/\[case ([^\]]+)\]/g)].map((m) => m[1]);
}

function testCmdLines(spec: EnvSpec): string[] {
  if (spec.test_cmd === null) {
    throw new Error('the env spec has no test_cmd (as SWE-bench v4.1.0 has none for dbt-labs/dbt-core): no eval script can be built');
  }
  return Array.isArray(spec.test_cmd) ? spec.test_cmd : [spec.test_cmd];
}

/** The test command lines: test_cmd + directives (mypy: + a double-quoted `-k` expression). */
export function makeTestCommand(task: TaskRecord, spec: EnvSpec, profileName: ProfileName): string[] {
  const profile = getProfile(profileName);
  const cmds = testCmdLines(spec);
  const head = cmds.slice(0, -1);
  const last = cmds[cmds.length - 1];
  if (profile.mypyCaseExpression && task.repo === 'python/mypy') {
    return [...head, `${last} "${mypyCaseNames(task.test_patch).join(' or ')}"`];
  }
  return [...head, [last, ...getTestDirectives(task)].join(' ')];
}

function resetCommands(task: TaskRecord, profile: HarnessProfile): string[] {
  const base = task.base_commit;
  if (profile.testFileReset === 'regex') {
    return [`git checkout ${base} ${regexModifiedFiles(task.test_patch).join(' ')}`];
  }
  if (profile.testFileReset === 'unidiff') {
    return [`git checkout ${base} ${unidiffModifiedFiles(task.test_patch).join(' ')}`];
  }
  const modified = unidiffModifiedFiles(task.test_patch);
  const added = unidiffNewFiles(task.test_patch);
  const out: string[] = [];
  if (modified.length) out.push(`git checkout ${base} ${modified.join(' ')}`);
  if (added.length) out.push(`rm -f ${added.join(' ')}`);
  return out;
}

function dropNetwork(command: string, offline: boolean): string[] {
  if (!offline) return [command];
  const kept = command.split('\n').filter((l) => !NETWORK_LINE.test(l));
  return kept.length ? [kept.join('\n')] : [];
}

/** `make_eval_script_list`: the eval script as a list of commands, in the harness's order. */
export function makeEvalScriptList(
  task: TaskRecord,
  spec: EnvSpec,
  profileName: ProfileName,
  opts: EvalScriptOptions = {},
): string[] {
  const profile = getProfile(profileName);
  const offline = !!opts.offline;
  const activate = spec.activate ?? DEFAULT_ACTIVATE;
  const reset = resetCommands(task, profile);
  const applyTestPatch = `git apply -v - <<'${HEREDOC_DELIMITER}'\n${task.test_patch}\n${HEREDOC_DELIMITER}`;

  const cmds: string[] = [...activate, `cd ${REPO_DIRECTORY}`];
  for (const c of spec.eval_commands ?? []) cmds.push(...dropNetwork(c, offline));
  cmds.push(
    `git config --global --add safe.directory ${REPO_DIRECTORY}`,
    `cd ${REPO_DIRECTORY}`,
    'git status',
    'git show',
    `${profile.informationalDiff} ${task.base_commit}`,
    ...activate,
  );
  if (spec.install !== undefined) cmds.push(...dropNetwork(spec.install, offline));
  cmds.push(...reset, applyTestPatch);
  const test = makeTestCommand(task, spec, profileName);
  if (profile.markers) cmds.push(`: '${START_TEST_OUTPUT}'`, ...test, `: '${END_TEST_OUTPUT}'`);
  else cmds.push(...test);
  cmds.push(...reset);
  return profile.exitCodeLines ? recordTestExitCode(cmds) : cmds;
}

/**
 * main's `record_test_exit_code`: `SWEBENCH_TEST_EXIT_CODE=$?` right before the first line holding the end marker
 * and its echo right after it, so the test command's own status lands in the log outside the parsed region. A
 * script without the marker is left as it is.
 */
export function recordTestExitCode(lines: string[]): string[] {
  const i = lines.findIndex((l) => l.includes(END_TEST_OUTPUT));
  if (i < 0) return lines;
  return [...lines.slice(0, i), `${TEST_EXIT_CODE_VAR}=$?`, lines[i], `echo "${TEST_EXIT_CODE}: $${TEST_EXIT_CODE_VAR}"`, ...lines.slice(i + 1)];
}

/**
 * main's `parse_eval_script`: a record's eval_script as lines, stripped, without any line that is exactly the
 * shebang or `set -uxo pipefail` (wherever it stands).
 */
export function parseEvalScript(evalScript: string): string[] {
  return pyStrip(evalScript)
    .split('\n')
    .filter((l) => l !== '#!/bin/bash' && l !== 'set -uxo pipefail');
}

/** Whether this profile takes the eval script from the record (main, for SWE-bench 5.x records that carry one). */
export function usesRecordEvalScript(task: { eval_script?: string }, profileName: ProfileName): boolean {
  return getProfile(profileName).recordFields && typeof task.eval_script === 'string' && task.eval_script !== '';
}

/**
 * The eval.sh text, byte for byte as the harness writes it: header + commands joined by "\n" + "\n". Under main, a
 * record that carries `eval_script` supplies the commands (make_test_spec: parse_eval_script, then
 * record_test_exit_code); otherwise they are built from the env spec.
 */
export function makeEvalScript(
  task: TaskRecord,
  spec: EnvSpec,
  profile: ProfileName,
  opts: EvalScriptOptions = {},
): string {
  const lines = usesRecordEvalScript(task, profile)
    ? recordTestExitCode(parseEvalScript(task.eval_script!))
    : makeEvalScriptList(task, spec, profile, opts);
  return [...getProfile(profile).scriptHeader, ...lines].join('\n') + '\n';
}

/**
 * The candidate-patch apply step, run in /testbed as root. `sequence` profiles: the commands to try in order.
 * `openhands-chain`: a single command whose output carries APPLY_PATCH_PASS or APPLY_PATCH_FAIL.
 */
export function makeApplyCommands(profileName: ProfileName): string[] {
  const p = getProfile(profileName);
  if (p.applyMode === 'sequence') return p.applyCommands.map((c) => `${c} ${p.patchPath}`);
  const [git, patch] = p.applyCommands;
  return [
    `cd ${REPO_DIRECTORY} && ` +
      `(${git} ${p.patchPath} && echo 'APPLY_PATCH_PASS' || ` +
      `(echo 'Failed to apply patch with git apply, trying with patch command...' && ` +
      `(${patch} ${p.patchPath} && echo 'APPLY_PATCH_PASS' || ` +
      `echo 'APPLY_PATCH_FAIL')))`,
  ];
}
