import { randomBytes } from 'node:crypto';
import type { RolloutEmitter, StopReason } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { Tool } from '../agent/tool-types.js';
import type { Verdict } from '../harness/types.js';
import { defaultTools } from '../agent/tools/index.js';
import { toOpenAiTools } from '../agent/llm/tool-spec.js';
import { mayChangeFiles, runToolCall, ToolExecutionError, type ToolCallOutcome } from '../agent/tools/run-tool.js';
import { buildFirstUserMessage } from '../agent/prompts.js';
import { extractPatch } from '../agent/patch.js';
import { shellQuote } from '../util/shell-quote.js';
import { defaultProfileFor } from '../harness/profiles.js';
import { verifyPatch } from '../harness/verify.js';
import { GymError, type ResetRequest, type ResetResponse, type RewardMode, RewardGuard, type StepResponse } from './protocol.js';
import { parseAction } from './action.js';
import { coldPrepare, type GymContext } from './context.js';
import type { PreparedEnv } from './prepare.js';

const ZERO_USAGE = { prompt_tokens: 0, completion_tokens: 0, estimated: false };

export type EnvState = 'new' | 'running' | 'verifying' | 'done' | 'closed';

export interface StepOptions {
  /** Live output of a long command, as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Aborting interrupts the running command (the client went away). */
  signal?: AbortSignal;
}

interface Episode {
  task: TaskRecord;
  env: PreparedEnv;
  emitter: RolloutEmitter;
  rolloutId: string;
  tools: Tool[];
  step: number;
  startedAt: number;
  maxSteps: number;
  timeLimitSec: number;
  reward: RewardMode;
  lastPatch: string;
  lastFingerprint?: string;
  runtimeStopped: boolean;
  final?: StepResponse;
}

/**
 * A SWE-Gym environment with the Gym interface. `reset` brings up an instance (from the warm pool when it has one)
 * and returns the first user message an agent sees; `step` runs one tool call with the agent's own tools and
 * observation cap; `finish`, the step limit or the time limit end the episode, and the harness verifies the patch
 * in a fresh container: the verdict is the reward. Every episode is a recorded rollout.
 */
export class SweGymEnv {
  readonly id: string;
  private ep?: Episode;
  private _state: EnvState = 'new';
  private busy = false;
  /** The request running now (closing waits for it, so nothing is left behind). */
  private pending?: Promise<unknown>;
  private readonly abort = new AbortController();

  constructor(
    private readonly ctx: GymContext,
    opts: { id?: string } = {},
  ) {
    this.id = opts.id ?? `env-${randomBytes(6).toString('hex')}`;
  }

  get state(): EnvState {
    return this._state;
  }

  get instanceId(): string | undefined {
    return this.ep?.task.instance_id;
  }

