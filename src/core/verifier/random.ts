import { seededRandom } from '../util/rng.js';
import type { Candidate, Score, Verifier } from './types.js';

/** A chance baseline: uniform random scores from a seed. best@k of it is c/n in expectation at every k. */
export class RandomVerifier implements Verifier {
  readonly name = 'random';
  private readonly rand: () => number;
  constructor(seed = 0) {
    this.rand = seededRandom(seed);
  }

  async scoreInstance(candidates: Candidate[]): Promise<Score[]> {
    return candidates.map(() => ({ score: this.rand(), explanation: 'uniform random (chance baseline)', flags: ['random'] }));
  }
}
