import type { Progress } from '../util/progress.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import { runPipelineRollout } from '../rollout/pipeline.js';
import { resolveInstanceImage } from '../rollout/environment.js';
import type { RolloutSettings } from '../rollout/settings.js';
import type { RolloutRunner } from './scheduler.js';
import type { ImageOps } from './images.js';
import type { SandboxProvider } from '../runtime/sandbox.js';

export interface DefaultRunnerOptions {
  settings: RolloutSettings;
  specs: SpecRegistry;
  /** Where verification logs go (per rollout folder below it). */
  logDir?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The production runner: the rollout pipeline on the worker's engine with the image its prefetcher prepared, the
 * (instance, sample) pair's temperature and seed, and the LLM client's fetch through the per-endpoint limiter.
 */
export function makeDefaultRunner(o: DefaultRunnerOptions): RolloutRunner {
  return async (ctx) => {
    if (!ctx.image) throw new Error(`no image prepared for ${ctx.task.instance_id}`);
    const out = await runPipelineRollout({
      task: ctx.task,
      settings: o.settings,
      specs: o.specs,
      provider: ctx.engine.provider,
      image: ctx.image,
      emitter: ctx.emitter,
      signal: ctx.signal,
      labels: ctx.labels,
      sample: ctx.sample,
      temperature: ctx.temperature,
      seed: ctx.seed,
      fetchFor: (baseURL) => ctx.limiter.wrapFetch(baseURL),
      env: o.env,
      logDir: o.logDir ? `${o.logDir}/${ctx.rolloutId}` : undefined,
    });
    return { status: out.status, error: out.error };
  };
}

/** Image operations on one engine, through its sandbox provider: the pipeline's image resolution (local, pulled or built). */
export function makeImageOps(opts: { specs: SpecRegistry; settings: RolloutSettings; provider: SandboxProvider; onLog?: (line: string) => void; progress?: Progress }): ImageOps {
  const { provider } = opts;
  return {
    async ensure(task: TaskRecord) {
      const got = await resolveInstanceImage(task, opts.specs, opts.settings, { provider, onLog: opts.onLog, progress: opts.progress });
      const digest = (await provider.imageFacts(got.image))?.id;
      return { image: got.image, source: got.source, digest, ...(got.partial ? { partial: true } : {}) };
    },
    async size(image: string) {
      return (await provider.imageFacts(image))?.size ?? 0;
    },
    async remove(image: string) {
      await provider.removeImage(image);
    },
  };
}
