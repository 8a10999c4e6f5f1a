import type { SelectionReport } from './report.js';
import { lineChart, type ChartOptions } from './chart.js';

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '   -' : v.toFixed(1).padStart(5));
const num = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  n/a');

/** best@k / pass@k per k as a text table (exact and SWE-Gym's 100-trial estimate, percent of all instances). */
export function formatSelectionTable(r: SelectionReport): string[] {
  const lines = [
    `verifier ${r.verifier}: ${r.candidates} candidates over ${r.instances} instances (curves up to k=${r.n}); AUC vs oracle ${num(r.auc)}`,
    '   k  best@k  best@k(100 trials)   pass@k  pass@k(100 trials)',
  ];
  for (let i = 0; i < r.n; i++) {
    const bt = r.best_trials[i];
    const pt = r.pass_trials[i];
    lines.push(
      `${String(i + 1).padStart(4)}  ${pct(r.best_exact[i]?.mean)}   ${pct(bt?.mean)} ± ${(bt?.std ?? 0).toFixed(1).padStart(4)}      ${pct(r.pass_exact[i]?.mean)}   ${pct(pt?.mean)} ± ${(pt?.std ?? 0).toFixed(1).padStart(4)}`,
    );
  }
  return lines;
}

export function formatAucTable(aucs: Record<string, { auc: number; scored: number }>): string[] {
  const names = Object.keys(aucs);
  if (!names.length) return ['no verifier scores in this session yet'];
  const w = Math.max(8, ...names.map((n) => n.length));
  return [`${'verifier'.padEnd(w)}  AUC vs oracle  scored`, ...names.map((n) => `${n.padEnd(w)}  ${num(aucs[n]!.auc).padStart(13)}  ${String(aucs[n]!.scored).padStart(6)}`)];
}

/** best@k and pass@k (exact) against k as a terminal line chart. */
export function formatSelectionChart(r: SelectionReport, opts: ChartOptions = {}): string[] {
  if (!r.n) return ['(no candidates: nothing to chart)'];
  return lineChart(
    [
      { name: `best@k (${r.verifier})`, points: r.best_exact.map((p) => ({ x: p.k, y: p.mean })) },
      { name: 'pass@k', points: r.pass_exact.map((p) => ({ x: p.k, y: p.mean })) },
    ],
    { yMin: 0, yFormat: (v) => `${v.toFixed(0)}%`, title: `resolved (% of ${r.instances} instances) by k`, ...opts },
  );
}
