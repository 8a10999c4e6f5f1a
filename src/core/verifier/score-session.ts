import type { RolloutEvent } from '../events.js';
import { acquireSessionLock } from '../session/lock.js';
import { SessionWriter } from '../session/writer.js';
import { openSession } from '../session/store.js';
import type { Candidate, Score, Verifier } from './types.js';
import { loadCandidates, loadSessionTasks } from './candidates.js';

export interface ScoreSessionOptions {
  /** Score again rollouts that already carry a score of this verifier (default: keep them). */
  rescore?: boolean;
  /** Dataset to take task records from instead of the session's own (`--dataset`). */
  dataset?: string;
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
}

export interface ScoreSessionResult {
  scored: number;
  kept: number;
  /** instance id -> error message (the instance's candidates got no score). */
  errors: Record<string, string>;
  /** rollout id -> score, for every finished rollout scored now or before. */
  scores: Map<string, Score & { instanceId: string; sample: number; resolved?: boolean }>;
}

/**
 * Scores every finished rollout of a session with one verifier and appends a `verifier_score` event to each
 * rollout's log (the summary index then shows the score). All candidates of an instance are scored together
 * (agreement needs them side by side); an instance whose candidates all have a score already is skipped.
 */
export async function scoreSession(dir: string, verifier: Verifier, opts: ScoreSessionOptions = {}): Promise<ScoreSessionResult> {
  const reader = openSession(dir);
  const { tasks, error: taskError } = await loadSessionTasks(reader, opts.dataset);
  const { byInstance, summaries } = await loadCandidates(reader, tasks);
  const result: ScoreSessionResult = { scored: 0, kept: 0, errors: {}, scores: new Map() };
  const todo: Array<[string, Candidate[]]> = [];
  for (const [id, cands] of byInstance) {
    const have = cands.every((c) => summaries.get(c.rolloutId)?.scores[verifier.name] !== undefined);
    if (have && !opts.rescore) {
      for (const c of cands) {
        const s = summaries.get(c.rolloutId)!;
        result.scores.set(c.rolloutId, { score: s.scores[verifier.name]!, explanation: '(recorded earlier)', flags: [], instanceId: id, sample: c.sample, resolved: s.resolved });
      }
      result.kept += cands.length;
    } else todo.push([id, cands]);
  }
  if (!todo.length) return result;
  if (taskError && (verifier.name === 'regression' || verifier.name === 'agreement' || verifier.name === 'hybrid')) {
    opts.onProgress?.(`warning: ${taskError}`);
  }

  const unlock = acquireSessionLock(dir);
  const writer = SessionWriter.open(dir);
  try {
    let done = 0;
    for (const [id, cands] of todo) {
      if (opts.signal?.aborted) break;
      let scores: Score[];
      try {
        scores = await verifier.scoreInstance(cands, opts.signal);
        if (scores.length !== cands.length) throw new Error(`verifier returned ${scores.length} scores for ${cands.length} candidates`);
      } catch (e) {
        result.errors[id] = e instanceof Error ? e.message : String(e);
        opts.onProgress?.(`${id}: ${result.errors[id]}`);
        continue;
      }
      cands.forEach((c, i) => {
        const s = scores[i]!;
        const score = Math.min(1, Math.max(0, Number.isFinite(s.score) ? s.score : 0));
        const event: RolloutEvent = {
          v: 1,
          ts: Date.now(),
          rollout: c.rolloutId,
          type: 'verifier_score',
          verifier: verifier.name,
          score,
          explanation: s.explanation,
          flags: s.flags,
        };
        const log = writer.openRollout(c.rolloutId);
        log.append(event);
        log.close();
        result.scores.set(c.rolloutId, { ...s, score, instanceId: id, sample: c.sample, resolved: summaries.get(c.rolloutId)?.resolved });
        result.scored++;
      });
      done++;
      opts.onProgress?.(`[${done}/${todo.length}] ${id}: ${scores.map((s) => s.score.toFixed(3)).join(' ')}`);
    }
  } finally {
    writer.close();
    unlock();
  }
  return result;
}
