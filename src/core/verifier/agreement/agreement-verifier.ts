import type { Candidate, Score, Verifier } from '../types.js';
import type { RegressionRunner } from '../regression/runner.js';
import { regressInstance, type InstanceRegression } from '../regression/regression-verifier.js';
import { normalizeDiff } from './normalize.js';

export interface AgreementOptions {
  /** Also merge candidates that behave the same on the regression tests (needs Docker). Default true. */
  behaviour?: boolean;
}

/** Union-find over candidate indices. */
function groupsOf(n: number, same: (i: number, j: number) => boolean): number[] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (find(i) !== find(j) && same(i, j)) parent[find(j)] = find(i);
  return parent.map((_, i) => find(i));
}

function behaviourKey(reg: InstanceRegression, i: number): string | undefined {
  const run = reg.perCandidate[i]!.run;
  if (!run.applied || run.timedOut) return undefined;
  // With no regression test to tell them apart, behaviour says nothing: only identical diffs agree.
  if (!reg.baseline.passing.length && !Object.keys(run.statuses).length) return undefined;
  return JSON.stringify(Object.entries(run.statuses).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Self-consistency over the n candidates of one instance: candidates whose patches are equivalent (same normalized
 * diff, or the same behaviour on the regression tests) form a group; the score is group size / n. Empty patches and
 * patches that do not apply belong to no group and score 0.
 */
export class AgreementVerifier implements Verifier {
  readonly name = 'agreement';
  constructor(
    readonly runner: RegressionRunner | undefined,
    readonly opts: AgreementOptions = {},
  ) {}

  async scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]> {
    const n = candidates.length;
    const norm = candidates.map((c) => normalizeDiff(c.patch));
    const useBehaviour = (this.opts.behaviour ?? true) && this.runner !== undefined;
    const reg = useBehaviour ? await regressInstance(this.runner!, candidates, signal) : undefined;
    const viable = candidates.map((c, i) => norm[i] !== '' && (!reg || reg.perCandidate[i]!.run.applied));
    const keys = reg ? candidates.map((_, i) => behaviourKey(reg, i)) : [];
    const root = groupsOf(n, (i, j) => viable[i]! && viable[j]! && (norm[i] === norm[j] || (keys[i] !== undefined && keys[i] === keys[j])));
    return candidates.map((c, i) => {
      if (!viable[i]) {
        const why = norm[i] === '' ? 'empty patch (or whitespace-only changes)' : 'the patch does not apply at base_commit';
        return { score: 0, explanation: `${why}: in no group`, flags: [norm[i] === '' ? 'empty_patch' : 'patch_apply_failed'] };
      }
      const members = root.map((r, j) => (r === root[i] && viable[j] ? j : -1)).filter((j) => j >= 0);
      const sameDiff = members.filter((j) => norm[j] === norm[i]).length;
      return {
        score: members.length / n,
        explanation: `group of ${members.length}/${n} (samples ${members.map((j) => candidates[j]!.sample).join(', ')}): ${sameDiff} with the same normalized diff${reg ? `, ${members.length - sameDiff} with the same behaviour on ${reg.files.length} regression test file(s)` : ''}`,
        flags: reg ? [] : ['diff_only'],
      };
    });
  }
}
