import type { RolloutSummary } from '../session/types.js';
import { auc, exactCurves, swegymTrialsCurve, type CurvePoint, type Scored } from '../metrics/best-of-n.js';

export interface SelectionReport {
  verifier: string;
  /** Denominator: every instance of the session's selection. */
  instances: number;
  candidates: number;
  /** Candidates per instance used for the curves (the smallest n over instances with candidates). */
  n: number;
  best_exact: CurvePoint[];
  pass_exact: CurvePoint[];
  /** SWE-Gym's 100-trial estimate (k=1 is sample 0), comparable with the paper's figures. */
  best_trials: CurvePoint[];
  pass_trials: CurvePoint[];
  /** AUC of this verifier's scores against the oracle verdict (NaN without both classes). */
  auc: number;
}

/** Candidates of each instance with a score and the oracle verdict. Rollouts without a verdict count as unresolved. */
export function scoredByInstance(rows: ReadonlyArray<{ instance_id: string; sample: number; score: number; resolved?: boolean }>): Map<string, Scored[]> {
  const map = new Map<string, Scored[]>();
  for (const r of rows) {
    const list = map.get(r.instance_id) ?? [];
    list.push({ sample: r.sample, score: r.score, resolved: r.resolved === true });
    map.set(r.instance_id, list);
  }
  return map;
}

export function selectionReport(
  verifier: string,
  rows: ReadonlyArray<{ instance_id: string; sample: number; score: number; resolved?: boolean }>,
  instanceIds: readonly string[],
  opts: { trials?: number; seed?: number } = {},
): SelectionReport {
  const by = scoredByInstance(rows);
  const groups = [...by.values()];
  const nonEmpty = groups.filter((g) => g.length);
  const n = nonEmpty.length ? Math.min(...nonEmpty.map((g) => g.length)) : 0;
  const denom = Math.max(instanceIds.length, by.size);
  const { best, pass } = n ? exactCurves(groups, denom, n) : { best: [], pass: [] };
  const trialOpts = { trials: opts.trials ?? 100, seed: opts.seed ?? 42, maxK: n };
  return {
    verifier,
    instances: denom,
    candidates: rows.length,
    n,
    best_exact: best,
    pass_exact: pass,
    best_trials: n ? swegymTrialsCurve(groups, denom, 'best', trialOpts) : [],
    pass_trials: n ? swegymTrialsCurve(groups, denom, 'pass', trialOpts) : [],
    auc: auc(rows.map((r) => ({ score: r.score, resolved: r.resolved === true }))),
  };
}

/** AUC against the oracle of every verifier that has scored the session's rollouts (the oracle itself left out). */
export function aucByVerifier(summaries: readonly RolloutSummary[]): Record<string, { auc: number; scored: number }> {
  const names = new Set(summaries.flatMap((s) => Object.keys(s.scores)));
  const out: Record<string, { auc: number; scored: number }> = {};
  for (const name of [...names].sort()) {
    const items = summaries.filter((s) => s.scores[name] !== undefined && s.resolved !== undefined).map((s) => ({ score: s.scores[name]!, resolved: s.resolved === true }));
    out[name] = { auc: auc(items), scored: items.length };
  }
  return out;
}
