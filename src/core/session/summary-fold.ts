import type { RolloutEvent } from '../events.js';
import type { Verdict } from '../harness/types.js';
import { parseRolloutId } from './ids.js';
import type { RolloutSummary } from './types.js';

/** A summary plus the attempt number, as stored in the index. */
export interface IndexedSummary extends RolloutSummary {
  attempt: number;
  temperature?: number;
  error?: string;
  /** Latest tool running (for dashboards), cleared at tool_end. */
  current_step?: string;
  container_id?: string;
}

export function emptySummary(rolloutId: string): IndexedSummary {
  const p = parseRolloutId(rolloutId);
  return {
    rollout_id: rolloutId,
    instance_id: p?.instance ?? rolloutId,
    sample: p?.sample ?? 0,
    attempt: p?.attempt ?? 0,
    status: 'running',
    scores: {},
    turns: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
  };
}

/** Added and removed lines of a patch; only the `+++` / `---` file headers are not counted (an added `--` line is). */
export function countPatchLines(patch: string): number {
  let n = 0;
  for (const line of patch.split('\n')) if ((line.startsWith('+') && !line.startsWith('+++')) || (line.startsWith('-') && !line.startsWith('---'))) n++;
  return n;
}

/**
 * Folds one event into a rollout's summary. The summary is all the state the fold needs, so the index can store it
 * with a byte offset and later fold only the events appended after that offset.
 * Tokens and cost accumulate per model response; agent_stopped carries the authoritative totals and replaces them.
 */
export function foldEvent(s: IndexedSummary, e: RolloutEvent): IndexedSummary {
  s.last_event_at = e.ts;
  switch (e.type) {
    case 'rollout_started':
      s.instance_id = e.instance_id;
      s.sample = e.sample;
      s.attempt = e.attempt;
      s.temperature = e.temperature;
      s.started_at = e.ts;
      s.status = 'running';
      break;
    case 'env_ready':
      s.container_id = e.container_id;
      break;
    case 'model_response':
      s.prompt_tokens += e.usage.prompt_tokens;
      s.completion_tokens += e.usage.completion_tokens;
      s.cost_usd += e.cost_usd ?? 0;
      s.turns = Math.max(s.turns, e.turn + 1);
      break;
    case 'tool_start': {
      if (typeof e.step === 'number') s.steps = Math.max(s.steps ?? 0, e.step + 1);
      const cmd = typeof e.args?.command === 'string' ? ` ${e.args.command}` : '';
      s.current_step = `${e.tool}${cmd}`.slice(0, 200);
      break;
    }
    case 'tool_end':
      s.current_step = undefined;
      break;
    case 'patch_updated':
      s.patch_lines = countPatchLines(e.patch);
      break;
    case 'agent_stopped':
      s.stop_reason = e.reason;
      s.turns = e.turns;
      s.prompt_tokens = e.usage.prompt_tokens;
      s.completion_tokens = e.usage.completion_tokens;
      s.cost_usd = e.cost_usd;
      s.current_step = 'verifying';
      break;
    case 'verification_verdict':
      s.verdict = e.verdict.status;
      s.resolved = e.verdict.resolved;
      if (e.verdict.tamper) s.tamper = true;
      else delete s.tamper;
      foldTests(s, e.verdict.tests_status);
      if (e.verdict.status === 'empty_patch') s.patch_lines = 0;
      break;
    case 'verifier_score':
      s.scores[e.verifier] = e.score;
      break;
    case 'rollout_ended':
      s.status = e.status;
      s.ended_at = e.ts;
      s.error = e.error;
      s.current_step = undefined;
      // The container is gone with the rollout (and its 64-character id was a sixth of every index row).
      delete s.container_id;
      break;
    default:
      break;
  }
  return s;
}

/** Index rows stay small: a failing test id longer than this is cut (the rollout's log has it whole). */
const MAX_TEST_ID = 300;

function foldTests(s: IndexedSummary, ts: Verdict['tests_status']): void {
  delete s.f2p;
  delete s.p2p;
  delete s.failing_test;
  // Logs are folded as written, unvalidated (earlier versions wrote `tests_status: {}`): take only what is there.
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.filter((t): t is string => typeof t === 'string') : []);
  const f = ts?.FAIL_TO_PASS;
  const p = ts?.PASS_TO_PASS;
  if (!f || !p) return;
  const [fOk, fBad, pOk, pBad] = [list(f.success), list(f.failure), list(p.success), list(p.failure)];
  s.f2p = { passed: fOk.length, failed: fBad.length };
  s.p2p = { passed: pOk.length, failed: pBad.length };
  const failing = fBad[0] ?? pBad[0];
  if (failing !== undefined) s.failing_test = failing.length > MAX_TEST_ID ? `${failing.slice(0, MAX_TEST_ID)}…` : failing;
}

/**
 * The summary of a rollout from its events: the one fold behind the session index, `report`, `show` and the
 * workbench's live rows (a live rollout's row and its row in the index agree by construction).
 */
export function foldEvents(rolloutId: string, events: Iterable<RolloutEvent>): IndexedSummary {
  const s = emptySummary(rolloutId);
  for (const e of events) foldEvent(s, e);
  return s;
}

/**
 * A rollout is finished (never re-run) when it ended completed or recorded a final verdict, unless the scheduler
 * ruled the attempt an infrastructure failure (e.g. the LLM endpoint died mid-run, then the patch was verified).
 */
export function isFinished(s: RolloutSummary): boolean {
  return s.status === 'completed' || (s.verdict !== undefined && s.status !== 'infra_error');
}
