import type { ChatMessage } from '../events.js';
import { readRows } from './read.js';
import { ROLES, Reader, type ImportedRollout } from './types.js';

/** Roles and contents of a chat message list, checked field by field. */
export function chatMessages(r: Reader, v: unknown, field: string): ChatMessage[] {
  // Parquet/JSON exports sometimes hold the list as a JSON string.
  const list = typeof v === 'string' ? (() => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return r.fail(field, 'is a string that is not a JSON list of messages');
    }
  })() : v;
  return r.arr(list, field).map((raw, i) => {
    const m = r.obj(raw, `${field}[${i}]`);
    const role = r.str(m.role, `${field}[${i}].role`);
    if (!ROLES.has(role)) r.fail(`${field}[${i}].role`, `must be system, user, assistant or tool (got ${JSON.stringify(role)})`);
    const msg: ChatMessage = { role: role as ChatMessage['role'], content: r.content(m.content, `${field}[${i}].content`) };
    if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
      msg.tool_calls = m.tool_calls.map((tc, k) => {
        const t = r.obj(tc, `${field}[${i}].tool_calls[${k}]`);
        const fn = r.obj(t.function, `${field}[${i}].tool_calls[${k}].function`);
        const args = fn.arguments;
        return {
          id: typeof t.id === 'string' ? t.id : `call_${i}_${k}`,
          type: 'function' as const,
          function: { name: r.str(fn.name, `${field}[${i}].tool_calls[${k}].function.name`), arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
        };
      });
    }
    if (typeof m.tool_call_id === 'string') msg.tool_call_id = m.tool_call_id;
    if (typeof m.name === 'string' && role === 'tool') msg.name = m.name;
    return msg;
  });
}

/** Did the trajectory end with the finish tool (text format or native)? */
export function endsWithFinish(messages: ChatMessage[]): boolean {
  const last = [...messages].reverse().find((m) => m.role === 'assistant');
  if (!last) return false;
  return /<function=finish>/.test(last.content ?? '') || (last.tool_calls ?? []).some((t) => t.function.name === 'finish');
}

/**
 * SWE-Gym's released trajectory datasets (SWE-Gym/OpenHands-Sampled-Trajectories `train.raw`,
 * SWE-Gym/OpenHands-SFT-Trajectories `train.success.oss`): rows with `instance_id`, `messages` (text tool format:
 * `<function=...>` calls, `EXECUTION RESULT of [...]` user messages) and `resolved`; a patch when the row has one.
 */
export async function readSwegym(file: string): Promise<ImportedRollout[]> {
  const rows = await readRows(file);
  return rows.map(({ line, value }) => {
    const r = new Reader(file, line);
    const row = r.obj(value, '(row)');
    const instance_id = r.str(row.instance_id, 'instance_id');
    const messages = chatMessages(r, row.messages, 'messages');
    if (!messages.length) r.fail('messages', 'is empty');
    const report = row.report && typeof row.report === 'object' ? (row.report as Record<string, unknown>) : undefined;
    const resolved = r.optBool(row.resolved ?? report?.resolved, row.resolved !== undefined ? 'resolved' : 'report.resolved');
    const patch = r.optStr(row.git_patch ?? row.model_patch ?? row.patch, 'git_patch') ?? '';
    const finished = endsWithFinish(messages);
    return {
      instance_id,
      messages,
      patch,
      model: r.optStr(row.model, 'model'),
      stop: finished ? { reason: 'finished', message: 'the agent called finish' } : { reason: 'finished', message: 'imported: the source does not record why the agent stopped' },
      resolved,
      source: { file, line },
    } satisfies ImportedRollout;
  });
}
