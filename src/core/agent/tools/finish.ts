import { z } from 'zod';
import type { Tool, ToolResult } from '../tool-types.js';
import { FINISH_DESCRIPTION } from './descriptions.js';

export const FinishParams = z.object({});

/** `finish`: no parameters; stops the loop with reason `finished`. */
export class FinishTool implements Tool<typeof FinishParams> {
  readonly name = 'finish';
  readonly description = FINISH_DESCRIPTION;
  readonly parameters = FinishParams;
  async execute(): Promise<ToolResult> {
    return { observation: '', isError: false, finish: true };
  }
}
