import { seededRandom, shuffled } from '../util/rng.js';
import { passAtKUnbiased } from './pass-at-k.js';

/** One candidate of an instance for selection metrics: its verifier score and (for measuring) the oracle verdict. */
export interface Scored {
  sample: number;
  score: number;
  resolved: boolean;
}

function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Picks the highest score; ties broken at random with the given generator (SWE-Gym: sort over a shuffled list). */
export function selectBest<T extends { score: number }>(cands: readonly T[], rand: () => number): T | undefined {
  // Stable descending sort of a shuffled list = uniformly random among the tied best.
  return [...shuffled(cands, rand)].sort((a, b) => b.score - a.score)[0];
}

/**
 * Exact expected best@k for one instance: over all k-subsets of the n candidates (uniformly), the probability that
 * the top-scored candidate of the subset (ties broken uniformly) is resolved.
 */
export function bestAtKExact(cands: readonly Scored[], k: number): number {
  const n = cands.length;
  if (k < 1 || k > n) throw new Error(`best@${k} needs 1 <= k <= n (n=${n})`);
  const total = choose(n, k);
  let expected = 0;
  for (const c of cands) {
    if (!c.resolved) continue;
    const higher = cands.filter((o) => o.score > c.score).length;
    const tiedOthers = cands.filter((o) => o !== c && o.score === c.score).length;
    const lower = n - higher - tiedOthers - 1;
    let p = 0;
    for (let j = 0; j <= Math.min(tiedOthers, k - 1); j++) p += (choose(tiedOthers, j) * choose(lower, k - 1 - j)) / (j + 1);
    expected += p / total;
  }
  return expected;
}

/** Unbiased pass@k (Chen et al.), the one implementation in metrics/; re-exported for selection code. */
export { passAtKUnbiased };

export interface CurvePoint {
  k: number;
  mean: number;
  std?: number;
}

/**
 * SWE-Gym's estimate (facts §6.5): 100 trials; k=1 uses sample 0 fixed; for k>=2 each instance's run list is
 * shuffled once per trial and k-subsets are its prefixes. Percent of `numInstances` (every instance of the
 * selection, including those with no candidates). `metric` 'best' selects by score, 'pass' is any resolved.
 */
export function swegymTrialsCurve(
  byInstance: ReadonlyArray<readonly Scored[]>,
  numInstances: number,
  metric: 'best' | 'pass',
  opts: { trials?: number; seed?: number; maxK?: number } = {},
): CurvePoint[] {
  const trials = opts.trials ?? 100;
  const maxK = opts.maxK ?? Math.max(0, ...byInstance.map((c) => c.length));
  const rand = seededRandom(opts.seed ?? 42);
  const perK: number[][] = Array.from({ length: maxK }, () => []);
  for (let t = 0; t < trials; t++) {
    const counts = new Array<number>(maxK).fill(0);
    for (const cands of byInstance) {
      if (!cands.length) continue;
      const order = shuffled(cands, rand);
      for (let k = 1; k <= maxK; k++) {
        const subset = k === 1 ? cands.filter((c) => c.sample === 0).slice(0, 1) : order.slice(0, k);
        const pool = subset.length ? subset : order.slice(0, 1);
        const ok = metric === 'pass' ? pool.some((c) => c.resolved) : (selectBest(pool, rand)?.resolved ?? false);
        if (ok) counts[k - 1]!++;
      }
    }
    counts.forEach((c, i) => perK[i]!.push((100 * c) / numInstances));
  }
  return perK.map((xs, i) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    return { k: i + 1, mean, std };
  });
}

/** Exact curves in percent of `numInstances`: best@k (expectation over k-subsets) and unbiased pass@k. */
export function exactCurves(byInstance: ReadonlyArray<readonly Scored[]>, numInstances: number, maxK?: number): { best: CurvePoint[]; pass: CurvePoint[] } {
  const K = maxK ?? Math.min(...byInstance.filter((c) => c.length).map((c) => c.length));
  const best: CurvePoint[] = [];
  const pass: CurvePoint[] = [];
  for (let k = 1; k <= K; k++) {
    let b = 0;
    let p = 0;
    for (const cands of byInstance) {
      if (cands.length < k) continue;
      b += bestAtKExact(cands, k);
      p += passAtKUnbiased(cands.length, cands.filter((c) => c.resolved).length, k);
    }
    best.push({ k, mean: (100 * b) / numInstances });
    pass.push({ k, mean: (100 * p) / numInstances });
  }
  return { best, pass };
}

/** Area under the ROC curve of scores against the oracle (Mann-Whitney; ties count half). NaN without both classes. */
export function auc(items: ReadonlyArray<{ score: number; resolved: boolean }>): number {
  const pos = items.filter((i) => i.resolved);
  const neg = items.filter((i) => !i.resolved);
  if (!pos.length || !neg.length) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
