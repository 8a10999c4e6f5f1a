import type { Candidate, Score, Verifier } from './types.js';

/**
 * The oracle: the ground-truth verdict of the harness (FAIL_TO_PASS and PASS_TO_PASS). For training data and for
 * measuring the other verifiers; it is flagged `oracle` and never used for selection.
 */
export class TestsVerifier implements Verifier {
  readonly name = 'tests';
  readonly oracle = true;

  async scoreInstance(candidates: Candidate[]): Promise<Score[]> {
    return candidates.map((c) => {
      if (!c.verdict) return { score: 0, explanation: 'no verification verdict recorded', flags: ['oracle', 'no_verdict'] };
      return {
        score: c.verdict.resolved ? 1 : 0,
        explanation: `harness verdict: ${c.verdict.status}${c.verdict.reason ? ` (${c.verdict.reason})` : ''}`,
        flags: ['oracle'],
      };
    });
  }
}
