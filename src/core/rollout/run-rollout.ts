import type { RolloutEmitter } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { Verdict } from '../harness/types.js';
import type { Runtime, RuntimeProvider } from '../runtime/types.js';
import type { Agent, AgentResult } from '../agent/types.js';
import { extractPatch } from '../agent/patch.js';
import { WallClockExceeded } from '../agent/abort.js';
import { REPO_DIR, startEnvironment } from './workspace.js';

export interface RunRolloutOptions {
  task: TaskRecord;
  agent: Agent;
  provider: RuntimeProvider;
  image: string;
  /** How the instance image was obtained; a pulled image may carry future history, which is stripped first. */
  imageSource?: 'local' | 'pulled' | 'built';
  emitter: RolloutEmitter;
  sample?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Verification of the final patch (in a fresh container: the agent's own is gone by then). */
  verify?: (patch: string) => Promise<Verdict>;
  /** Profile name announced in `verification_started` (default `swegym`). */
  verifyProfile?: string;
  /** Per-rollout wall-clock limit (OpenHands used 120 min); it interrupts the agent, the patch is still verified. */
  rolloutTimeoutSec?: number;
  labels?: Record<string, string>;
}

export type RolloutOutcomeStatus = 'completed' | 'infra_error' | 'interrupted';

export interface RolloutOutcome {
  result?: AgentResult;
  verdict?: Verdict;
  status: RolloutOutcomeStatus;
  error?: string;
}

/**
 * One rollout, start to end: environment up (rollout_started, env_starting, env_ready), workspace prepared, the agent,
 * environment down (always), then verification of the patch through the injected `verify`, then rollout_ended.
 * Environment failures end the rollout as `infra_error` with the reason, never as an exception.
 */
export async function runRollout(opts: RunRolloutOptions): Promise<RolloutOutcome> {
  const { task, agent, emitter } = opts;
  const t0 = Date.now();
  emitter.emit({
    type: 'rollout_started',
    instance_id: task.instance_id,
    sample: opts.sample ?? 0,
    agent: { kind: agent.info.kind, model: agent.info.model, base_url: agent.info.base_url, config: agent.info.config ?? {} },
    temperature: opts.temperature,
    attempt: 0,
  });
  const ended = (status: RolloutOutcomeStatus, extra: Omit<RolloutOutcome, 'status'> = {}): RolloutOutcome => {
    emitter.emit({ type: 'rollout_ended', status, error: extra.error, duration_ms: Date.now() - t0 });
    return { status, ...extra };
  };

  // The agent's signal: the caller's abort, or the wall-clock limit (distinguished by the abort reason).
  const agentAbort = new AbortController();
  const onOuterAbort = () => agentAbort.abort(opts.signal?.reason ?? new Error('interrupted'));
  if (opts.signal?.aborted) return ended('interrupted', { error: 'interrupted before start' });
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let wallTimer: NodeJS.Timeout | undefined;

  let runtime: Runtime | undefined;
  let result: AgentResult | undefined;
  try {
    emitter.emit({ type: 'env_starting', image: opts.image });
    const tEnv = Date.now();
    let workspaceDir: string;
    try {
      ({ runtime, workspaceDir } = await startEnvironment(opts.provider, task, { image: opts.image, source: opts.imageSource }, {
        labels: { 'io.swegym.role': 'rollout', ...(opts.labels ?? {}) },
      }));
    } catch (e) {
      return ended(opts.signal?.aborted ? 'interrupted' : 'infra_error', { error: `environment: ${errText(e)}` });
    }
    emitter.emit({ type: 'env_ready', image: opts.image, container_id: runtime.id, duration_ms: Date.now() - tEnv, repo_dir: REPO_DIR });

    if (opts.rolloutTimeoutSec && opts.rolloutTimeoutSec > 0) {
      const limit = opts.rolloutTimeoutSec;
      wallTimer = setTimeout(() => agentAbort.abort(new WallClockExceeded(limit)), limit * 1000);
    }
    try {
      result = await agent.run({ runtime, task, emitter, signal: agentAbort.signal, repoDir: REPO_DIR, workspaceDir });
    } catch (e) {
      if (opts.signal?.aborted) return ended('interrupted', { error: errText(e) });
      // An agent that throws (rather than stopping with a reason) hit the environment: keep what it changed.
      const patch = await extractPatch(runtime, task.base_commit, REPO_DIR).then((p) => p.patch, () => undefined);
      return ended('infra_error', { error: `agent: ${errText(e)}${patch ? ' (a partial patch was recorded)' : ''}` });
    } finally {
      if (wallTimer) clearTimeout(wallTimer);
    }
    if (agentAbort.signal.reason instanceof WallClockExceeded && result.reason === 'interrupted') result = { ...result, reason: 'wall_clock' };
    // The patch that gets verified is the container's state. If it cannot be read (the engine stopped answering, the
    // container vanished), the rollout has no result: an infrastructure failure, never an empty patch graded.
    let final: { patch: string; files: string[] };
    try {
      final = await extractPatch(runtime, task.base_commit, REPO_DIR);
    } catch (e) {
      if (opts.signal?.aborted) return ended('interrupted', { result });
      return ended('infra_error', { result, error: `could not read the final patch: ${errText(e)}` });
    }
    if (final.patch !== result.patch) {
      // The agent's last diff failed (its patch is stale): the container's state is the candidate, as SWE-Gym takes it.
      emitter.emit({ type: 'log', level: 'warn', message: "the agent's patch differed from the container's final state; the container's is verified" });
      emitter.emit({ type: 'patch_updated', patch: final.patch, files: final.files });
      result = { ...result, patch: final.patch };
    }
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (runtime) await runtime.stop().catch(() => undefined);
  }

  if (opts.signal?.aborted) return ended('interrupted', { result });

  // The endpoint refused the key or the model: the agent never worked on the task, so there is nothing to grade.
  if (result.reason === 'endpoint_rejected') return ended('infra_error', { result, error: result.message });

  let verdict: Verdict | undefined;
  if (opts.verify) {
    emitter.emit({ type: 'verification_started', profile: opts.verifyProfile ?? 'swegym' });
    try {
      verdict = await opts.verify(result.patch);
    } catch (e) {
      return ended(opts.signal?.aborted ? 'interrupted' : 'infra_error', { result, error: `verification: ${errText(e)}` });
    }
    emitter.emit({ type: 'verification_verdict', verdict });
  }
  return ended('completed', { result, verdict });
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
