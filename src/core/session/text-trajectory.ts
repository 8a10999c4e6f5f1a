import type { ChatMessage } from '../events.js';
import type { Tool } from '../agent/tool-types.js';
import { defaultTools } from '../agent/tools/index.js';
import { toTrainingChat } from '../agent/llm/trajectory.js';
import { IN_CONTEXT_EXAMPLE_SUFFIX, TOOL_RESULT_PREFIX, parseCalls, systemPromptSuffix } from '../agent/text-format.js';

const NEW_TASK_MARKER = '--------------------- NEW TASK DESCRIPTION ---------------------\n';
const EXAMPLE_START = '--------------------- START OF EXAMPLE ---------------------';

/** Removes OpenHands' in-context example (prefix up to the new-task marker, and its suffix) from a user message. */
export function stripInContextExample(content: string): string {
  let c = content;
  const at = c.indexOf(NEW_TASK_MARKER);
  if (at >= 0 && c.slice(0, at).includes(EXAMPLE_START)) c = c.slice(at + NEW_TASK_MARKER.length).replace(/^\n/, '');
  if (c.endsWith(IN_CONTEXT_EXAMPLE_SUFFIX)) c = c.slice(0, -IN_CONTEXT_EXAMPLE_SUFFIX.length);
  return c;
}

export function usesNativeCalls(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'tool' || (m.tool_calls?.length ?? 0) > 0);
}

/**
 * A trajectory in SWE-Gym's training form (facts §5): text tool format, tool results as user messages, multi-call
 * replies split, null content -> "", consecutive user messages merged, no in-context example. Native-call
 * trajectories go through `toTrainingChat`; text-mode ones are already in this form and only lose the example.
 */
export function toSwegymText(messages: readonly ChatMessage[], tools: Tool[] = defaultTools()): ChatMessage[] {
  const base = usesNativeCalls(messages) ? toTrainingChat([...messages], 'swegym-text', tools) : messages.map((m) => ({ role: m.role, content: m.content ?? '' }) as ChatMessage);
  const out: ChatMessage[] = [];
  for (const m of base) {
    const msg: ChatMessage = { role: m.role, content: m.role === 'user' ? stripInContextExample(m.content ?? '') : (m.content ?? '') };
    const last = out[out.length - 1];
    if (last && last.role === 'user' && msg.role === 'user') last.content = `${last.content ?? ''}\n${msg.content ?? ''}`;
    else out.push(msg);
  }
  return out;
}

/**
 * A trajectory with native tool calls, for OpenAI's fine-tuning format: text-format calls are parsed back into
 * `tool_calls` and `EXECUTION RESULT of [name]:` user messages become tool messages answering them.
 */
export function toNativeCalls(messages: readonly ChatMessage[], tools: Tool[] = defaultTools()): ChatMessage[] {
  if (usesNativeCalls(messages)) return messages.map((m) => structuredClone(m));
  const out: ChatMessage[] = [];
  let pending: { id: string; name: string } | undefined;
  let n = 0;
  for (const m of messages) {
    const content = m.content ?? '';
    if (m.role === 'assistant') {
      const parsed = parseCalls(content, tools);
      const call = parsed.calls[0];
      if (call && !parsed.error) {
        const id = `call_${n++}`;
        pending = { id, name: call.name };
        out.push({ role: 'assistant', content: parsed.thought || null, tool_calls: [{ id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] });
        continue;
      }
      pending = undefined;
      out.push({ role: 'assistant', content });
      continue;
    }
    if (m.role === 'user' && pending && content.startsWith(TOOL_RESULT_PREFIX(pending.name))) {
      out.push({ role: 'tool', tool_call_id: pending.id, content: content.slice(TOOL_RESULT_PREFIX(pending.name).length) });
      pending = undefined;
      continue;
    }
    pending = undefined;
    const suffix = systemPromptSuffix(tools);
    const text = m.role === 'user' ? stripInContextExample(content) : m.role === 'system' && content.endsWith(suffix) ? content.slice(0, -suffix.length) : content;
    out.push({ role: m.role, content: text });
  }
  return out;
}
