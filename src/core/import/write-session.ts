import { resolve } from 'node:path';
import { RolloutEvent, type ChatMessage, type EventBody } from '../events.js';
import { SessionWriter } from '../session/writer.js';
import { rolloutId } from '../session/ids.js';
import { VERSION } from '../version.js';
import { patchFiles } from '../verifier/regression/discover.js';
import type { ImportFormat, ImportedRollout } from './types.js';

const PROFILE_OF: Record<ImportFormat, 'swegym' | 'openhands' | 'swebench'> = {
  swegym: 'swegym',
  openhands: 'openhands',
  'swe-agent': 'swebench',
  'mini-swe-agent': 'swebench',
  moatless: 'openhands',
};

/**
 * The events of one imported rollout. The model calls are rebuilt so that `messagesFromEvents` gives back exactly
 * the imported trajectory: each request carries the messages added since the previous one (the previous reply
 * included), each response the assistant message.
 */
export function importedEvents(r: ImportedRollout, opts: { rollout: string; sample: number; format: ImportFormat; t0: number }): RolloutEvent[] {
  const bodies: EventBody[] = [];
  bodies.push({
    type: 'rollout_started',
    instance_id: r.instance_id,
    sample: opts.sample,
    attempt: 0,
    agent: { kind: 'imported', ...(r.model ? { model: r.model } : {}), config: { format: opts.format, source: r.source.line !== undefined ? `${r.source.file}:${r.source.line}` : r.source.file } },
  });
  const msgs = r.messages;
  let from = 0;
  let turn = r.moatless ? moatlessBodies(r.moatless, bodies) : 0;
  msgs.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    bodies.push({ type: 'model_request', turn, new_messages: msgs.slice(from, i) as ChatMessage[], total_messages: i });
    bodies.push({
      type: 'model_response',
      turn,
      content: m.content,
      tool_calls: (m.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })),
      finish_reason: null,
      usage: { prompt_tokens: 0, completion_tokens: 0, estimated: true },
      cost_usd: 0,
      latency_ms: 0,
    });
    from = i;
    turn++;
  });
  if (turn === 0 && msgs.length) bodies.push({ type: 'model_request', turn: 0, new_messages: msgs, total_messages: msgs.length });
  bodies.push({ type: 'patch_updated', patch: r.patch, files: patchFiles(r.patch) });
  bodies.push({
    type: 'agent_stopped',
    reason: r.stop.reason,
    message: r.stop.message,
    turns: turn,
    usage: { prompt_tokens: r.prompt_tokens ?? 0, completion_tokens: r.completion_tokens ?? 0, estimated: r.prompt_tokens === undefined },
    cost_usd: r.cost_usd ?? 0,
  });
  if (r.resolved !== undefined) {
    bodies.push({
      type: 'verification_verdict',
      verdict: {
        instance_id: r.instance_id,
        profile: PROFILE_OF[opts.format],
        status: r.resolved ? 'resolved' : r.patch.trim() === '' ? 'empty_patch' : 'unresolved',
        resolved: r.resolved,
        reason: `resolved flag imported from ${opts.format} output`,
      },
    });
  }
  bodies.push({ type: 'rollout_ended', status: 'completed', duration_ms: 0 });
  return bodies.map((b, seq) => RolloutEvent.parse({ v: 1, ts: opts.t0 + seq, rollout: opts.rollout, seq, ...b }));
}

/**
 * A Moatless rollout: each logged call as a full request (history_reset) and its completion with the prompt-log
 * marker, then the transitions and actions of trajs/<id>.json. Returns the number of calls.
 */
function moatlessBodies(m: NonNullable<ImportedRollout['moatless']>, bodies: EventBody[]): number {
  let turn = 0;
  for (const c of m.calls) {
    bodies.push({ type: 'model_request', turn, new_messages: c.messages, total_messages: c.messages.length, history_reset: true });
    if (c.completion !== null) {
      bodies.push({ type: 'model_response', turn, content: c.completion, tool_calls: [], finish_reason: null, usage: { prompt_tokens: 0, completion_tokens: 0, estimated: true }, cost_usd: 0, latency_ms: 0 });
    }
    bodies.push({ type: 'moatless_prompt_log', transition: c.transition, state: c.state, turn, error: c.error });
    turn++;
  }
  m.transitions.forEach((t, i) => {
    const prev = m.transitions[i - 1];
    bodies.push({ type: 'moatless_transition', transition: i + 1, state: t.name, ...(prev ? { from: prev.name } : {}), ...(t.message ? { message: t.message } : {}) });
    for (const a of t.actions) {
      bodies.push({
        type: 'moatless_action',
        transition: i + 1,
        state: t.name,
        action_name: a.action_name,
        action: a.action,
        trigger: a.retry_message ? 'retry' : null,
        ...(a.retry_message ? { retry_message: a.retry_message } : {}),
        attempts: 1,
      });
    }
  });
  return turn;
}

export interface ImportSessionResult {
  dir: string;
  rollouts: number;
  instances: number;
  samples: number;
  resolved: number;
  verified: number;
}

/**
 * Writes imported rollouts as a new session: one rollout per trajectory, samples numbered per instance in file
 * order, the dataset recorded as `imported:<file>` (no task records: `--dataset` provides them to verifiers that
 * need the repository).
 */
export function writeImportedSession(rollouts: ImportedRollout[], opts: { dir: string; name: string; format: ImportFormat; source: string }): ImportSessionResult {
  const perInstance = new Map<string, number>();
  const ids: string[] = [];
  const planned = rollouts.map((r) => {
    const sample = perInstance.get(r.instance_id) ?? 0;
    if (sample === 0) ids.push(r.instance_id);
    perInstance.set(r.instance_id, sample + 1);
    return { r, sample };
  });
  const samples = Math.max(1, ...perInstance.values());
  const models = [...new Set(rollouts.map((r) => r.model).filter(Boolean))];
  const writer = SessionWriter.create(opts.dir, {
    name: opts.name,
    swegym_version: VERSION,
    dataset: { ref: `imported:${resolve(opts.source)}`, instance_ids: ids },
    images: {},
    agent: { kind: 'imported', format: opts.format, source: resolve(opts.source), ...(models.length === 1 ? { model: models[0] } : models.length ? { models } : {}) },
    sampling: { samples, temperatures: [], seed: 0 },
  });
  const t0 = Date.now();
  try {
    for (const { r, sample } of planned) {
      const id = rolloutId(r.instance_id, sample, 0);
      const log = writer.openRollout(id);
      for (const e of importedEvents(r, { rollout: id, sample, format: opts.format, t0 })) log.append(e);
      log.close();
    }
  } finally {
    writer.close();
  }
  return {
    dir: opts.dir,
    rollouts: rollouts.length,
    instances: ids.length,
    samples,
    resolved: rollouts.filter((r) => r.resolved === true).length,
    verified: rollouts.filter((r) => r.resolved !== undefined).length,
  };
}
