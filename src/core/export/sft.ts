import { countTokens as tokensOf, TOKENIZER_NAME } from '../verifier/tokens.js';
import type { ChatMessage } from '../events.js';
import type { Tool } from '../agent/tool-types.js';
import { defaultTools } from '../agent/tools/index.js';
import { toOpenAiTools } from '../agent/llm/tool-spec.js';
import { toNativeCalls, toSwegymText } from '../session/text-trajectory.js';
import { ChatFineTuningLine } from './openai-ft-schema.js';

export type SftFormat = 'swegym-text' | 'openai-tools';
export const SFT_TOKENIZER = TOKENIZER_NAME;

export interface SftExample {
  rolloutId: string;
  instance_id: string;
  sample: number;
  resolved: boolean;
  messages: ChatMessage[];
}

export interface SftOptions {
  format?: SftFormat;
  /** Resolved trajectories kept per instance (default unlimited, as SWE-Gym kept all 491 over 294 instances). */
  maxPerInstance?: number;
  /** Drop trajectories with more assistant turns than this. */
  maxTurns?: number;
  /** Drop trajectories of this many tokens or more (counted with SFT_TOKENIZER over every message). */
  maxTokens?: number;
  tools?: Tool[];
}

export interface SftStats {
  format: SftFormat;
  tokenizer: string;
  candidates: number;
  unresolved_skipped: number;
  dropped_max_turns: number;
  dropped_max_tokens: number;
  dropped_per_instance_cap: number;
  invalid: number;
  kept: number;
  instances: number;
  /** Assistant messages that held several tool calls and were split (swegym-text). */
  multi_call_messages: number;
}

function countTokens(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += tokensOf(m.content ?? '') + 4;
    for (const tc of m.tool_calls ?? []) n += tokensOf(tc.function.name) + tokensOf(tc.function.arguments);
  }
  return n;
}

/** The fine-tuning line's messages in the requested form. */
export function sftMessages(messages: ChatMessage[], format: SftFormat, tools: Tool[]): ChatMessage[] {
  if (format === 'swegym-text') return toSwegymText(messages, tools);
  return toNativeCalls(messages, tools).map((m) => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id ?? '', content: m.content ?? '' };
    if (m.role === 'assistant') {
      return m.tool_calls?.length ? { role: 'assistant', content: m.content, tool_calls: m.tool_calls } : { role: 'assistant', content: m.content ?? '' };
    }
    return { role: m.role, content: m.content ?? '' };
  });
}

/**
 * Rejection-sampling fine-tuning data (facts §5): only resolved trajectories, optionally capped per instance
 * (fewest turns first, then sample order) and filtered by turns and tokens. Every line is checked against the
 * fine-tuning line schema; a line that does not validate is counted in `invalid` and left out.
 */
export function buildSftData(examples: readonly SftExample[], opts: SftOptions = {}) {
  const format = opts.format ?? 'swegym-text';
  const tools = opts.tools ?? defaultTools();
  const stats: SftStats = {
    format,
    tokenizer: SFT_TOKENIZER,
    candidates: examples.length,
    unresolved_skipped: 0,
    dropped_max_turns: 0,
    dropped_max_tokens: 0,
    dropped_per_instance_cap: 0,
    invalid: 0,
    kept: 0,
    instances: 0,
    multi_call_messages: 0,
  };
  const openaiTools = format === 'openai-tools' ? (toOpenAiTools(tools) as unknown as ChatFineTuningLine['tools']) : undefined;
  const passed: Array<{ ex: SftExample; messages: ChatMessage[]; turns: number; tokens: number }> = [];
  for (const ex of examples) {
    if (!ex.resolved) {
      stats.unresolved_skipped++;
      continue;
    }
    stats.multi_call_messages += ex.messages.filter((m) => (m.tool_calls?.length ?? 0) > 1).length;
    const messages = sftMessages(ex.messages, format, tools);
    const turns = messages.filter((m) => m.role === 'assistant').length;
    if (opts.maxTurns !== undefined && turns > opts.maxTurns) {
      stats.dropped_max_turns++;
      continue;
    }
    const tokens = countTokens(messages);
    if (opts.maxTokens !== undefined && tokens >= opts.maxTokens) {
      stats.dropped_max_tokens++;
      continue;
    }
    passed.push({ ex, messages, turns, tokens });
  }
  const perInstance = new Map<string, typeof passed>();
  for (const p of passed) perInstance.set(p.ex.instance_id, [...(perInstance.get(p.ex.instance_id) ?? []), p]);
  const lines: Array<{ line: ChatFineTuningLine; meta: { rollout_id: string; instance_id: string; sample: number; turns: number; tokens: number } }> = [];
  for (const [, list] of perInstance) {
    const ordered = [...list].sort((a, b) => a.turns - b.turns || a.ex.sample - b.ex.sample);
    const cap = opts.maxPerInstance ?? Infinity;
    stats.dropped_per_instance_cap += Math.max(0, ordered.length - cap);
    for (const p of ordered.slice(0, cap)) {
      const candidate = { messages: p.messages, ...(openaiTools ? { tools: openaiTools } : {}) };
      const check = ChatFineTuningLine.safeParse(candidate);
      if (!check.success) {
        stats.invalid++;
        continue;
      }
      lines.push({ line: check.data, meta: { rollout_id: p.ex.rolloutId, instance_id: p.ex.instance_id, sample: p.ex.sample, turns: p.turns, tokens: p.tokens } });
    }
  }
  stats.kept = lines.length;
  stats.instances = new Set(lines.map((l) => l.meta.instance_id)).size;
  return { lines, stats };
}
