import { mulberry32, shuffle, std } from './rng.js';

/**
 * Resolve rate with the spread SWE-Gym printed as "±" (facts §7.1, OpenHands summarize_outputs.py): 1,000 resamples,
 * each of half the instances drawn WITHOUT replacement; the std (ddof 0) of the resamples' resolve rates.
 * `outcomes` has one entry per instance of the selection (an instance that never ran is `false`). Percent.
 */
export function resolveRateWithBootstrap(outcomes: boolean[], opts: { resamples?: number; seed?: number } = {}): { rate: number; std: number } {
  const n = outcomes.length;
  if (n === 0) return { rate: 0, std: 0 };
  const rate = (outcomes.filter(Boolean).length * 100) / n;
  const half = Math.max(1, Math.floor(n / 2));
  const rand = mulberry32(opts.seed ?? 42);
  const rates: number[] = [];
  const idx = outcomes.map((_, i) => i);
  for (let r = 0; r < (opts.resamples ?? 1000); r++) {
    shuffle(idx, rand);
    let ok = 0;
    for (let i = 0; i < half; i++) if (outcomes[idx[i]!]) ok++;
    rates.push((ok * 100) / half);
  }
  return { rate, std: std(rates) };
}
