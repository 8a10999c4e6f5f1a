import { z } from 'zod';
import type { Tool, ToolContext, ToolResult } from '../tool-types.js';
import { BASH_COMMAND_DESCRIPTION, BASH_DESCRIPTION, BASH_TIMEOUT_NOTICE, exitCodeSuffix } from './descriptions.js';

export const ExecuteBashParams = z.object({
  command: z.string().describe(BASH_COMMAND_DESCRIPTION),
});

export const DEFAULT_BASH_TIMEOUT_SEC = 300;

/**
 * `execute_bash`: the command runs in the container's long-lived shell (cwd and env persist). After the per-command
 * timeout the runtime interrupts it and the observation says so in OpenHands' words. Every observation ends with
 * the exit-code suffix the trained models expect.
 */
export class ExecuteBashTool implements Tool<typeof ExecuteBashParams> {
  readonly name = 'execute_bash';
  readonly description = BASH_DESCRIPTION;
  readonly parameters = ExecuteBashParams;

  constructor(private readonly timeoutSec = DEFAULT_BASH_TIMEOUT_SEC) {}

  async execute(args: { command: string }, ctx: ToolContext): Promise<ToolResult> {
    const command = args.command;
    const trimmed = command.trim();
    // Our runtime interrupts a command at its timeout, so nothing is ever left running to poll or to interrupt.
    if (trimmed === '' || trimmed === 'ctrl+c' || trimmed === 'C-c') {
      return {
        observation: 'ERROR: No previous running command to retrieve logs from or to interrupt.' + exitCodeSuffix(-1),
        exitCode: -1,
        isError: true,
      };
    }
    const r = await ctx.runtime.exec(command, { timeoutSec: this.timeoutSec, onOutput: ctx.onOutput, signal: ctx.signal });
    let out = r.output.replace(/\n+$/, '');
    if (r.timedOut) out += (out ? '\n\n' : '') + BASH_TIMEOUT_NOTICE;
    else if (r.interrupted) out += (out ? '\n\n' : '') + '[Command interrupted]';
    return {
      observation: out + exitCodeSuffix(r.exitCode),
      exitCode: r.exitCode,
      isError: false,
      timedOut: r.timedOut,
      truncated: r.omittedChars > 0,
    };
  }
}
