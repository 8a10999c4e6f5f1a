import { z } from 'zod';
import type { Tool, ToolResult } from '../tool-types.js';
import { THINK_DESCRIPTION, THINK_OBSERVATION, THINK_PARAM_DESCRIPTION } from './descriptions.js';

export const ThinkParams = z.object({ thought: z.string().describe(THINK_PARAM_DESCRIPTION) });

/** `think` (optional, not in SWE-Gym's set): logs the thought, changes nothing. */
export class ThinkTool implements Tool<typeof ThinkParams> {
  readonly name = 'think';
  readonly description = THINK_DESCRIPTION;
  readonly parameters = ThinkParams;
  async execute(): Promise<ToolResult> {
    return { observation: THINK_OBSERVATION, isError: false };
  }
}
