import type { TaskRecord } from '../dataset/schema.js';
export { loadSessionTasks } from '../session/tasks.js';
import type { RolloutEvent } from '../events.js';
import type { Verdict } from '../harness/types.js';
import type { RolloutSummary, SessionReader } from '../session/types.js';
import { isFinished } from '../session/summary-fold.js';
import { messagesFromEvents, patchFromEvents } from '../session/trajectory.js';
import { taskPreambles } from '../session/preamble.js';
import type { Candidate } from './types.js';

/** The last verification verdict of a rollout, if any. */
export function verdictFromEvents(events: readonly RolloutEvent[]): Verdict | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'verification_verdict') return e.verdict;
  }
  return undefined;
}

/** The identified_spans of every Identify action of a Moatless rollout (none for other agents). */
export function moatlessSpans(events: readonly RolloutEvent[]): { identifiedSpans?: { file_path: string; span_ids: string[] }[][] } {
  const out: { file_path: string; span_ids: string[] }[][] = [];
  for (const e of events) {
    if (e.type !== 'moatless_action' || e.action_name !== 'Identify' || typeof e.action === 'string') continue;
    const spans = (e.action as { identified_spans?: unknown }).identified_spans;
    if (!Array.isArray(spans)) continue;
    out.push(
      spans
        .filter((f): f is { file_path: string; span_ids: string[] } => !!f && typeof f.file_path === 'string' && Array.isArray(f.span_ids))
        .map((f) => ({ file_path: f.file_path, span_ids: f.span_ids.filter((x) => typeof x === 'string') })),
    );
  }
  return events.some((e) => e.type === 'moatless_action') ? { identifiedSpans: out } : {};
}

export interface SessionCandidates {
  /** Every instance of the session's selection (report denominators), in manifest order. */
  instanceIds: string[];
  /** Finished rollouts grouped by instance, by sample. */
  byInstance: Map<string, Candidate[]>;
  summaries: Map<string, RolloutSummary>;
}

/**
 * Finished rollouts of a session as verifier candidates (trajectory, final patch, verdict), grouped by instance.
 * Rollouts that never finished (queued, running, interrupted, infrastructure errors) are not candidates.
 */
export async function loadCandidates(reader: SessionReader, tasks: Map<string, TaskRecord> = new Map()): Promise<SessionCandidates> {
  const m = reader.manifest();
  const rows = reader.summaries().filter((s) => isFinished(s) && s.status !== 'infra_error');
  const byInstance = new Map<string, Candidate[]>();
  const summaries = new Map<string, RolloutSummary>();
  const preambles = await taskPreambles(tasks);
  for (const s of rows) {
    const events = await reader.events(s.rollout_id);
    const c: Candidate = {
      rolloutId: s.rollout_id,
      instanceId: s.instance_id,
      task: tasks.get(s.instance_id),
      sample: s.sample,
      patch: patchFromEvents(events),
      messages: messagesFromEvents(events, preambles.get(s.instance_id)),
      verdict: verdictFromEvents(events),
      ...moatlessSpans(events),
    };
    summaries.set(s.rollout_id, s);
    const list = byInstance.get(s.instance_id) ?? [];
    list.push(c);
    byInstance.set(s.instance_id, list);
  }
  for (const list of byInstance.values()) list.sort((a, b) => a.sample - b.sample);
  const ids = [...(m.dataset?.instance_ids ?? [])];
  for (const id of byInstance.keys()) if (!ids.includes(id)) ids.push(id);
  return { instanceIds: ids, byInstance, summaries };
}
