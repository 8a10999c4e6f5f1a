import type { RolloutEmitter } from '../../events.js';
import type { Runtime } from '../../runtime/types.js';
import type { Tool, ToolResult } from '../tool-types.js';
import { renderObservation } from '../llm/observation.js';
import { ERROR_OBSERVATION_SUFFIX, undeclaredArgumentError } from '../text-format.js';
import { toFunctionSpec } from '../llm/tool-spec.js';

/** OpenHands' observation cap (events/event.py truncate_content), the LLM agent's default. */
export const DEFAULT_OBSERVATION_MAX_CHARS = 30_000;

export interface RunToolCallOptions {
  tools: readonly Tool[];
  name: string;
  /** The arguments as an object, or as the JSON text a model sent (parsed here; bad JSON is an invalid call). */
  args: Record<string, unknown> | string;
  callId: string;
  step: number;
  runtime: Runtime;
  repoDir: string;
  emitter: RolloutEmitter;
  signal: AbortSignal;
  /** The observation cap (the middle is cut, the exit-code line kept); default OpenHands' 30,000 characters. */
  observationMaxChars?: number;
  /** Live output chunks, besides the tool_output events (the gym streams them to its client). */
  onOutput?: (chunk: string) => void;
  /**
   * A tool that throws (the environment failed, not the call): 'observation' makes it an error observation and the
   * agent goes on; 'throw' ends the caller (a ToolExecutionError after the tool_end). An abort always throws.
   */
  onToolError?: 'observation' | 'throw';
}

export interface ToolCallOutcome extends ToolResult {
  /** The observation as the model sees it (capped, exit-code line once); the tool_end event carries the same. */
  observation: string;
  /** The arguments after the tool's schema (defaults applied); undefined when the call was invalid. */
  args?: Record<string, unknown>;
  /** Why the call could not run (unknown tool, bad JSON, bad arguments), in the words the observation uses. */
  invalid?: string;
  durationMs: number;
}

/** A tool threw while running (the environment failed); the tool_end with the error was already emitted. */
export class ToolExecutionError extends Error {
  constructor(readonly tool: string, override readonly cause: unknown) {
    super(`tool ${tool} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ToolExecutionError';
  }
}

/**
 * The one tool executor: every agent and the gym run tool calls through it, so a gym client's observation equals
 * the agent's for the same call byte for byte. tool_start, then the tool (live output as tool_output), then the
 * observation rendered as OpenHands rendered it for the model, then tool_end. Unknown tools, arguments that are not
 * JSON or fail the tool's schema become error observations in OpenHands' words (with its error suffix).
 */
export async function runToolCall(o: RunToolCallOptions): Promise<ToolCallOutcome> {
  const t0 = Date.now();
  const max = o.observationMaxChars ?? DEFAULT_OBSERVATION_MAX_CHARS;
  const raw = typeof o.args === 'string' ? o.args : JSON.stringify(o.args);
  const tool = o.tools.find((t) => t.name === o.name);
  let args: Record<string, unknown> | undefined;
  let invalid: string | undefined;
  if (!tool) {
    invalid = `Tool ${o.name} is not registered. (arguments: ${raw}). Please check the tool name and retry with an existing tool.`;
  } else {
    let json: unknown = o.args;
    if (typeof o.args === 'string') {
      try {
        json = o.args.trim() === '' ? {} : JSON.parse(o.args);
      } catch {
        invalid = `Failed to parse tool call arguments: ${o.args}`;
      }
    }
    // Arguments the tool does not declare: the same rule as text mode (see undeclaredArgumentError).
    if (!invalid && json && typeof json === 'object' && !Array.isArray(json)) invalid = undeclaredArgumentError(toFunctionSpec(tool), Object.keys(json));
    if (!invalid) {
      const r = tool.parameters.safeParse(json);
      if (r.success) args = r.data as Record<string, unknown>;
      else invalid = `Invalid arguments for tool ${o.name}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    }
  }
  o.emitter.emit({ type: 'tool_start', step: o.step, call_id: o.callId, tool: o.name, args: args ?? (typeof o.args === 'string' ? { _raw: o.args } : o.args) });

  const end = (observation: string, r: Omit<ToolResult, 'observation'>, truncated: boolean): ToolCallOutcome => {
    const durationMs = Date.now() - t0;
    o.emitter.emit({
      type: 'tool_end',
      step: o.step,
      call_id: o.callId,
      tool: o.name,
      observation,
      ...(r.exitCode !== undefined ? { exit_code: r.exitCode } : {}),
      is_error: r.isError,
      timed_out: r.timedOut ?? false,
      truncated,
      duration_ms: durationMs,
    });
    return { ...r, observation, truncated, durationMs, ...(args ? { args } : {}), ...(invalid !== undefined ? { invalid } : {}) };
  };

  if (!tool || !args) {
    return end(renderObservation(invalid ?? 'invalid call', { max }).text + ERROR_OBSERVATION_SUFFIX, { isError: true }, false);
  }
  let result: ToolResult;
  try {
    result = await tool.execute(args, {
      runtime: o.runtime,
      repoDir: o.repoDir,
      signal: o.signal,
      onOutput: (chunk) => {
        o.emitter.emit({ type: 'tool_output', step: o.step, chunk });
        o.onOutput?.(chunk);
      },
    });
  } catch (e) {
    const failure = new ToolExecutionError(o.name, e);
    end(`ERROR:\n${failure.message}`, { isError: true }, false);
    if (o.signal.aborted) throw e;
    if (o.onToolError === 'throw') throw failure;
    return { observation: `ERROR:\n${failure.message}`, isError: true, truncated: false, durationMs: Date.now() - t0, args };
  }
  const { text, truncated } = renderObservation(result.observation, { max, exitCode: result.exitCode, bash: o.name === 'execute_bash' });
  return end(text, result, truncated || (result.truncated ?? false));
}

/** Whether a call may have changed files (then the patch is recomputed); viewing, thinking and finishing do not. */
export function mayChangeFiles(tool: string, args: Record<string, unknown>, result: Pick<ToolResult, 'isError'>): boolean {
  if (tool === 'think' || tool === 'finish') return false;
  if (tool === 'str_replace_editor') return !result.isError && args.command !== 'view';
  return true;
}
