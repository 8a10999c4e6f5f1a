import type { RolloutSummary } from '../../core/session/types.js';

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

function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Unbiased pass@k (Chen et al. 2021) averaged over instances: 1 - C(n-c, k) / C(n, k). */
export function passAtK(byInstance: Map<string, RolloutSummary[]>, k: number): number | undefined {
  const vals: number[] = [];
  for (const cands of byInstance.values()) {
    const done = cands.filter((c) => c.verdict !== undefined);
    const n = done.length;
    if (n < k) continue;
    const c = done.filter((x) => x.resolved).length;
    vals.push(1 - choose(n - c, k) / choose(n, k));
  }
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : undefined;
}

/** best@k: the share of instances whose best-scored candidate among the first k samples is resolved. */
export function bestAtK(byInstance: Map<string, RolloutSummary[]>, k: number): number | undefined {
  const vals: number[] = [];
  for (const cands of byInstance.values()) {
    const first = cands.filter((c) => c.verdict !== undefined).sort((a, b) => a.sample - b.sample).slice(0, k);
    if (first.length < k) continue;
    vals.push(rankCandidates(first)[0]?.resolved ? 1 : 0);
  }
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : undefined;
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

export interface MatrixRow { instanceId: string; a?: RolloutSummary; b?: RolloutSummary; differs: boolean }

/** Instances x two sessions, the instances where the outcome differs first. */
export function compareMatrix(a: RolloutSummary[], b: RolloutSummary[]): MatrixRow[] {
  const ma = byInstance(a);
  const mb = byInstance(b);
  const ids = [...new Set([...ma.keys(), ...mb.keys()])].sort();
  const rows = ids.map((id) => {
    const ba = bestOf(ma.get(id));
    const bb = bestOf(mb.get(id));
    return { instanceId: id, a: ba, b: bb, differs: (ba?.verdict ?? 'none') !== (bb?.verdict ?? 'none') };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}
