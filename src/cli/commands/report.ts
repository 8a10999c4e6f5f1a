import { openSession, resolveSessionDir } from '../../core/session/index.js';
import { buildReport, type SessionReport } from '../../core/metrics/index.js';
import { sanitize } from '../../core/util/index.js';
import { table } from './sessions.js';

export interface ReportOptions {
  session: string;
  json?: boolean;
  sessionsDir?: string;
  out?: (line: string) => void;
}

const pct = (x: number) => `${x.toFixed(1)}%`;

type Harness = { profile: string; official: string }[];

export function sessionReport(dir: string): SessionReport & { session: string; harness?: Harness } {
  const r = openSession(dir);
  const m = r.manifest();
  const rep = buildReport(r.summaries(), m.dataset.instance_ids, m.sampling.samples, { repos: m.dataset.repos, allAttempts: r.attempts() });
  // which pinned official harness graded the verdicts (sessions written before profiles named versions lack it)
  return { session: m.name, ...(Array.isArray(m.harness) ? { harness: m.harness } : {}), ...rep };
}

export function formatReport(rep: SessionReport & { session: string; harness?: Harness }): string {
  const lines: string[] = [];
  lines.push(`Session ${sanitize(rep.session)}: ${rep.instances} instance(s) x ${rep.samples} sample(s)`);
  if (rep.harness?.length) lines.push(`Harness: ${rep.harness.map((h) => `${sanitize(h.profile)} = ${sanitize(h.official)}`).join('; ')}`);
  const c = rep.rollouts;
  lines.push(`Rollouts: ${c.completed} completed, ${c.infra_error} infra errors, ${c.no_image} no image, ${c.interrupted} interrupted, ${c.running} running, ${c.queued} not run (of ${c.total})`);
  lines.push(`Resolve rate (sample 0, all ${rep.resolve_rate.of} instances): ${pct(rep.resolve_rate.percent)} ± ${rep.resolve_rate.bootstrap_std.toFixed(1)} (bootstrap std, 1000 x half)  [${rep.resolve_rate.resolved}/${rep.resolve_rate.of}]`);
  if (rep.samples > 1) lines.push(`Resolve rate over all samples: ${pct(rep.resolve_rate_all_samples)}`);
  lines.push(`Empty patches: ${pct(rep.empty_patch_rate)} of completed   Average turns: ${rep.avg_turns.toFixed(1)}`);
  lines.push(`Tokens: ${rep.tokens.total} (${rep.tokens.prompt} prompt + ${rep.tokens.completion} completion)   Cost: $${rep.cost_usd.toFixed(4)} (every attempt)`);
  const stops = Object.entries(rep.stop_reasons).sort((a, b) => b[1] - a[1]);
  if (stops.length) lines.push(`Stop reasons: ${stops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const verdicts = Object.entries(rep.verdicts).sort((a, b) => b[1] - a[1]);
  if (verdicts.length) lines.push(`Verdicts: ${verdicts.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (rep.tamper.rollouts > 0) {
    lines.push(
      `Tamper: ${rep.tamper.rollouts} completed rollout(s) patched test files, conftest.py or test configuration ` +
        `(${rep.tamper.resolved} graded resolved, counted as the official harness does): ${rep.tamper.rollout_ids.slice(0, 5).join(', ')}${rep.tamper.rollout_ids.length > 5 ? ', ...' : ''}`,
    );
  }
  lines.push('');
  lines.push(table([['REPOSITORY', 'INSTANCES', 'RESOLVED', 'RATE', 'ROLLOUTS'], ...rep.per_repo.map((r) => [sanitize(r.repo), String(r.instances), String(r.resolved), pct(r.resolve_rate), String(r.rollouts)])]));
  lines.push('');
  lines.push(table([['k', 'pass@k unbiased (Chen et al.)', 'pass@k SWE-Gym (100 trials)', 'instances with < k results'], ...rep.pass_at_k.map((p) => [String(p.k), pct(p.unbiased), `${pct(p.swegym_mean)} ± ${p.swegym_std.toFixed(1)}`, String(p.short_instances)])]));
  lines.push(`unbiased: ${rep.estimators.unbiased}`);
  lines.push(`SWE-Gym:  ${rep.estimators.swegym}`);
  return lines.join('\n');
}

export async function reportCommand(opts: ReportOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const rep = sessionReport(resolveSessionDir(opts.session, opts.sessionsDir));
  out(opts.json ? JSON.stringify(rep, null, 2) : formatReport(rep));
  return 0;
}
