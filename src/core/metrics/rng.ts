import { seededRandom } from '../util/rng.js';

/** The project's seeded PRNG (mulberry32, util/rng.ts), under the name the metrics code uses. */
export const mulberry32 = seededRandom;

/** Fisher-Yates, in place. */
export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Population standard deviation (numpy's default, ddof=0), as the SWE-Gym / OpenHands scripts report. */
export function std(xs: number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}
