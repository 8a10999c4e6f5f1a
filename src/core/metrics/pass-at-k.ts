import { mean, mulberry32, shuffle, std } from './rng.js';

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
  const rand = mulberry32(seed);
  const total = instances.length;
  if (total === 0) return { mean: 0, std: 0 };
  const perTrial: number[] = [];
  for (let t = 0; t < trials; t++) {
    let ok = 0;
    for (const inst of instances) {
      const order = shuffle(inst.runs.map((_, i) => i), rand);
      const picked = k === 1 ? [0] : order.slice(0, k);
      if (picked.some((i) => inst.runs[i] === true)) ok++;
    }
    perTrial.push((ok * 100) / total);
  }
  return { mean: mean(perTrial), std: std(perTrial) };
}

/** pass@k for k = 1..maxK with both estimators, labelled. */
export function passAtKTable(instances: InstanceRuns[], maxK: number, opts: { trials?: number; seed?: number } = {}): PassAtKRow[] {
  const rows: PassAtKRow[] = [];
  const total = instances.length;
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
    const sg = passAtKSwegym(instances, k, opts.trials ?? 100, opts.seed ?? 0);
    rows.push({ k, unbiased: total ? (sum * 100) / total : 0, swegym_mean: sg.mean, swegym_std: sg.std, short_instances: short });
  }
  return rows;
}
