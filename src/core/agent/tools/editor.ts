import { z } from 'zod';
import type { Tool, ToolContext, ToolResult } from '../tool-types.js';
import { EDITOR_PARAM_DESCRIPTIONS as D, STR_REPLACE_EDITOR_DESCRIPTION } from './descriptions.js';
import { EDITOR_COMMANDS, FileEditor } from './file-editor.js';
import { integer } from './schema-helpers.js';

export const StrReplaceEditorParams = z.object({
  command: z.enum(EDITOR_COMMANDS).describe(D.command),
  path: z.string().describe(D.path),
  file_text: z.string().optional().describe(D.file_text),
  old_str: z.string().optional().describe(D.old_str),
  new_str: z.string().optional().describe(D.new_str),
  insert_line: integer().optional().describe(D.insert_line),
  view_range: z.array(integer()).optional().describe(D.view_range),
});
export type StrReplaceEditorArgs = z.output<typeof StrReplaceEditorParams>;

/**
 * `str_replace_editor`. One instance per rollout: the undo history lives in it, and the editor is bound to the
 * first runtime it sees (a new runtime gets a fresh history).
 */
export class StrReplaceEditorTool implements Tool<typeof StrReplaceEditorParams> {
  readonly name = 'str_replace_editor';
  readonly description = STR_REPLACE_EDITOR_DESCRIPTION;
  readonly parameters = StrReplaceEditorParams;
  private editor?: { runtimeId: string; editor: FileEditor };

  async execute(args: StrReplaceEditorArgs, ctx: ToolContext): Promise<ToolResult> {
    if (!this.editor || this.editor.runtimeId !== ctx.runtime.id) {
      this.editor = { runtimeId: ctx.runtime.id, editor: new FileEditor(ctx.runtime) };
    }
    const r = await this.editor.editor.run(args, ctx.signal);
    return { observation: r.observation, isError: r.isError, truncated: r.truncated };
  }
}
