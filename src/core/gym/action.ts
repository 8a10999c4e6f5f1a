import type { Tool } from '../agent/tool-types.js';
import { parseCalls, restoreStopWord } from '../agent/text-format.js';
import { Action, GymError, describeIssues } from './protocol.js';

export interface ParsedAction {
  tool: Tool;
  name: string;
  /** Arguments after the tool's own schema (defaults applied). */
  args: Record<string, unknown>;
  /** How the client sent it. */
  format: 'json' | 'text';
}

const malformed = (msg: string) => new GymError(400, 'malformed_action', msg);

/**
 * One action -> one validated tool call, or a GymError (400 malformed_action) saying what was wrong. Accepts the
 * agent's JSON shape `{name, arguments}` (arguments as an object or its JSON text) and the text format
 * `<function=NAME>...</function>` (parsed with the agent's own parser, stop word restored).
 */
export function parseAction(raw: unknown, tools: readonly Tool[]): ParsedAction {
  const shape = Action.safeParse(raw);
  if (!shape.success) {
    throw malformed(`action must be {"name": ..., "arguments": {...}} or a <function=...> text call: ${describeIssues(shape.error, 'action')}`);
  }
  const a = shape.data;
  const names = tools.map((t) => t.name).join(', ');
  if (typeof a === 'string') {
    const parsed = parseCalls(restoreStopWord(a), [...tools]);
    if (parsed.error) throw malformed(`text action: ${parsed.error}`);
    if (parsed.calls.length === 0) throw malformed(`text action has no <function=NAME> ... </function> call (tools: ${names})`);
    if (parsed.calls.length > 1) throw malformed(`text action has ${parsed.calls.length} calls; send exactly one per step`);
    const c = parsed.calls[0];
    return validate(tools, c.name, c.args, 'text');
  }
  let args: unknown = a.arguments;
  if (typeof args === 'string') {
    try {
      args = args.trim() === '' ? {} : JSON.parse(args);
    } catch (e) {
      throw malformed(`action.arguments is not valid JSON: ${(e as Error).message}`);
    }
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw malformed('action.arguments must be a JSON object');
  }
  return validate(tools, a.name, args as Record<string, unknown>, 'json');
}

function validate(tools: readonly Tool[], name: string, args: Record<string, unknown>, format: 'json' | 'text'): ParsedAction {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw malformed(`unknown tool '${name}' (tools: ${tools.map((t) => t.name).join(', ')})`);
  const r = tool.parameters.safeParse(args);
  if (!r.success) throw malformed(`invalid arguments for ${name}: ${describeIssues(r.error, 'arguments')}`);
  return { tool, name, args: r.data as Record<string, unknown>, format };
}
