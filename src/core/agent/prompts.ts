/**
 * Prompt templates (prompts/*.txt), overridable file by file from a user directory, with plain `{{var}}` substitution.
 * The fake-user nudge is protocol text copied from SWE-Gym's OpenHands fork (evaluation/utils/shared.py
 * `codeact_user_response`) and lives here, not in a template, because trajectories depend on it byte for byte.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../dataset/schema.js';

export const DEFAULT_PROMPT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prompts');

export const TEMPLATE_FILES = {
  system: 'system_prompt.txt',
  user: 'user_instruction.txt',
  hints: 'hints.txt',
  inContextExample: 'in_context_example.txt',
} as const;
export type TemplateName = keyof typeof TEMPLATE_FILES;

export interface Template {
  name: TemplateName;
  file: string;
  text: string;
}
export type PromptSet = Record<TemplateName, Template>;

/** Jinja semantics: one trailing newline is dropped. */
function stripOneNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

export async function loadPrompts(overrideDir?: string): Promise<PromptSet> {
  const out = {} as PromptSet;
  for (const [name, file] of Object.entries(TEMPLATE_FILES) as [TemplateName, string][]) {
    const candidate = overrideDir ? path.resolve(overrideDir, file) : undefined;
    const chosen = candidate && existsSync(candidate) ? candidate : path.join(DEFAULT_PROMPT_DIR, file);
    let raw: string;
    try {
      raw = await readFile(chosen, 'utf8');
    } catch (e) {
      throw new Error(`prompt template ${chosen}: cannot read (${(e as Error).message})`);
    }
    out[name] = { name, file: chosen, text: stripOneNewline(raw) };
  }
  return out;
}

/** `{{name}}` substitution in one pass (values are never re-scanned); an unknown name is an error naming file and line. */
export function renderTemplate(tpl: Template, vars: Record<string, string>): string {
  return tpl.text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string, offset: number) => {
    if (!(name in vars)) {
      const line = tpl.text.slice(0, offset).split('\n').length;
      throw new Error(`prompt template ${tpl.file}:${line}: unknown variable {{${name}}} (known: ${Object.keys(vars).join(', ')})`);
    }
    return vars[name];
  });
}

export function buildSystemPrompt(p: PromptSet): string {
  return renderTemplate(p.system, {});
}

/** `/workspace/<repo with / -> __>__<version>` as OpenHands' `_get_swebench_workspace_dir_name`. */
export function workspaceDirName(task: Pick<TaskRecord, 'repo' | 'version'>): string {
  return `${task.repo}__${task.version}`.replace(/\//g, '__');
}

export function buildFirstUserMessage(
  p: PromptSet,
  task: TaskRecord,
  opts: { workspaceDir?: string; hints?: boolean } = {},
): string {
  const workspacePath = opts.workspaceDir ?? `/workspace/${workspaceDirName(task)}`;
  const hintsBlock =
    opts.hints && task.hints_text.trim() !== '' ? renderTemplate(p.hints, { hints_text: task.hints_text }) + '\n\n' : '';
  return renderTemplate(p.user, {
    workspace_path: workspacePath,
    workspace_dir_name: path.posix.basename(workspacePath),
    problem_statement: task.problem_statement,
    hints_block: hintsBlock,
    repo: task.repo,
    version: task.version,
    instance_id: task.instance_id,
    base_commit: task.base_commit,
  });
}

export const NUDGE_MESSAGE =
  'Please continue working on the task on whatever approach you think is suitable.\n' +
  'If you think you have solved the task, please first send your answer to user through message and then finish the interaction.\n' +
  'IMPORTANT: YOU SHOULD NEVER ASK FOR HUMAN HELP.\n';
/** Added from the 2nd nudge on (the fork counts user messages, the task itself included, >= 2). */
export const NUDGE_GIVE_UP = 'If you want to give up, run: <execute_bash> exit </execute_bash>.\n';

/** The fake user's reply to the n-th (1-based) assistant message without a tool call. */
export function nudgeMessage(n: number): string {
  return n >= 2 ? NUDGE_MESSAGE + NUDGE_GIVE_UP : NUDGE_MESSAGE;
}
