import { writeFileSync } from 'node:fs';
import { resolveSessionDir, openSession } from '../../core/session/index.js';
import { installCleanupHandlers } from '../../core/runtime/index.js';
import { scoreSession, loadCandidates, type VerifierDeps } from '../../core/verifier/index.js';
import { selectBest } from '../../core/metrics/index.js';
import { seededRandom, sanitize } from '../../core/util/index.js';
import { toPredictionLines } from '../../core/export/index.js';
import { openVerifier } from './score.js';

export interface SelectOptions {
  session: string;
  verifier: string;
  out: string;
  config?: string;
  /** Tie-break seed (default 42). */
  seed?: number;
  /** model_name_or_path of the predictions (default: the session's model, else swegym-<session>). */
  model?: string;
  json?: boolean;
  dataset?: string;
  sessionsDir?: string;
  envSpec?: string[];
  deps?: VerifierDeps;
  io?: { out: (line: string) => void; err: (line: string) => void };
}

/**
 * `swegym select <session> --verifier NAME --out predictions.jsonl`: scores what is not scored yet, then picks the
 * highest-scored candidate per instance (ties at random with the seed, as SWE-Gym did) and writes SWE-bench
 * predictions. The tests oracle is refused: it is for measuring, never for selection.
 */
export async function selectCommand(opts: SelectOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.io?.err ?? ((l: string) => console.error(sanitize(l)));
  if (opts.verifier === 'tests') {
    err("swegym select: the 'tests' verifier is the oracle (ground truth): it measures verifiers and is never used for selection");
    return 2;
  }
  const dir = resolveSessionDir(opts.session, opts.sessionsDir);
  if (!opts.deps) installCleanupHandlers();
  const verifier = await openVerifier('select', opts, err);
  if (!verifier) return 2;
  if (verifier.oracle) {
    err(`swegym select: '${verifier.name}' is an oracle and is never used for selection`);
    return 2;
  }
  const res = await scoreSession(dir, verifier, { dataset: opts.dataset, onProgress: (m) => err(m) });
  const reader = openSession(dir);
  const summaries = new Map(reader.summaries().map((s) => [s.rollout_id, s]));
  const { byInstance } = await loadCandidates(reader);
  const rand = seededRandom(opts.seed ?? 42);
  const picks: Array<{ instance_id: string; patch: string; sample: number; score: number; resolved?: boolean; tied: number }> = [];
  for (const [id, cands] of byInstance) {
    const scored = cands.map((c) => ({ c, score: summaries.get(c.rolloutId)?.scores[verifier.name] })).filter((x): x is { c: (typeof cands)[number]; score: number } => x.score !== undefined);
    if (!scored.length) continue;
    const best = selectBest(scored, rand)!;
    picks.push({ instance_id: id, patch: best.c.patch, sample: best.c.sample, score: best.score, resolved: summaries.get(best.c.rolloutId)?.resolved, tied: scored.filter((x) => x.score === best.score).length });
  }
  const m = reader.manifest();
  const model = opts.model ?? (typeof m.agent?.model === 'string' ? m.agent.model : `swegym-${m.name ?? 'session'}`);
  writeFileSync(opts.out, toPredictionLines(picks, model));
  const known = picks.filter((p) => p.resolved !== undefined);
  if (opts.json) {
    out(JSON.stringify({ verifier: verifier.name, out: opts.out, model, picks: picks.map(({ patch: _p, ...rest }) => rest), errors: res.errors }, null, 2));
  } else {
    for (const p of picks) out(`${p.instance_id}: sample ${p.sample} (score ${p.score.toFixed(3)}${p.tied > 1 ? `, tie among ${p.tied}` : ''})${p.resolved === undefined ? '' : p.resolved ? ' resolved' : ' unresolved'}`);
    out(`wrote ${picks.length} prediction(s) to ${opts.out}${known.length ? `; ${known.filter((p) => p.resolved).length}/${known.length} of the picks are resolved by the recorded verdicts` : ''}`);
  }
  if (Object.keys(res.errors).length) {
    for (const [id, e] of Object.entries(res.errors)) err(`  ${id}: not scored: ${e}`);
    return 3;
  }
  return 0;
}
