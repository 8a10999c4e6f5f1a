import type { ChatMessage, StopReason } from '../events.js';
import { readRows } from './read.js';
import { Reader, type ImportedRollout } from './types.js';

/** OpenHands action names -> the function-calling tool the CodeAct agent used for them. */
function toolCallOf(action: string, args: Record<string, unknown>): { name: string; args: Record<string, unknown> } | undefined {
  switch (action) {
    case 'run':
      return { name: 'execute_bash', args: { command: args.command ?? '' } };
    case 'run_ipython':
      return { name: 'execute_ipython_cell', args: { code: args.code ?? '' } };
    case 'edit':
    case 'read':
    case 'write': {
      const out: Record<string, unknown> = {};
      const command = typeof args.command === 'string' && args.command ? args.command : action === 'read' ? 'view' : action === 'write' ? 'create' : 'str_replace';
      out.command = command;
      for (const k of ['path', 'file_text', 'old_str', 'new_str', 'insert_line', 'view_range', 'content']) if (args[k] !== undefined && args[k] !== null && args[k] !== '') out[k] = args[k];
      return { name: 'str_replace_editor', args: out };
    }
    case 'finish':
      return { name: 'finish', args: args.final_thought ? { message: args.final_thought } : {} };
    case 'think':
      return { name: 'think', args: { thought: args.thought ?? '' } };
    case 'browse':
      return { name: 'web_read', args: { url: args.url ?? '' } };
    case 'browse_interactive':
      return { name: 'browser', args: { code: args.browser_actions ?? '' } };
    default:
      return undefined;
  }
}

const SILENT_OBSERVATIONS = new Set(['agent_state_changed', 'null', 'recall', 'user_rejected', 'success']);

/**
 * OpenHands history (the V0 `event_to_dict` form: `{id, source, action, args}` actions and
 * `{id, cause, observation, content, extras}` observations; old outputs hold `[action, observation]` pairs) as chat
 * messages with native tool calls: user messages, assistant replies with one call each, tool results by cause.
 */
export function historyToMessages(r: Reader, history: unknown[]): { messages: ChatMessage[]; finished: boolean } {
  const events = history.flatMap((h, i) => (Array.isArray(h) ? h.map((x, j) => ({ e: x, field: `history[${i}][${j}]` })) : [{ e: h, field: `history[${i}]` }]));
  const messages: ChatMessage[] = [];
  const callIdByEvent = new Map<unknown, { id: string; name: string }>();
  let lastCall: { id: string; name: string } | undefined;
  let finished = false;
  let n = 0;
  for (const { e, field } of events) {
    const ev = r.obj(e, field);
    if (typeof ev.action === 'string') {
      const args = ev.args === undefined || ev.args === null ? {} : r.obj(ev.args, `${field}.args`);
      const source = ev.source ?? 'agent';
      if (ev.action === 'system') {
        messages.push({ role: 'system', content: r.content(args.content, `${field}.args.content`) });
        continue;
      }
      if (ev.action === 'message') {
        const content = r.content(args.content ?? ev.message, `${field}.args.content`);
        messages.push({ role: source === 'user' ? 'user' : 'assistant', content });
        continue;
      }
      const call = toolCallOf(ev.action, args);
      if (!call) continue;
      if (ev.action === 'finish') finished = true;
      const meta = ev.tool_call_metadata && typeof ev.tool_call_metadata === 'object' ? (ev.tool_call_metadata as Record<string, unknown>) : undefined;
      const id = typeof meta?.tool_call_id === 'string' ? meta.tool_call_id : `toolu_${String(ev.id ?? n)}`;
      const name = typeof meta?.function_name === 'string' ? meta.function_name : call.name;
      n++;
      const thought = typeof args.thought === 'string' ? args.thought : '';
      messages.push({ role: 'assistant', content: thought, tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(call.args) } }] });
      lastCall = { id, name };
      if (ev.id !== undefined) callIdByEvent.set(ev.id, lastCall);
      continue;
    }
    if (typeof ev.observation === 'string') {
      if (SILENT_OBSERVATIONS.has(ev.observation)) continue;
      const call = (ev.cause !== undefined ? callIdByEvent.get(ev.cause) : undefined) ?? lastCall;
      const content = r.content(ev.content, `${field}.content`);
      if (!call) {
        // An observation with no call to answer (e.g. an error before the first action): the user sees it.
        messages.push({ role: 'user', content });
        continue;
      }
      messages.push({ role: 'tool', tool_call_id: call.id, name: call.name, content });
      if (call === lastCall) lastCall = undefined;
      continue;
    }
    r.fail(field, "is neither an action (no 'action' field) nor an observation (no 'observation' field)");
  }
  return { messages, finished };
}

function stopOf(finished: boolean, error: string | undefined): { reason: StopReason; message: string } {
  if (error && /stuck in a loop/i.test(error)) return { reason: 'stuck', message: error };
  if (error && /maximum iteration|max_iterations/i.test(error)) return { reason: 'max_turns', message: error };
  if (error && /budget|cost/i.test(error)) return { reason: 'cost_cap', message: error };
  if (error) return { reason: 'error', message: error };
  if (finished) return { reason: 'finished', message: 'the agent called finish' };
  return { reason: 'max_turns', message: 'ended without finish' };
}

/**
 * OpenHands evaluation `output.jsonl` (evaluation/benchmarks/swe_bench/run_infer.py `EvalOutput`): instance_id,
 * instruction, history, test_result.git_patch, metadata.llm_config.model, metrics, error, and after evaluation
 * `report` (or `test_result.report`) with `resolved`.
 */
export async function readOpenhands(file: string): Promise<ImportedRollout[]> {
  const rows = await readRows(file);
  return rows.map(({ line, value }) => {
    const r = new Reader(file, line);
    const row = r.obj(value, '(row)');
    const instance_id = r.str(row.instance_id, 'instance_id');
    const history = r.arr(row.history, 'history');
    const testResult = r.obj(row.test_result, 'test_result');
    const patch = r.str(testResult.git_patch, 'test_result.git_patch');
    const { messages, finished } = historyToMessages(r, history);
    const instruction = r.optStr(row.instruction, 'instruction');
    if (instruction && !messages.some((m) => m.role === 'user')) messages.unshift({ role: 'user', content: instruction });
    const report = row.report ?? testResult.report;
    const rep = report === undefined || report === null ? undefined : r.obj(report, row.report !== undefined ? 'report' : 'test_result.report');
    const resolved = rep ? r.optBool(rep.resolved, row.report !== undefined ? 'report.resolved' : 'test_result.report.resolved') : undefined;
    const metadata = row.metadata && typeof row.metadata === 'object' ? (row.metadata as Record<string, unknown>) : {};
    const llm = metadata.llm_config && typeof metadata.llm_config === 'object' ? (metadata.llm_config as Record<string, unknown>) : {};
    const metrics = row.metrics && typeof row.metrics === 'object' ? (row.metrics as Record<string, unknown>) : {};
    const usage = metrics.accumulated_token_usage && typeof metrics.accumulated_token_usage === 'object' ? (metrics.accumulated_token_usage as Record<string, unknown>) : {};
    return {
      instance_id,
      messages,
      patch,
      model: typeof llm.model === 'string' ? llm.model : undefined,
      stop: stopOf(finished, r.optStr(row.error, 'error')),
      resolved,
      cost_usd: typeof metrics.accumulated_cost === 'number' ? metrics.accumulated_cost : undefined,
      prompt_tokens: typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : undefined,
      completion_tokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : undefined,
      source: { file, line },
    } satisfies ImportedRollout;
  });
}
