import type { ChatMessage } from '../../events.js';

/**
 * Renders a trajectory the way SWE-Gym's verifier data did (`format_traj`, facts §6.1):
 * the system message under its own header, consecutive user messages merged, then every remaining message as a
 * numbered turn between lines of 100 dashes, every line (the last separator too) ending in a newline. Native tool calls are appended as `### Tool Call k` blocks.
 */
export const SEPARATOR = '-'.repeat(100);
export const SYSTEM_HEADER = "*** System Message that describes the assistant's behavior ***";

const ROLE_NAMES: Record<ChatMessage['role'], string> = {
  system: 'SYSTEM',
  user: 'USER',
  assistant: 'ASSISTANT',
  tool: 'TOOL EXECUTION RESULT',
};

/** SWE-Gym's text-format call string, used for native tool calls in the rendering. */
export function callToText(name: string, argsJson: string): string {
  let args: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(argsJson || '{}');
    if (parsed && typeof parsed === 'object') args = parsed as Record<string, unknown>;
  } catch {
    return `<function=${name}>\n${argsJson}\n</function>`;
  }
  let out = `<function=${name}>\n`;
  for (const [k, v] of Object.entries(args)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    out += s.includes('\n') ? `<parameter=${k}>\n${s}\n</parameter>\n` : `<parameter=${k}>${s}</parameter>\n`;
  }
  return out + '</function>';
}

export function mergeConsecutiveUsers(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    const prev = out[out.length - 1];
    if (prev && prev.role === 'user' && m.role === 'user') {
      out[out.length - 1] = { ...prev, content: `${prev.content ?? ''}\n${m.content ?? ''}` };
    } else out.push({ ...m });
  }
  return out;
}

export function renderTrajectory(messages: ChatMessage[]): string {
  const lines: string[] = [];
  let rest = messages;
  if (rest[0]?.role === 'system') {
    lines.push(SYSTEM_HEADER, rest[0].content ?? '');
    rest = rest.slice(1);
  }
  const merged = mergeConsecutiveUsers(rest);
  merged.forEach((m, i) => {
    lines.push(SEPARATOR, `*** Turn ${Math.floor(i / 2) + 1} - ${ROLE_NAMES[m.role]} ***`, m.content ?? '');
    (m.tool_calls ?? []).forEach((tc, k) => {
      lines.push(`### Tool Call ${k}`, callToText(tc.function.name, tc.function.arguments));
    });
  });
  lines.push(SEPARATOR);
  // format_traj ends every line, the last separator included, with a newline: the judge prompt then shows a blank
  // line before `=== END INTERACTION ===`, as in SWE-Gym's verifier data.
  return lines.join('\n') + '\n';
}
