/**
 * A trajectory (OpenAI chat messages with native tool calls, as the agent keeps it) rendered for fine-tuning:
 * - 'openai-tools': the messages as they are (null content kept);
 * - 'swegym-text': SWE-Gym's conversion (facts §5): multi-call assistant messages split into single calls
 *   (calls without a result at the end dropped), calls rendered in the `<function=...>` text format, the function
 *   block appended to the system prompt, tool results as user messages prefixed `EXECUTION RESULT of [NAME]:\n`,
 *   null content -> "", consecutive user messages merged. No in-context example unless asked for (the agent's own
 *   text-mode prompt uses it).
 */
import type { ChatMessage } from '../../events.js';
import type { Tool } from '../tool-types.js';
import { formatCall, systemPromptSuffix, TOOL_RESULT_PREFIX, IN_CONTEXT_EXAMPLE_SUFFIX } from '../text-format.js';

export type TrainingFormat = 'openai-tools' | 'swegym-text';

export interface ToTrainingChatOptions {
  /** Wrap the first user message in this in-context example prefix (and the standard suffix). */
  inContextExamplePrefix?: string;
}

export function toTrainingChat(messages: ChatMessage[], format: TrainingFormat, tools: Tool[], opts: ToTrainingChatOptions = {}): ChatMessage[] {
  if (format === 'openai-tools') return messages.map((m) => structuredClone(m));
  const single = splitMultiCall(messages);
  const suffix = systemPromptSuffix(tools);
  const out: ChatMessage[] = [];
  let firstUserSeen = false;
  for (const m of single) {
    const content = m.content ?? '';
    if (m.role === 'system') {
      push(out, { role: 'system', content: content + suffix });
    } else if (m.role === 'user') {
      let c = content;
      if (!firstUserSeen && opts.inContextExamplePrefix) c = opts.inContextExamplePrefix + c + IN_CONTEXT_EXAMPLE_SUFFIX;
      firstUserSeen = true;
      push(out, { role: 'user', content: c });
    } else if (m.role === 'assistant') {
      const tc = m.tool_calls?.[0];
      if (!tc) {
        push(out, { role: 'assistant', content });
      } else {
        push(out, { role: 'assistant', content: (content + '\n\n' + callToText(tc.function.name, tc.function.arguments)).replace(/^\s+/, '') });
      }
    } else {
      push(out, { role: 'user', content: TOOL_RESULT_PREFIX(m.name ?? 'unknown') + content });
    }
  }
  return out;
}

function callToText(name: string, args: string): string {
  let parsed: unknown;
  try {
    parsed = args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  // A call whose arguments were not valid JSON (the model's error, answered with an error observation): keep the name.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return formatCall(name, {});
  return formatCall(name, parsed as Record<string, unknown>);
}

/** Consecutive user messages are merged (joined with a newline), as OpenHands did before sending. */
function push(out: ChatMessage[], m: ChatMessage) {
  const last = out[out.length - 1];
  if (last && last.role === 'user' && m.role === 'user') {
    last.content = `${last.content ?? ''}\n${m.content ?? ''}`;
    return;
  }
  out.push(m);
}

/** OpenHands' convert_from_multiple_tool_calls_to_single_tool_call_messages(ignore_final_tool_result=True). */
export function splitMultiCall(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const pending = new Map<string, ChatMessage>();
  for (const m of messages) {
    if (m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 1) {
      m.tool_calls!.forEach((tc, i) => {
        pending.set(tc.id, { role: 'assistant', content: i === 0 ? m.content : '', tool_calls: [tc] });
      });
    } else if (m.role === 'tool' && m.tool_call_id && pending.has(m.tool_call_id)) {
      out.push(pending.get(m.tool_call_id)!);
      pending.delete(m.tool_call_id);
      out.push(m);
    } else {
      pending.clear();
      out.push(m);
    }
  }
  return out;
}
