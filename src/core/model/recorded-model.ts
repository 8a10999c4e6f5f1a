/**
 * A `ChatModel` that answers with a recorded rollout's turns, so a recording replays through the same agent loop
 * (tools, observations, patches, events) as a live model. Before each answer it compares the results the agent got
 * for the previous turn's calls with the recorded observations and reports every difference (`onLog`, and
 * `divergences`). When the recording has no more turns it ends the run with the recorded stop reason.
 */
import type { ChatMessage } from '../events.js';
import { ModelCallError, ModelStop, type CallHooks, type ChatModel, type ChatReply, type ChatRequest, type PromptReply } from './chat-model.js';
import { loadTrajectory, normalizeObservation, type LoadedTrajectory, type RecordedCall } from './recording.js';

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

function firstDifference(a: string, b: string): { line: number; a: string; b: string } {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return { line: i + 1, a: al[i] ?? '<end>', b: bl[i] ?? '<end>' };
  }
  return { line: 0, a: '', b: '' };
}

/** The arguments as the model sent them: a call the recording could not parse keeps its raw text. */
function argumentsOf(c: RecordedCall): string {
  return typeof c.args._raw === 'string' && Object.keys(c.args).length === 1 ? c.args._raw : JSON.stringify(c.args);
}

export class RecordedModel implements ChatModel {
  readonly info = { model: 'recorded' };
  readonly divergences: Divergence[] = [];
  private loaded?: LoadedTrajectory;
  private next = 0;
  /** Calls handed to the agent whose results have not been compared yet. */
  private pending: RecordedCall[] = [];
  private replayed = 0;

  constructor(private readonly source: string | LoadedTrajectory) {}

  /** Reads (once) and returns the recording; a bad file is an error naming its line. */
  async trajectory(): Promise<LoadedTrajectory> {
    this.loaded ??= typeof this.source === 'string' ? await loadTrajectory(this.source) : this.source;
    return this.loaded;
  }

  async complete(_req: ChatRequest, hooks: CallHooks = {}): Promise<ChatReply> {
    const traj = await this.trajectory();
    this.compare(_req.messages, hooks);
    const turn = traj.turns[this.next];
    if (!turn) throw new ModelStop(traj.recordedReason ?? 'finished', `the recording has no more turns (it stopped: ${traj.recordedReason ?? 'unknown'})`);
    this.next += 1;
    this.pending.push(...turn.calls);
    return {
      content: turn.content,
      toolCalls: turn.calls.map((c) => ({ id: c.callId, name: c.tool, arguments: argumentsOf(c) })),
      finishReason: turn.calls.length > 0 ? 'tool_calls' : 'stop',
      // Nothing was spent: zero, and not an estimate.
      usage: { prompt_tokens: 0, completion_tokens: 0 },
      latencyMs: 0,
    };
  }

  stream(req: ChatRequest, hooks: CallHooks = {}): Promise<ChatReply> {
    return this.complete(req, hooks);
  }

  completePrompt(): Promise<PromptReply> {
    return Promise.reject(new ModelCallError('a recorded model has no prompt completions'));
  }

  endRun(run: { messages: ChatMessage[]; patch: string }, hooks: CallHooks = {}): { message: string } {
    this.compare(run.messages, hooks);
    const total = this.loaded?.calls.length ?? 0;
    const recordedPatch = this.loaded?.recordedPatch;
    const samePatch = recordedPatch === undefined ? '' : recordedPatch === run.patch ? '; patch identical to the recording' : '; patch differs from the recording';
    const d = this.divergences;
    const message =
      d.length === 0
        ? `replayed ${this.replayed} of ${total} calls; no divergence${samePatch}`
        : `replayed ${this.replayed} of ${total} calls; ${d.length} diverged (steps ${d.map((x) => x.step).join(', ')})${samePatch}`;
    return { message };
  }

  /** Compares the results the agent now has for handed-out calls with the recorded observations. */
  private compare(messages: ChatMessage[], hooks: CallHooks) {
    if (this.pending.length === 0) return;
    const results = new Map<string, string>();
    for (const m of messages) if (m.role === 'tool' && m.tool_call_id) results.set(m.tool_call_id, typeof m.content === 'string' ? m.content : '');
    const still: RecordedCall[] = [];
    for (const c of this.pending) {
      const got = results.get(c.callId);
      if (got === undefined) {
        still.push(c);
        continue;
      }
      this.replayed += 1;
      if (c.observation === undefined || normalizeObservation(c.observation) === normalizeObservation(got)) continue;
      const f = firstDifference(c.observation, got);
      this.divergences.push({ step: c.step, tool: c.tool, recorded: c.observation, replayed: got, line: f.line, recordedLine: f.a, replayedLine: f.b });
      hooks.onLog?.('warn', `replay diverged at step ${c.step} (${c.tool}), line ${f.line}: recorded ${JSON.stringify(f.a)}, now ${JSON.stringify(f.b)}`);
    }
    this.pending = still;
  }
}
