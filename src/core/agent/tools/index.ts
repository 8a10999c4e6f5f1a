import type { Tool } from '../tool-types.js';
import { DEFAULT_BASH_TIMEOUT_SEC, ExecuteBashTool } from './bash.js';
import { StrReplaceEditorTool } from './editor.js';
import { FinishTool } from './finish.js';
import { ThinkTool } from './think.js';

export { ExecuteBashTool, DEFAULT_BASH_TIMEOUT_SEC } from './bash.js';
export { StrReplaceEditorTool } from './editor.js';
export { FinishTool } from './finish.js';
export { ThinkTool } from './think.js';
export { FileEditor } from './file-editor.js';
export { runToolCall } from './run-tool.js';

/**
 * The tool set in SWE-Gym's order (execute_bash, finish, str_replace_editor), plus `think` at the end when asked.
 * Call once per rollout: the editor keeps per-file undo history.
 */
export function defaultTools(opts: { think?: boolean; bashTimeoutSec?: number } = {}): Tool[] {
  const tools: Tool[] = [
    new ExecuteBashTool(opts.bashTimeoutSec ?? DEFAULT_BASH_TIMEOUT_SEC) as unknown as Tool,
    new FinishTool() as unknown as Tool,
    new StrReplaceEditorTool() as unknown as Tool,
  ];
  if (opts.think) tools.push(new ThinkTool() as unknown as Tool);
  return tools;
}
