import type { ChatMessage, RolloutEvent } from '../events.js';

/**
 * The prompt an agent would have started from, for rollouts without model calls (gold, replay, Gym episodes
 * driven by a trainer): without it their trajectory would open with an assistant turn, useless as SFT or verifier
 * data. `user` gets the repository directory the rollout's environment reported.
 */
export interface Preamble {
  system: string;
  user: (repoDir: string) => string;
}

/**
 * The chat messages of a rollout, rebuilt from its events. As SWE-Gym did (facts §5), the trajectory is the
 * message list of the LAST model request plus the final reply; a `history_reset` (context truncation) starts over.
 * Rollouts without model calls (gold, replay, imported tool logs) get assistant tool calls and tool results
 * synthesised from their tool events, after the `preamble` (system prompt and first user message) when one is given.
 */
export function messagesFromEvents(events: readonly RolloutEvent[], preamble?: Preamble): ChatMessage[] {
  const requests = events.filter((e) => e.type === 'model_request');
  if (requests.length) {
    let msgs: ChatMessage[] = [];
    let lastRequestSeq = -1;
    for (const e of events) {
      if (e.type === 'model_request') {
        msgs = e.history_reset ? [...e.new_messages] : [...msgs, ...e.new_messages];
        lastRequestSeq = e.seq ?? lastRequestSeq + 1;
      }
    }
    const finalReply = [...events].reverse().find((e) => e.type === 'model_response');
    if (finalReply && finalReply.type === 'model_response' && (finalReply.seq ?? Infinity) > lastRequestSeq) {
      msgs.push({
        role: 'assistant',
        content: finalReply.content,
        ...(finalReply.tool_calls.length
          ? { tool_calls: finalReply.tool_calls.map((t) => ({ id: t.id, type: 'function' as const, function: { name: t.name, arguments: t.arguments } })) }
          : {}),
      });
    }
    return msgs;
  }
  const out: ChatMessage[] = [];
  if (preamble) {
    const ready = events.find((e) => e.type === 'env_ready');
    const repoDir = ready && ready.type === 'env_ready' ? ready.repo_dir : '/testbed';
    out.push({ role: 'system', content: preamble.system }, { role: 'user', content: preamble.user(repoDir) });
  }
  for (const e of events) {
    if (e.type === 'tool_start') {
      out.push({ role: 'assistant', content: '', tool_calls: [{ id: e.call_id, type: 'function', function: { name: e.tool, arguments: JSON.stringify(e.args) } }] });
    } else if (e.type === 'tool_end') {
      out.push({ role: 'tool', tool_call_id: e.call_id, name: e.tool, content: e.observation });
    }
  }
  return out;
}

/** The final patch of a rollout: the last patch_updated event. */
export function patchFromEvents(events: readonly RolloutEvent[]): string {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'patch_updated') return e.patch;
  }
  return '';
}
