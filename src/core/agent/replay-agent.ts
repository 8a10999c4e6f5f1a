/**
 * The `replay` agent: a recorded rollout replayed through the LLM agent's own loop, with a `RecordedModel` in place
 * of a live one. Every call runs again against a fresh environment; each observation that differs from the recorded
 * one is reported (a `log` warning each, and the count in the closing message). Stops where the recording stopped.
 */
import { LlmAgent } from './llm/agent.js';
import { loadTrajectory, RecordedModel, type ChatModel, type Divergence, type LoadedTrajectory } from '../model/index.js';
import type { AgentContext, AgentResult } from './types.js';
import type { Tool } from './tool-types.js';

export { loadTrajectory, trajectoryFromEvents, normalizeObservation, type LoadedTrajectory, type RecordedCall } from '../model/index.js';
export type { Divergence } from '../model/index.js';

export class ReplayAgent extends LlmAgent {
  private loaded?: LoadedTrajectory;
  private latest?: RecordedModel;

  constructor(
    private readonly source: string | LoadedTrajectory,
    opts: { tools?: Tool[] } = {},
  ) {
    super(
      // Native calls (the recording's calls are replayed as they ran); every tool a recording may hold, `think`
      // included; no turn limit of its own: the recording's length is the limit.
      { baseURL: 'http://recorded.invalid/v1', model: 'recorded', tool_mode: 'native', think: true, max_turns: 1_000_000 },
      { tools: opts.tools, info: { kind: 'replay', config: typeof source === 'string' ? { trajectory: source } : {} } },
    );
  }

  /** The recording, read and validated once (a bad file is an input error naming its line). */
  async trajectory(): Promise<LoadedTrajectory> {
    this.loaded ??= typeof this.source === 'string' ? await loadTrajectory(this.source) : this.source;
    return this.loaded;
  }

  /** The divergences of the latest run. */
  get divergences(): Divergence[] {
    return this.latest?.divergences ?? [];
  }

  protected override makeModel(): ChatModel {
    this.latest = new RecordedModel(this.loaded ?? this.source);
    return this.latest;
  }

  override async run(ctx: AgentContext): Promise<AgentResult> {
    const traj = await this.trajectory();
    if (traj.instanceId && traj.instanceId !== ctx.task.instance_id) {
      ctx.emitter.emit({ type: 'log', level: 'warn', message: `replaying a trajectory recorded for ${traj.instanceId} on ${ctx.task.instance_id}` });
    }
    return super.run(ctx);
  }
}