  get rolloutId(): string | undefined {
    return this.ep?.rolloutId;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  reset(req: ResetRequest, opts: { signal?: AbortSignal } = {}): Promise<ResetResponse> {
    const p = this.doReset(req, opts);
    this.pending = p.catch(() => undefined);
    return p;
  }

  private async doReset(req: ResetRequest, opts: { signal?: AbortSignal }): Promise<ResetResponse> {
    this.assertOpen();
    const task = this.ctx.tasks.get(req.instance_id);
    if (!task) throw new GymError(404, 'unknown_instance', `unknown instance_id '${req.instance_id}' (the server's dataset has ${this.ctx.tasks.size} instance(s))`);
    if (this.busy) throw new GymError(409, 'busy', `environment ${this.id} is busy with another request`);
    this.busy = true;
    try {
      if (this.ep) await this.abandon('a new episode was started');
      const t0 = performance.now();
      const d = this.ctx.defaults;
      const handle = this.ctx.recorder.startEpisode(task.instance_id);
      const { emitter } = handle;
      emitter.emit({
        type: 'rollout_started',
        instance_id: task.instance_id,
        sample: handle.sample,
        agent: { kind: 'external', config: { gym: true, env_id: this.id } },
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        attempt: 0,
      });
      let env = this.ctx.pool?.take(task);
      const warm = env !== undefined;
      if (!env) {
        const img = await this.ctx.images(task).catch((e: unknown) => {
          this.endUnstarted(emitter, 'no_image', `no image for ${task.instance_id}: ${errText(e)}`, t0);
          throw new GymError(500, 'internal', `no image for ${task.instance_id}: ${errText(e)}`);
        });
        emitter.emit({ type: 'env_starting', image: img.image });
        try {
          env = await coldPrepare(this.ctx, task);
        } catch (e) {
          this.endUnstarted(emitter, 'infra_error', `environment: ${errText(e)}`, t0);
          throw new GymError(500, 'internal', `environment for ${task.instance_id} failed to start: ${errText(e)}`);
        }
      } else {
        emitter.emit({ type: 'env_starting', image: env.image });
      }
      if (opts.signal?.aborted) {
        await env.runtime.stop().catch(() => undefined);
        this.endUnstarted(emitter, 'interrupted', 'the client went away during reset', t0);
        throw new GymError(499 as number, 'bad_request', 'reset aborted: the client went away');
      }
      emitter.emit({ type: 'env_ready', image: env.image, container_id: env.runtime.id, duration_ms: Math.round(performance.now() - t0), repo_dir: env.repoDir });
      this.ctx.recorder.noteImage(task.instance_id, env.image);
      const tools = defaultTools({ bashTimeoutSec: d.bashTimeoutSec });
      this.ep = {
        task,
        env,
        emitter,
        rolloutId: handle.rolloutId,
        tools,
        step: 0,
        startedAt: Date.now(),
        maxSteps: req.max_steps ?? d.maxSteps,
        timeLimitSec: req.time_limit_sec ?? d.timeLimitSec,
        reward: req.reward ?? d.reward,
        lastPatch: '',
        runtimeStopped: false,
      };
      this._state = 'running';
      const observation = buildFirstUserMessage(this.ctx.prompts, task, { workspaceDir: env.workspaceDir });
      return {
        env_id: this.id,
        observation,
        info: {
          env_id: this.id,
          rollout_id: handle.rolloutId,
          ...(this.ctx.recorder.name ? { session: this.ctx.recorder.name } : {}),
          instance_id: task.instance_id,
          repo: task.repo,
          version: String(task.version),
          base_commit: task.base_commit,
          repo_dir: env.repoDir,
          workspace_dir: env.workspaceDir,
          image: env.image,
          warm,
          reset_ms: Math.round((performance.now() - t0) * 100) / 100,
          max_steps: this.ep.maxSteps,
          time_limit_sec: this.ep.timeLimitSec,
          reward_mode: this.ep.reward,
          FAIL_TO_PASS: task.FAIL_TO_PASS,
          PASS_TO_PASS: task.PASS_TO_PASS,
          tools: toOpenAiTools(tools).map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters as Record<string, unknown> })),
        },
      };
    } finally {
      this.busy = false;
    }
  }

  step(action: unknown, opts: StepOptions = {}): Promise<StepResponse> {
    const p = this.doStep(action, opts);
    this.pending = p.catch(() => undefined);
    return p;
  }

  private async doStep(action: unknown, opts: StepOptions): Promise<StepResponse> {
    this.assertOpen();
    const ep = this.ep;
    if (!ep) throw new GymError(409, 'not_reset', `environment ${this.id} has no episode: reset it first`);
    if (this._state === 'done' || this._state === 'verifying') {
      throw new GymError(409, 'episode_done', `the episode of ${this.id} has ended (${ep.final ? `reward ${ep.final.reward}` : 'verifying'}); reset for a new one`);
    }
    if (this.busy) throw new GymError(409, 'busy', `environment ${this.id} is already running a step`);
    // Validated before anything is recorded or run: a bad action leaves the episode as it was.
    const act = parseAction(action, ep.tools);
    this.busy = true;
    try {
      if (this.elapsedSec(ep) >= ep.timeLimitSec) return await this.end(ep, 'wall_clock', `time limit of ${ep.timeLimitSec}s reached before this step`, '');
      const signal = opts.signal ? AbortSignal.any([this.abort.signal, opts.signal]) : this.abort.signal;
      const step = ++ep.step;
      const callId = `gym_${String(step).padStart(2, '0')}`;
      // The agents' own executor, cap and rendering: the client sees exactly what an agent would for this call.
      let r: ToolCallOutcome;
      try {
        r = await runToolCall({
          tools: ep.tools,
          name: act.name,
          args: act.args,
          callId,
          step,
          runtime: ep.env.runtime,
          repoDir: ep.env.repoDir,
          emitter: ep.emitter,
          signal,
          observationMaxChars: this.ctx.defaults.observationMaxChars,
          onOutput: opts.onOutput,
          onToolError: 'throw',
        });
      } catch (e) {
        const msg = e instanceof ToolExecutionError ? e.message : `tool ${act.name} failed: ${errText(e)}`;
        if (signal.aborted) {
          await this.abandon('the client went away during a step');
          throw new GymError(499 as number, 'bad_request', 'step aborted: the client went away');
        }
        await this.abandon(msg, 'infra_error');
        throw new GymError(500, 'internal', `${msg} (the episode ended as an infrastructure error)`);
      }
      const text = r.observation;
      const result = r;
      const truncated = r.truncated ?? false;
      const duration = r.durationMs;
      if (mayChangeFiles(act.name, act.args, result)) await this.updatePatch(ep, false);
      if (result.finish) return await this.end(ep, 'finished', 'the agent called finish', text);
      if (ep.step >= ep.maxSteps) return await this.end(ep, 'max_turns', `reached the limit of ${ep.maxSteps} steps`, text);
      if (this.elapsedSec(ep) >= ep.timeLimitSec) return await this.end(ep, 'wall_clock', `time limit of ${ep.timeLimitSec}s reached`, text);
      return {
        observation: text,
        reward: 0,
        terminated: false,
        truncated: false,
        info: {
          env_id: this.id,
          rollout_id: ep.rolloutId,
          instance_id: ep.task.instance_id,
          step,
          tool: act.name,
          ...(result.exitCode !== undefined ? { exit_code: result.exitCode } : {}),
          is_error: result.isError,
          timed_out: result.timedOut ?? false,
          observation_truncated: truncated,
          duration_ms: duration,
        },
      };
    } finally {
      this.busy = false;
    }
  }

  /** Ends the episode (unverified if it was running) and removes the environment. Idempotent. */
  async close(): Promise<void> {
    if (this._state === 'closed') return;
    this.abort.abort(new Error('environment closed'));
    await this.pending;
    if (this.ep) await this.abandon('the environment was closed');
    this._state = 'closed';
  }

  private assertOpen() {
    if (this._state === 'closed') throw new GymError(404, 'unknown_env', `environment ${this.id} is closed`);
  }

  private elapsedSec(ep: Episode): number {
    return (Date.now() - ep.startedAt) / 1000;
  }

  private async updatePatch(ep: Episode, final: boolean): Promise<string> {
    try {
      if (!final) {
        // A checksum of the diff through the shell session (about a millisecond) tells whether anything changed;
        // only then is the exact patch taken with Runtime.diff (a separate exec, tens of milliseconds).
        const fp = await ep.env.runtime.exec(
          `git add -A >/dev/null 2>&1 && git diff --cached --no-color --no-ext-diff ${shellQuote(ep.task.base_commit)} | cksum`,
          { cwd: ep.env.repoDir, timeoutSec: 60 },
        );
        const sum = fp.exitCode === 0 ? fp.output.trim() : undefined;
        if (sum !== undefined && sum === ep.lastFingerprint) return ep.lastPatch;
        ep.lastFingerprint = sum;
      }
      const { patch, files } = await extractPatch(ep.env.runtime, ep.task.base_commit, ep.env.repoDir);
      if (final || patch !== ep.lastPatch) {
        ep.lastPatch = patch;
        ep.emitter.emit({ type: 'patch_updated', patch, files });
      }
      return patch;
    } catch (e) {
      ep.emitter.emit({ type: 'log', level: 'warn', message: `could not compute the patch: ${errText(e)}` });
      return ep.lastPatch;
    }
  }

  /** The end of an episode: final patch, environment down, verification in a fresh container, reward. */
  private async end(ep: Episode, reason: StopReason, message: string, observation: string): Promise<StepResponse> {
    this._state = 'verifying';
    const patch = await this.updatePatch(ep, true);
    ep.emitter.emit({ type: 'agent_stopped', reason, message, turns: ep.step, usage: ZERO_USAGE, cost_usd: 0 });
    await this.stopRuntime(ep);
    const task = ep.task;
    const profile = this.ctx.profile ?? defaultProfileFor(task);
    ep.emitter.emit({ type: 'verification_started', profile });
    let verdict: Verdict | undefined;
    let error: string | undefined;
    try {
      const labels = { ...(this.ctx.labels ?? {}), 'io.swegym.gym_env': this.id };
      const logDir = this.ctx.verifyLogRoot ? `${this.ctx.verifyLogRoot}/${ep.rolloutId}` : undefined;
      const signal = this.abort.signal;
      verdict = this.ctx.verify
        ? await this.ctx.verify({ task, patch, image: ep.env.image, profile, signal, labels, ...(logDir ? { logDir } : {}) })
        : await verifyPatch({ task, patch, spec: this.ctx.specFor(task), profile, provider: this.ctx.provider, image: ep.env.image, offline: true, labels, signal, ...(logDir ? { logDir } : {}) });
      ep.emitter.emit({ type: 'verification_verdict', verdict });
      ep.emitter.emit({ type: 'rollout_ended', status: 'completed', duration_ms: Date.now() - ep.startedAt });
    } catch (e) {
      error = `verification: ${errText(e)}`;
      ep.emitter.emit({ type: 'rollout_ended', status: this.abort.signal.aborted ? 'interrupted' : 'infra_error', error, duration_ms: Date.now() - ep.startedAt });
    }
    const final: StepResponse = {
      observation,
      reward: verdict ? guardedReward(verdict, ep.reward, this.ctx.defaults.rewardGuard) : 0,
      terminated: reason === 'finished',
      truncated: reason !== 'finished',
      info: {
        env_id: this.id,
        rollout_id: ep.rolloutId,
        instance_id: task.instance_id,
        step: ep.step,
        patch,
        stop_reason: reason,
        ...(error ? { error } : {}),
        ...(verdict
          ? {
              verdict: {
                status: verdict.status,
                resolved: verdict.resolved,
                ...(verdict.reason ? { reason: verdict.reason } : {}),
                ...(verdict.tests_status ? { tests_status: verdict.tests_status } : {}),
                ...(verdict.test_statuses ? { test_statuses: verdict.test_statuses } : {}),
                ...(verdict.total_ms !== undefined ? { total_ms: verdict.total_ms } : {}),
                ...(verdict.tamper ? { tamper: verdict.tamper } : {}),
              },
              ...(verdict.tamper && this.ctx.defaults.rewardGuard === 'strict' ? { reward_guard: 'strict' as const } : {}),
            }
          : {}),
      },
    };
    ep.final = final;
    if (this._state === 'verifying') this._state = 'done';
    return final;
  }

  /** Ends a running episode without verification (closed, replaced, or the environment failed). */
  private async abandon(message: string, status: 'interrupted' | 'infra_error' = 'interrupted') {
    const ep = this.ep;
    if (!ep) return;
    if (this._state === 'running') {
      const reason: StopReason = status === 'infra_error' ? 'error' : 'interrupted';
      ep.emitter.emit({ type: 'agent_stopped', reason, message, turns: ep.step, usage: ZERO_USAGE, cost_usd: 0 });
      ep.emitter.emit({ type: 'rollout_ended', status, error: message, duration_ms: Date.now() - ep.startedAt });
      this._state = 'done';
    }
    await this.stopRuntime(ep);
  }

  private async stopRuntime(ep: Episode) {
    if (ep.runtimeStopped) return;
    ep.runtimeStopped = true;
    await ep.env.runtime.stop().catch(() => undefined);
  }

  private endUnstarted(emitter: RolloutEmitter, status: 'no_image' | 'infra_error' | 'interrupted', error: string, t0: number) {
    emitter.emit({ type: 'rollout_ended', status, error, duration_ms: Math.round(performance.now() - t0) });
  }
}

/** The reward with the guard applied: under 'strict', a patch that tampered with its own grading earns 0. */
export function guardedReward(v: Verdict, mode: RewardMode, guard: RewardGuard = 'off'): number {
  if (guard === 'strict' && v.tamper) return 0;
  return rewardOf(v, mode);
}

/** 1 when resolved; with 'f2p_fraction', the passing share of FAIL_TO_PASS when no PASS_TO_PASS test broke. */
export function rewardOf(v: Verdict, mode: RewardMode): number {
  if (v.resolved) return 1;
  if (mode !== 'f2p_fraction' || !v.tests_status) return 0;
  const { FAIL_TO_PASS: f2p, PASS_TO_PASS: p2p } = v.tests_status;
  if (p2p.failure.length > 0) return 0;
  const total = f2p.success.length + f2p.failure.length;
  return total === 0 ? 0 : f2p.success.length / total;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
