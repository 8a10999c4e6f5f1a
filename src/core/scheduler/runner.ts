import type { Progress } from '../util/progress.js';
import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import { runPipelineRollout } from '../rollout/pipeline.js';
import { resolveInstanceImage } from '../rollout/environment.js';
import type { RolloutSettings } from '../rollout/settings.js';
import type { RolloutRunner } from './scheduler.js';
import type { ImageOps } from './images.js';
import { imageHandle } from '../runtime/docker-ref.js';

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

/** Image operations on one engine: the pipeline's image resolution (local, pulled or built) and the Docker API. */
export function makeImageOps(opts: { specs: SpecRegistry; settings: RolloutSettings; docker?: Dockerode; onLog?: (line: string) => void; progress?: Progress }): ImageOps {
  return {
    async ensure(task: TaskRecord) {
      const got = await resolveInstanceImage(task, opts.specs, opts.settings, { docker: opts.docker, onLog: opts.onLog, progress: opts.progress });
      const digest = opts.docker ? await imageHandle(opts.docker, got.image).inspect().then((i) => i.Id, () => undefined) : undefined;
      return { image: got.image, source: got.source, digest, ...(got.partial ? { partial: true } : {}) };
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
