import { sanitize } from '../../core/util/index.js';

/**
 * How a tool call reads on screen. Shell commands are shown as commands; editor calls as "command path" with their
 * old / new text as -/+ lines; finish and think by their message; anything else as compact key=value pairs. Never
 * raw JSON with escaped newlines.
 */

/** Tools whose calls run a command in the container's shell: only these reach the shell pane. */
export const SHELL_TOOLS = new Set(['execute_bash', 'bash']);
export const isShellTool = (name: string | undefined): boolean => !!name && SHELL_TOOLS.has(name);

export interface CallText {
  /** One line (shell commands may have several): what the call does. */
  summary: string;
  /** Extra lines: "- old" / "+ new" for edits, "+ text" for created files. */
  detail: string[];
}

function parseArgs(args: Record<string, unknown> | string): Record<string, unknown> | string {
  if (typeof args !== 'string') return args;
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : args;
  } catch {
    // Arguments still streaming in, or a model that sent invalid JSON: show them as they are.
    return args;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const lines = (prefix: string, text: string | undefined): string[] => (text === undefined ? [] : text.replace(/\n$/, '').split('\n').map((l) => `${prefix}${l}`));

function compact(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const one = text.split('\n')[0];
      return `${k}=${one.length > 60 ? `${one.slice(0, 60)}…` : one}${text.includes('\n') ? '…' : ''}`;
    })
    .join(' ');
}

export function describeCall(tool: string, rawArgs: Record<string, unknown> | string): CallText {
  const args = parseArgs(rawArgs);
  let out: CallText;
  if (typeof args === 'string') out = { summary: args, detail: [] };
  else if (isShellTool(tool)) out = { summary: str(args.command) ?? compact(args), detail: [] };
  else if (tool === 'str_replace_editor' && str(args.command)) {
    const cmd = str(args.command)!;
    const range = Array.isArray(args.view_range) ? ` [${args.view_range.join(', ')}]` : '';
    const at = typeof args.insert_line === 'number' ? ` after line ${args.insert_line}` : '';
    const detail =
      cmd === 'str_replace' ? [...lines('- ', str(args.old_str)), ...lines('+ ', str(args.new_str))]
      : cmd === 'create' ? lines('+ ', str(args.file_text))
      : cmd === 'insert' ? lines('+ ', str(args.new_str))
      : [];
    out = { summary: `${cmd} ${str(args.path) ?? '?'}${range}${at}`, detail };
  } else if (tool === 'finish') out = { summary: str(args.message) ?? str(args.result) ?? '', detail: [] };
  else if (tool === 'think') out = { summary: str(args.thought) ?? compact(args), detail: [] };
  else out = { summary: compact(args), detail: [] };
  return { summary: sanitize(out.summary), detail: out.detail.map(sanitize) };
}
