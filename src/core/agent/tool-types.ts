import type { z } from 'zod';
import type { Runtime } from '../runtime/types.js';

/** What a tool returns to the agent loop; the loop turns it into an observation and a `tool_end` event. */
export interface ToolResult {
  observation: string;
  exitCode?: number;
  isError: boolean;
  timedOut?: boolean;
  truncated?: boolean;
  /** The `finish` tool sets this; the loop stops with reason `finished`. */
  finish?: boolean;
}

export interface ToolContext {
  runtime: Runtime;
  repoDir: string;
  signal: AbortSignal;
  /** Live output chunks of a running command (becomes `tool_output` events). */
  onOutput?: (chunk: string) => void;
}

/** A tool the model can call. Parameters are zod-defined and published to the model as JSON schema. */
export interface Tool<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly parameters: P;
  execute(args: z.output<P>, ctx: ToolContext): Promise<ToolResult>;
}
