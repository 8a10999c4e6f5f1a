import type { TaskRecord } from '../dataset/schema.js';
import type { ProfileName } from '../harness/types.js';
import type { Agent } from '../agent/types.js';
import { GoldAgent } from '../agent/gold-agent.js';
import { LlmAgent } from '../agent/llm/agent.js';
import type { LlmAgentConfigInput } from '../agent/llm/config.js';
import { runRollout } from '../rollout/run-rollout.js';
import { verifyPatch } from '../harness/verify.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import { defaultProfileFor } from '../harness/profiles.js';
import type { RolloutRunner } from './scheduler.js';
import type { ImageOps } from './images.js';
import type Dockerode from 'dockerode';
import { ensureInstanceImage } from '../runtime/images.js';
import { sampleRepoSource } from '../dataset/samples.js';
import { imageHandle } from '../runtime/docker-ref.js';

export interface DefaultRunnerOptions {
  agent: 'gold' | 'llm';
  llm?: LlmAgentConfigInput;
  specs: SpecRegistry;
  profile?: ProfileName;
  offline?: boolean;
  rolloutTimeoutSec?: number;
  verifyTimeoutSec?: number;
  /** Where verification logs go (per rollout folder below it). */
  logDir?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The production runner: one rollout = runRollout (environment up, agent, patch, environment down) with the
 * harness's verifyPatch in a fresh container. The temperature and seed of the (instance, sample) pair override the
 * agent config; the LLM client's fetch goes through the scheduler's per-endpoint limiter.
 */
export function makeDefaultRunner(o: DefaultRunnerOptions): RolloutRunner {
  return async (ctx) => {
    const task = ctx.task;
    let agent: Agent;
    if (o.agent === 'gold') agent = new GoldAgent();
    else {
      if (!o.llm) throw new Error('the llm agent needs a configuration (--model / --base-url / --config)');
      const cfg: LlmAgentConfigInput = { ...o.llm, ...(ctx.temperature !== undefined ? { temperature: ctx.temperature } : {}), seed: ctx.seed };
      const baseURL = cfg.baseURL ?? 'https://api.openai.com/v1';
      agent = new LlmAgent(cfg, { fetch: ctx.limiter.wrapFetch(baseURL), env: o.env });
    }
    if (!ctx.image) throw new Error(`no image prepared for ${task.instance_id}`);
    const image = ctx.image.image;
    const profile = o.profile ?? defaultProfileFor(task);
    const spec = o.specs.lookup(task.repo, String(task.version));
    const out = await runRollout({
      task,
      agent,
      provider: ctx.engine.provider,
      image,
      emitter: ctx.emitter,
      sample: ctx.sample,
      temperature: ctx.temperature,
      signal: ctx.signal,
      labels: ctx.labels,
      rolloutTimeoutSec: o.rolloutTimeoutSec,
      verifyProfile: profile,
      verify: (patch) =>
        verifyPatch({
          task,
          patch,
          spec,
          profile,
          provider: ctx.engine.provider,
          image,
          signal: ctx.signal,
          labels: ctx.labels,
          timeoutSec: o.verifyTimeoutSec,
          offline: o.offline,
          logDir: o.logDir ? `${o.logDir}/${ctx.rolloutId}` : undefined,
        }),
    });
    return { status: out.status, error: out.error };
  };
}

/** Image operations over the runtime's ensureInstanceImage (local, pulled or built) and the Docker API. */
export function makeImageOps(opts: { specs: SpecRegistry; docker?: Dockerode; offline?: boolean; pull?: boolean; onLog?: (line: string) => void }): ImageOps {
  return {
    async ensure(task: TaskRecord) {
      const spec = opts.specs.lookup(task.repo, String(task.version));
      const got = await ensureInstanceImage(task, spec, { docker: opts.docker, offline: opts.offline, pull: opts.pull, repoSource: sampleRepoSource(task.repo), onLog: opts.onLog });
      const digest = opts.docker ? await imageHandle(opts.docker, got.image).inspect().then((i) => i.Id, () => undefined) : undefined;
      return { image: got.image, digest };
    },
    async size(image: string) {
      if (!opts.docker) return 0;
      return imageHandle(opts.docker, image).inspect().then((i) => i.Size ?? 0, () => 0);
    },
    async remove(image: string) {
      if (!opts.docker) return;
      await imageHandle(opts.docker, image).remove();
    },
  };
}
