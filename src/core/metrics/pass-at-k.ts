import { mean, mulberry32, std } from './rng.js';

/**
 * Outcomes of one instance: `runs[i]` is whether sample i resolved, `undefined` when sample i has no result
 * (never ran or infra failure). An instance of the selection that never ran has no runs at all and counts as failed.
 */
export interface InstanceRuns {
  instance_id: string;
  runs: Array<boolean | undefined>;
}

/**
 * Unbiased pass@k of Chen et al. (2021): 1 - C(n-c, k) / C(n, k), computed as a product to stay exact for large n.
 * n = samples with a result, c = resolved among them. With n < k the estimator is undefined; we use every sample
 * we have (k := n), which is the best available estimate and is flagged by the caller.
 */
export function passAtKUnbiased(n: number, c: number, k: number): number {
  if (n <= 0) return 0;
  const kk = Math.min(k, n);
  if (n - c < kk) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - kk / i;
  return 1 - prod;
}

export interface PassAtKRow {
  k: number;
  /** Percent over every instance of the selection. */
  unbiased: number;
  /** SWE-Gym's estimator: mean and std over trials, percent. */
  swegym_mean: number;
  swegym_std: number;
  /** Instances whose number of results was below k (their unbiased term used all their samples). */
  short_instances: number;
}

/**
 * SWE-Gym's pass@k (facts §6.5, the Lightman-style "smooth" estimate, not Chen et al.): `trials` trials; in each,
 * every instance's run list is shuffled once; k = 1 always uses run 0 (the t=0 sample); k >= 2 uses the first k runs
 * of the shuffled list. An instance counts when any of those runs resolved. Mean and std over trials, as a percent of
 * all instances (the denominator includes instances that never ran).
 */
export function passAtKSwegym(instances: InstanceRuns[], k: number, trials = 100, seed = 0): { mean: number; std: number } {
  return passAtKSwegymUpTo(instances, k, trials, seed)[k - 1]!;
}

/**
 * passAtKSwegym for every k = 1..maxK in one pass, with the same numbers: every k restarts the generator from
 * `seed` and a shuffle draws as many numbers whatever k is, so trial t shuffles instance i the same way for every
 * k >= 2. One shuffle per (trial, instance) then gives the position of its first resolved run, and the instance
 * counts for every k above it (a 39,008-rollout report shuffled 3.9 million times before, 244,000 now).
 */
export function passAtKSwegymUpTo(instances: InstanceRuns[], maxK: number, trials = 100, seed = 0): Array<{ mean: number; std: number }> {
  const total = instances.length;
  if (total === 0 || maxK < 1) return Array.from({ length: Math.max(0, maxK) }, () => ({ mean: 0, std: 0 }));
  // k = 1 always takes run 0: the same count in every trial.
  const first = instances.filter((inst) => inst.runs[0] === true).length;
  const perK: number[][] = Array.from({ length: maxK }, (_, i) => (i === 0 ? new Array<number>(trials).fill((first * 100) / total) : []));
  if (maxK >= 2) {
    const rand = mulberry32(seed);
    let order = new Int32Array(16);
    const hitsAt = new Array<number>(maxK + 1);
    for (let t = 0; t < trials; t++) {
      hitsAt.fill(0);
      for (const inst of instances) {
        const n = inst.runs.length;
        if (order.length < n) order = new Int32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
        // shuffle() of rng.ts, inlined on a reused array: the same draws, the same permutation.
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          const x = order[i]!;
          order[i] = order[j]!;
          order[j] = x;
        }
        let p = 0;
        while (p < n && inst.runs[order[p]!] !== true) p++;
        // Resolved at shuffled position p: counts for every k > p.
        if (p < n && p < maxK) hitsAt[p]!++;
      }
      let ok = hitsAt[0]!;
      for (let k = 2; k <= maxK; k++) {
        ok += hitsAt[k - 1]!;
        perK[k - 1]!.push((ok * 100) / total);
      }
    }
  }
  return perK.map((xs) => ({ mean: mean(xs), std: std(xs) }));
}

/** pass@k for k = 1..maxK with both estimators, labelled. */
export function passAtKTable(instances: InstanceRuns[], maxK: number, opts: { trials?: number; seed?: number } = {}): PassAtKRow[] {
  const rows: PassAtKRow[] = [];
  const total = instances.length;
  const swegym = passAtKSwegymUpTo(instances, maxK, opts.trials ?? 100, opts.seed ?? 0);
  for (let k = 1; k <= maxK; k++) {
    let sum = 0;
    let short = 0;
    for (const inst of instances) {
      const results = inst.runs.filter((r) => r !== undefined);
      const n = results.length;
      const c = results.filter((r) => r === true).length;
      if (n < k) short++;
      sum += passAtKUnbiased(n, c, k);
    }
    const sg = swegym[k - 1]!;
    rows.push({ k, unbiased: total ? (sum * 100) / total : 0, swegym_mean: sg.mean, swegym_std: sg.std, short_instances: short });
  }
  return rows;
}
