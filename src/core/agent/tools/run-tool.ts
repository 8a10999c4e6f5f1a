import type { RolloutEmitter } from '../../events.js';
import type { Runtime } from '../../runtime/types.js';
import type { Tool, ToolResult } from '../tool-types.js';

export interface RunToolCallOptions {
  tools: readonly Tool[];
  name: string;
  args: Record<string, unknown>;
  callId: string;
  step: number;
  runtime: Runtime;
  repoDir: string;
  emitter: RolloutEmitter;
  signal: AbortSignal;
}

export interface ToolCallOutcome extends ToolResult {
  durationMs: number;
}

/**
 * Runs one tool call the way every agent does: tool_start, live tool_output chunks, tool_end. Unknown tools and
 * arguments that fail the tool's schema become error observations, not exceptions.
 */
export async function runToolCall(o: RunToolCallOptions): Promise<ToolCallOutcome> {
  const t0 = Date.now();
  o.emitter.emit({ type: 'tool_start', step: o.step, call_id: o.callId, tool: o.name, args: o.args });
  let result: ToolResult;
  const tool = o.tools.find((t) => t.name === o.name);
  if (!tool) {
    result = { observation: `ERROR:\nUnknown tool \`${o.name}\`. Available tools: ${o.tools.map((t) => t.name).join(', ')}`, isError: true };
  } else {
    const parsed = tool.parameters.safeParse(o.args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
      result = { observation: `ERROR:\nInvalid arguments for \`${o.name}\`: ${issues}`, isError: true };
    } else {
      try {
        result = await tool.execute(parsed.data, {
          runtime: o.runtime,
          repoDir: o.repoDir,
          signal: o.signal,
          onOutput: (chunk) => o.emitter.emit({ type: 'tool_output', step: o.step, chunk }),
        });
      } catch (e) {
        if (o.signal.aborted) throw e;
        result = { observation: `ERROR:\n${e instanceof Error ? e.message : String(e)}`, isError: true };
      }
    }
  }
  const durationMs = Date.now() - t0;
  o.emitter.emit({
    type: 'tool_end',
    step: o.step,
    call_id: o.callId,
    tool: o.name,
    observation: result.observation,
    exit_code: result.exitCode,
    is_error: result.isError,
    timed_out: result.timedOut ?? false,
    truncated: result.truncated ?? false,
    duration_ms: durationMs,
  });
  return { ...result, durationMs };
}
