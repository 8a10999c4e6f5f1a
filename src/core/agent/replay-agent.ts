import { readFile } from 'node:fs/promises';
import { RolloutEvent, type ChatMessage, type StopReason, type Usage } from '../events.js';
import type { Tool } from './tool-types.js';
import type { Agent, AgentContext, AgentResult } from './types.js';
import { defaultTools, runToolCall } from './tools/index.js';
import { extractPatch } from './patch.js';
import { stopReasonForAbort } from '../rollout/abort.js';

const ZERO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, estimated: false };

export interface RecordedCall {
  step: number;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  /** The recorded observation (undefined when the recording has no tool_end for the call). */
  observation?: string;
  exitCode?: number;
  /**
   * The recording extracted the patch after this call (a patch_updated event before the next call). Extraction
   * stages everything (`git add -A`), which later observations such as `git status` show, so replay repeats it.
   */
  patchAfter?: boolean;
}

export interface Divergence {
  step: number;
  tool: string;
  recorded: string | undefined;
  replayed: string;
  /** 1-based line of the first difference, and the two lines there. */
  line: number;
  recordedLine: string;
  replayedLine: string;
}

export interface LoadedTrajectory {
  instanceId?: string;
  calls: RecordedCall[];
  recordedReason?: StopReason;
  recordedPatch?: string;
}

