/**
 * SFT data from Moatless rollouts as SWE-Gym made it (Moatless-Agent-Fork scripts/export_to_oai_dataset.py, paper
 * §3.3/§B.2): every logged LLM call of a resolved rollout is one chat example, `messages` = the logged prompt (system
 * prompt with the instructor schema suffix, the state's turns, retry and re-ask turns) + the raw completion. At most
 * `maxPerInstance` (2) trajectories per instance, those with the fewest LM calls first; examples over `maxTokens`
 * (10,240) are dropped. The prompt log follows the fork's files `prompt_logs/<id>/<NN>_<State>.json`: one entry per
 * (completed transitions, state), a later call of the same visit replacing the earlier one; calls that ended in an
 * error are skipped.
 */
import type { ChatMessage, RolloutEvent } from '../events.js';
import { countTokens, TOKENIZER_NAME } from '../verifier/tokens.js';

export interface PromptLogEntry {
  /** `<NN>_<State>`, the fork's file name without `.json`. */
  key: string;
  messages: ChatMessage[];
  /** `[choices[0].message]` as the fork logged it (content and role), empty when the call failed. */
  completion: { content: string; role: 'assistant' }[];
  error: string | null;
}

/** The prompt log of one rollout, in file-name order, rebuilt from its model_request / model_response / moatless_prompt_log events. */
export function promptLogFromEvents(events: readonly RolloutEvent[]): PromptLogEntry[] {
  const requests = new Map<number, ChatMessage[]>();
  const replies = new Map<number, string>();
  const log = new Map<string, PromptLogEntry>();
  for (const e of events) {
    if (e.type === 'model_request') requests.set(e.turn, e.history_reset ? [...e.new_messages] : [...(requests.get(e.turn - 1) ?? []), ...e.new_messages]);
    else if (e.type === 'model_response') replies.set(e.turn, e.content ?? '');
    else if (e.type === 'moatless_prompt_log') {
      const key = `${String(e.transition).padStart(2, '0')}_${e.state}`;
      const reply = replies.get(e.turn);
      log.set(key, {
        key,
        messages: requests.get(e.turn) ?? [],
        completion: e.error === null && reply !== undefined ? [{ content: reply, role: 'assistant' }] : [],
        error: e.error,
      });
    }
  }
  return [...log.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface MoatlessRollout {
  rolloutId: string;
  instance_id: string;
  sample: number;
  resolved: boolean;
  promptLog: PromptLogEntry[];
  /** LM calls made (model responses), the ranking key of the per-instance cap. */
  calls: number;
}

export interface MoatlessSftOptions {
  /** Trajectories per instance (default 2, fewest LM calls first). */
  maxPerInstance?: number;
  /** Drop examples over this many tokens (default 10,240), counted on the ChatML rendering. */
  maxTokens?: number;
  expName: string;
}

export interface MoatlessSftLine {
  messages: ChatMessage[];
  instance_id: string;
  exp_name: string;
  fail: boolean;
}

/** ChatML (Qwen2.5's template) token count of a message list. */
export function chatmlTokens(messages: readonly ChatMessage[]): number {
  return countTokens(messages.map((m) => `<|im_start|>${m.role}\n${m.content ?? ''}<|im_end|>\n`).join(''));
}

export function buildMoatlessSft(rollouts: readonly MoatlessRollout[], opts: MoatlessSftOptions) {
  const cap = opts.maxPerInstance ?? 2;
  const maxTokens = opts.maxTokens ?? 10240;
  const byInstance = new Map<string, MoatlessRollout[]>();
  for (const r of rollouts) if (r.resolved) byInstance.set(r.instance_id, [...(byInstance.get(r.instance_id) ?? []), r]);
  const lines: { line: MoatlessSftLine; meta: { rollout_id: string; instance_id: string; call: string; tokens: number } }[] = [];
  const stats = {
    format: 'moatless',
    tokenizer: `${TOKENIZER_NAME}, ChatML framing`,
    instances: byInstance.size,
    trajectories_resolved: 0,
    trajectories_kept: 0,
    dropped_per_instance_cap: 0,
    calls_skipped_error: 0,
    examples_over_max_tokens: 0,
    examples: 0,
    unresolved_skipped: rollouts.filter((r) => !r.resolved).length,
  };
  for (const [instance, list] of [...byInstance].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    stats.trajectories_resolved += list.length;
    const chosen = [...list].sort((a, b) => a.calls - b.calls || a.sample - b.sample || (a.rolloutId < b.rolloutId ? -1 : 1)).slice(0, cap);
    stats.dropped_per_instance_cap += list.length - chosen.length;
    stats.trajectories_kept += chosen.length;
    for (const r of chosen) {
      for (const entry of r.promptLog) {
        if (entry.error || !entry.completion.length) {
          stats.calls_skipped_error++;
          continue;
        }
        const messages = [...entry.messages, ...entry.completion] as ChatMessage[];
        const tokens = chatmlTokens(messages);
        if (tokens > maxTokens) {
          stats.examples_over_max_tokens++;
          continue;
        }
        lines.push({ line: { messages, instance_id: instance, exp_name: opts.expName, fail: false }, meta: { rollout_id: r.rolloutId, instance_id: instance, call: entry.key, tokens } });
        stats.examples++;
      }
    }
  }
  return { lines, stats };
}
