import { basename } from 'node:path';
import type { ChatMessage, StopReason } from '../events.js';
import { readJsonFile } from './read.js';
import { ROLES, Reader, type ImportedRollout } from './types.js';

/** SWE-agent exit statuses (`submitted`, `exit_cost`, `exit_context`, `exit_format`, `submitted (exit_cost)`, ...). */
export function sweAgentStop(status: string | undefined): { reason: StopReason; message: string } {
  const s = status ?? '';
  const message = status ? `exit status: ${status}` : 'no exit status recorded';
  if (/cost|budget/i.test(s)) return { reason: 'cost_cap', message };
  if (/context/i.test(s)) return { reason: 'context_window', message };
  if (/step|limit|turn/i.test(s)) return { reason: 'max_turns', message };
  if (/timeout|time/i.test(s)) return { reason: 'wall_clock', message };
  if (/^submitted$/i.test(s.trim())) return { reason: 'finished', message };
  if (/submitted/i.test(s)) return { reason: 'finished', message };
  return { reason: 'error', message };
}

/** SWE-agent's `history` items (role, content, message_type, tool_calls / tool_call_ids); demonstrations dropped. */
function historyMessages(r: Reader, history: unknown[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  history.forEach((h, i) => {
    const item = r.obj(h, `history[${i}]`);
    if (item.is_demo === true) return;
    const role = r.str(item.role, `history[${i}].role`);
    if (!ROLES.has(role)) r.fail(`history[${i}].role`, `must be system, user, assistant or tool (got ${JSON.stringify(role)})`);
    const msg: ChatMessage = { role: role as ChatMessage['role'], content: r.content(item.content, `history[${i}].content`) };
    if (role === 'assistant' && Array.isArray(item.tool_calls) && item.tool_calls.length) {
      msg.tool_calls = item.tool_calls.map((tc, k) => {
        const t = r.obj(tc, `history[${i}].tool_calls[${k}]`);
        const fn = r.obj(t.function, `history[${i}].tool_calls[${k}].function`);
        return {
          id: typeof t.id === 'string' ? t.id : `call_${i}_${k}`,
          type: 'function' as const,
          function: { name: r.str(fn.name, `history[${i}].tool_calls[${k}].function.name`), arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) },
        };
      });
    }
    if (role === 'tool') {
      const ids = Array.isArray(item.tool_call_ids) ? item.tool_call_ids : [];
      if (typeof ids[0] === 'string') msg.tool_call_id = ids[0];
      else {
        // A tool message without ids answers the previous assistant call.
        const prev = [...out].reverse().find((m) => m.role === 'assistant');
        const id = prev?.tool_calls?.[0]?.id;
        if (id) msg.tool_call_id = id;
        else msg.role = 'user';
      }
    }
    out.push(msg);
  });
  return out;
}

/** Without `history`: each trajectory step becomes the model's response and the observation that followed. */
function trajectoryMessages(r: Reader, trajectory: unknown[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  trajectory.forEach((s, i) => {
    const step = r.obj(s, `trajectory[${i}]`);
    out.push({ role: 'assistant', content: r.content(step.response ?? step.thought, `trajectory[${i}].response`) });
    out.push({ role: 'user', content: r.content(step.observation, `trajectory[${i}].observation`) });
  });
  return out;
}

/**
 * A SWE-agent `<instance_id>.traj` file (sweagent/types.py: `trajectory` of TrajectoryStep, `history` of
 * HistoryItem, `info` with `submission`, `exit_status`, `model_stats`). The instance id is the file name.
 */
export function readSweAgent(file: string): ImportedRollout[] {
  const r = new Reader(file);
  const doc = r.obj(readJsonFile(file), '(file)');
  const info = r.obj(doc.info, 'info');
  const trajectory = doc.trajectory === undefined ? [] : r.arr(doc.trajectory, 'trajectory');
  if (doc.history === undefined && doc.trajectory === undefined) r.fail('trajectory', "is missing (a .traj file holds 'trajectory' and 'history')");
  const messages: ChatMessage[] = doc.history !== undefined ? historyMessages(r, r.arr(doc.history, 'history')) : trajectoryMessages(r, trajectory);
  const submission = info.submission;
  const patch = submission === null || submission === undefined ? '' : typeof submission === 'string' ? submission : r.fail('info.submission', 'must be a string (the patch) or null');
  const stats = info.model_stats && typeof info.model_stats === 'object' ? (info.model_stats as Record<string, unknown>) : {};
  const name = basename(file).replace(/\.traj(\.json)?$/, '');
  const cfg = doc.replay_config;
  let rc: Record<string, any> | undefined;
  try {
    rc = typeof cfg === 'string' ? (JSON.parse(cfg) as Record<string, any>) : (cfg as Record<string, any> | undefined);
  } catch {
    rc = undefined;
  }
  const model: string | undefined = rc?.agent?.model?.name ?? rc?.agent?.model?.model_name;
  // SWE-agent 1.x records the instance in its replay config (`problem_statement.id`); 0.x only in the file name.
  const inside = typeof doc.instance_id === 'string' ? doc.instance_id : rc?.problem_statement?.id;
  const instance_id = typeof inside === 'string' && inside ? inside : name;
  return [
    {
      instance_id,
      messages,
      patch,
      model,
      stop: sweAgentStop(r.optStr(info.exit_status, 'info.exit_status')),
      cost_usd: typeof stats.instance_cost === 'number' ? stats.instance_cost : undefined,
      prompt_tokens: typeof stats.tokens_sent === 'number' ? stats.tokens_sent : undefined,
      completion_tokens: typeof stats.tokens_received === 'number' ? stats.tokens_received : undefined,
      source: { file },
    },
  ];
}