/** Reads a trajectory (JSON lines of our RolloutEvents). A bad line is an error naming the file, line and field. */
export async function loadTrajectory(file: string): Promise<LoadedTrajectory> {
  const text = await readFile(file, 'utf8');
  const events: RolloutEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const r = RolloutEvent.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${file}:${i + 1}: field ${issue.path.join('.') || '(event)'}: ${issue.message}`);
    }
    events.push(r.data);
  });
  return trajectoryFromEvents(events);
}

export function trajectoryFromEvents(events: readonly RolloutEvent[]): LoadedTrajectory {
  const calls: RecordedCall[] = [];
  const byId = new Map<string, RecordedCall>();
  let instanceId: string | undefined;
  let recordedReason: StopReason | undefined;
  let recordedPatch: string | undefined;
  for (const e of events) {
    if (e.type === 'rollout_started') instanceId = e.instance_id;
    else if (e.type === 'tool_start') {
      const c: RecordedCall = { step: e.step, callId: e.call_id, tool: e.tool, args: e.args };
      calls.push(c);
      byId.set(e.call_id, c);
    } else if (e.type === 'tool_end') {
      const c = byId.get(e.call_id);
      if (c) {
        c.observation = e.observation;
        c.exitCode = e.exit_code;
      }
    } else if (e.type === 'agent_stopped') recordedReason = e.reason;
    else if (e.type === 'patch_updated') {
      recordedPatch = e.patch;
      const last = calls.at(-1);
      if (last && !recordedReason) last.patchAfter = true;
    }
  }
  return { instanceId, calls, recordedReason, recordedPatch };
}

/**
 * Observations carry details that legitimately change between runs (timings, object addresses, temp names);
 * they are masked before comparing so that only real divergences are reported.
 */
export function normalizeObservation(s: string): string {
  return s
    .replace(/\b\d+(\.\d+)?\s?(s|ms|sec|seconds)\b/g, '<T>')
    .replace(/0x[0-9a-f]{6,}/gi, '0x<ADDR>')
    .replace(/\/tmp\/[\w.-]+/g, '/tmp/<TMP>');
}

function firstDifference(a: string, b: string): { line: number; a: string; b: string } {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return { line: i + 1, a: al[i] ?? '<end>', b: bl[i] ?? '<end>' };
  }
  return { line: 0, a: '', b: '' };
}

/**
 * The `replay` agent: replays the tool calls of a recorded trajectory against a fresh environment, in order, and
 * reports every call whose new observation differs from the recorded one (a `log` event each, and a summary in the
 * result message). Stops where the recording stopped, or at its `finish` call.
 */
export class ReplayAgent implements Agent {
  readonly info: { kind: 'replay'; config: Record<string, unknown> };
  readonly divergences: Divergence[] = [];
  private loaded?: LoadedTrajectory;

  constructor(
    private readonly source: string | LoadedTrajectory,
    private readonly tools: Tool[] = defaultTools(),
  ) {
    this.info = { kind: 'replay', config: typeof source === 'string' ? { trajectory: source } : {} };
  }

  async trajectory(): Promise<LoadedTrajectory> {
    this.loaded ??= typeof this.source === 'string' ? await loadTrajectory(this.source) : this.source;
    return this.loaded;
  }

  async run(ctx: AgentContext): Promise<AgentResult> {
    const traj = await this.trajectory();
    if (traj.instanceId && traj.instanceId !== ctx.task.instance_id) {
      ctx.emitter.emit({
        type: 'log',
        level: 'warn',
        message: `replaying a trajectory recorded for ${traj.instanceId} on ${ctx.task.instance_id}`,
      });
    }
    const messages: ChatMessage[] = [{ role: 'user', content: ctx.task.problem_statement }];
    let turns = 0;
    let finished = false;
    let interrupted = false;
    for (const c of traj.calls) {
      if (ctx.signal.aborted) {
        interrupted = true;
        break;
      }
      turns++;
      messages.push({ role: 'assistant', content: '', tool_calls: [{ id: c.callId, type: 'function', function: { name: c.tool, arguments: JSON.stringify(c.args) } }] });
      let r;
      try {
        r = await runToolCall({
          tools: this.tools,
          name: c.tool,
          args: c.args,
          callId: c.callId,
          step: c.step,
          runtime: ctx.runtime,
          repoDir: ctx.repoDir,
          emitter: ctx.emitter,
          signal: ctx.signal,
        });
      } catch (e) {
        if (ctx.signal.aborted) {
          interrupted = true;
          break;
        }
        throw e;
      }
      messages.push({ role: 'tool', content: r.observation, tool_call_id: c.callId, name: c.tool });
      if (c.observation !== undefined && normalizeObservation(c.observation) !== normalizeObservation(r.observation)) {
        const d = firstDifference(c.observation, r.observation);
        const div: Divergence = { step: c.step, tool: c.tool, recorded: c.observation, replayed: r.observation, line: d.line, recordedLine: d.a, replayedLine: d.b };
        this.divergences.push(div);
        ctx.emitter.emit({
          type: 'log',
          level: 'warn',
          message: `replay diverged at step ${c.step} (${c.tool}), line ${d.line}: recorded ${JSON.stringify(d.a)}, now ${JSON.stringify(d.b)}`,
        });
      }
      if (c.patchAfter && !r.finish) {
        const p = await extractPatch(ctx.runtime, ctx.task.base_commit, ctx.repoDir);
        ctx.emitter.emit({ type: 'patch_updated', patch: p.patch, files: p.files });
      }
      if (r.finish) {
        finished = true;
        break;
      }
    }
    const p = await extractPatch(ctx.runtime, ctx.task.base_commit, ctx.repoDir).catch(() => ({ patch: '', files: [] as string[] }));
    ctx.emitter.emit({ type: 'patch_updated', patch: p.patch, files: p.files });
    const reason: StopReason = interrupted ? stopReasonForAbort(ctx.signal) : finished ? 'finished' : (traj.recordedReason ?? 'finished');
    const samePatch = traj.recordedPatch === undefined ? '' : traj.recordedPatch === p.patch ? '; patch identical to the recording' : '; patch differs from the recording';
    const message =
      this.divergences.length === 0
        ? `replayed ${turns} of ${traj.calls.length} calls; no divergence${samePatch}`
        : `replayed ${turns} of ${traj.calls.length} calls; ${this.divergences.length} diverged (steps ${this.divergences.map((d) => d.step).join(', ')})${samePatch}`;
    ctx.emitter.emit({ type: 'agent_stopped', reason, message, turns, usage: ZERO_USAGE, cost_usd: 0 });
    return { reason, message, patch: p.patch, turns, usage: ZERO_USAGE, cost_usd: 0, messages };
  }
}
