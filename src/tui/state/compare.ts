import type { RolloutSummary } from '../../core/session/index.js';
import { exactCurves } from '../../core/metrics/index.js';

/** View-side arithmetic for the compare screens: ranking, equivalence, pass@k / best@k, run matrices. */

export function meanScore(s: RolloutSummary): number | undefined {
  const v = Object.values(s.scores);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

/** Verifier score first (what selection would use), then resolved, then the smaller patch. */
export function rankCandidates(cands: RolloutSummary[]): RolloutSummary[] {
  return [...cands].sort(
    (a, b) =>
      (meanScore(b) ?? -1) - (meanScore(a) ?? -1) ||
      Number(b.resolved ?? false) - Number(a.resolved ?? false) ||
      (a.patch_lines ?? Infinity) - (b.patch_lines ?? Infinity) ||
      a.sample - b.sample,
  );
}

/** Normalised patch text: index lines and trailing whitespace do not make two patches different. */
export function normalizePatch(p: string): string {
  return p
    .split('\n')
    .filter((l) => !l.startsWith('index '))
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l !== '')
    .join('\n');
}

/** Groups of rollout ids whose patches are equivalent; each rollout id maps to its group number (1-based). */
export function equivalenceGroups(patches: Map<string, string>): Map<string, number> {
  const byText = new Map<string, number>();
  const out = new Map<string, number>();
  for (const [id, p] of patches) {
    const key = normalizePatch(p);
    if (!byText.has(key)) byText.set(key, byText.size + 1);
    out.set(id, byText.get(key)!);
  }
  return out;
}

/**
 * pass@k and best@k of a session (fractions, k = 1..n) from the engine's exact estimators: best@k selects by the mean
 * verifier score, over instances with at least one verified candidate.
 */
export function sessionCurves(byInst: Map<string, RolloutSummary[]>): { passAtK: Array<number | undefined>; bestAtK: Array<number | undefined> } {
  const scored = [...byInst.values()]
    .map((cands) => cands.filter((c) => c.verdict !== undefined).map((c) => ({ sample: c.sample, score: meanScore(c) ?? 0, resolved: !!c.resolved })))
    .filter((c) => c.length > 0);
  if (!scored.length) return { passAtK: [], bestAtK: [] };
  const maxK = Math.max(...scored.map((c) => c.length));
  const { best, pass } = exactCurves(scored, scored.length, maxK);
  // Instances with fewer than k candidates do not count at k: renormalise to those that do.
  const share = (k: number) => scored.filter((c) => c.length >= k).length / scored.length;
  const frac = (p: { k: number; mean: number }) => (share(p.k) > 0 ? p.mean / 100 / share(p.k) : undefined);
  return { passAtK: pass.map(frac), bestAtK: best.map(frac) };
}

export function byInstance(summaries: RolloutSummary[]): Map<string, RolloutSummary[]> {
  const m = new Map<string, RolloutSummary[]>();
  for (const s of summaries) {
    const l = m.get(s.instance_id) ?? [];
    l.push(s);
    m.set(s.instance_id, l);
  }
  return m;
}

const ORDER: Record<string, number> = { resolved: 6, unresolved: 4, empty_patch: 3, patch_apply_failed: 2, timeout: 1, image_error: 1, error: 0 };

/** The best outcome of an instance's rollouts (resolved beats unresolved beats errors), with its rollout. */
export function bestOf(cands: RolloutSummary[] | undefined): RolloutSummary | undefined {
  if (!cands?.length) return undefined;
  return [...cands].sort((a, b) => (ORDER[b.verdict ?? ''] ?? -1) - (ORDER[a.verdict ?? ''] ?? -1) || (meanScore(b) ?? 0) - (meanScore(a) ?? 0) || (b.ended_at ?? 0) - (a.ended_at ?? 0))[0];
}

export interface MatrixRow {
  instanceId: string;
  a?: RolloutSummary;
  b?: RolloutSummary;
  /** Resolved of finished rollouts, per side (k of n samples). */
  ka: number;
  na: number;
  kb: number;
  nb: number;
  differs: boolean;
}

const finishedOf = (l: RolloutSummary[] | undefined) => (l ?? []).filter((r) => r.status !== 'queued' && r.status !== 'running');

/** A session's mean resolve rate over its finished rollouts, and its any-sample (pass@n) count over instances. */
export function sessionRates(s: RolloutSummary[]): { resolved: number; rollouts: number; anyResolved: number; instances: number } {
  const done = finishedOf(s);
  const bi = byInstance(done);
  return { resolved: done.filter((r) => r.resolved).length, rollouts: done.length, anyResolved: [...bi.values()].filter((l) => l.some((r) => r.resolved)).length, instances: bi.size };
}

/** Instances x two sessions, the instances where the outcome differs first. */
export function compareMatrix(a: RolloutSummary[], b: RolloutSummary[]): MatrixRow[] {
  const ma = byInstance(a);
  const mb = byInstance(b);
  const ids = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
  const rows = ids.map((id) => {
    const fa = finishedOf(ma.get(id));
    const fb = finishedOf(mb.get(id));
    const ka = fa.filter((r) => r.resolved).length;
    const kb = fb.filter((r) => r.resolved).length;
    const ba = bestOf(ma.get(id));
    const bb = bestOf(mb.get(id));
    // Two sessions differ on an instance when their resolve rates differ (2/4 vs 4/4 is a difference; any-sample would hide it).
    const rate = (k: number, n: number) => (n ? k / n : -1);
    return { instanceId: id, a: ba, b: bb, ka, na: fa.length, kb, nb: fb.length, differs: rate(ka, fa.length) !== rate(kb, fb.length) };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}
