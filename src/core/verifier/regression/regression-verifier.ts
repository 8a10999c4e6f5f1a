import type { Candidate, Score, Verifier } from '../types.js';
import { fileOfTest, RegressionRunner, type BaselineRun, type CandidateRun } from './runner.js';
import type { CoveringTests } from './discover.js';

/** What the regression runs of one instance found; shared with the agreement verifier. */
export interface InstanceRegression {
  /** Union of every candidate's covering test files: all candidates run on the same tests. */
  files: string[];
  baseline: BaselineRun;
  perCandidate: Array<{ covering: CoveringTests; run: CandidateRun }>;
}

/** Discovery, one baseline and one run per candidate, for the candidates of one instance. */
export async function regressInstance(runner: RegressionRunner, candidates: Candidate[], signal?: AbortSignal): Promise<InstanceRegression> {
  const task = candidates[0]?.task;
  if (!task) throw new Error(`no task record for ${candidates[0]?.instanceId ?? 'this instance'}: the regression verifier needs the dataset the session was run on`);
  const covering = await Promise.all(candidates.map((c) => runner.covering(task, c.patch)));
  const files = [...new Set(covering.flatMap((c) => c.files))].sort();
  const baseline = await runner.baseline(task, files, signal);
  const perCandidate: InstanceRegression['perCandidate'] = [];
  // One at a time: every run is a container with the test suite in it.
  for (let i = 0; i < candidates.length; i++) perCandidate.push({ covering: covering[i]!, run: await runner.run(task, candidates[i]!.patch, files, signal) });
  return { files, baseline, perCandidate };
}

/** Regression score of one candidate: the share of its covering tests passing at base_commit that still pass. */
export function regressionScore(reg: InstanceRegression, i: number): Score {
  const { covering, run } = reg.perCandidate[i]!;
  if (run.empty) return { score: 0, explanation: 'empty patch: nothing to verify', flags: ['empty_patch'] };
  if (!run.applied) return { score: 0, explanation: `the patch does not apply at base_commit: ${run.applyOutput.trim().split('\n').slice(-1)[0] ?? ''}`, flags: ['patch_apply_failed'] };
  const own = new Set(covering.files);
  const kept = reg.baseline.passing.filter((id) => own.has(fileOfTest(id)));
  if (!kept.length) {
    const why = covering.files.length ? `none of the ${covering.files.length} covering test file(s) has a test passing at base_commit` : 'no existing test covers the modules the patch touches';
    return { score: 0.5, explanation: `${why}; score is uninformative`, flags: ['no_regression_tests'] };
  }
  const broken = kept.filter((id) => run.statuses[id] !== 'PASSED');
  const score = (kept.length - broken.length) / kept.length;
  const flags = run.timedOut ? ['tests_timed_out'] : [];
  const list = broken.slice(0, 5).join(', ') + (broken.length > 5 ? `, ... (${broken.length - 5} more)` : '');
  return {
    score,
    explanation: `${kept.length - broken.length}/${kept.length} existing tests still pass (in ${covering.files.join(', ')})${broken.length ? `; broken: ${list}` : ''}`,
    flags,
  };
}

/**
 * Scores candidates without gold data: the repository's existing tests covering what the patch touches are kept if
 * they pass at base_commit, run again with the candidate patch in a fresh environment, and the score is the share
 * that still pass.
 */
export class RegressionVerifier implements Verifier {
  readonly name = 'regression';
  constructor(readonly runner: RegressionRunner) {}

  async scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]> {
    const reg = await regressInstance(this.runner, candidates, signal);
    return candidates.map((_, i) => regressionScore(reg, i));
  }
}
