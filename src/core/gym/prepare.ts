import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { Runtime, RuntimeProvider } from '../runtime/types.js';
import type { SandboxProvider } from '../runtime/sandbox.js';
import { ensureInstanceImage } from '../runtime/images.js';
import { startEnvironment } from '../rollout/workspace.js';
import { imageOptionsFor } from '../rollout/environment.js';

export type ImageSource = 'local' | 'pulled' | 'built';
export interface ResolvedImage {
  image: string;
  source?: ImageSource;
}
export type ImageResolver = (task: TaskRecord) => Promise<ResolvedImage>;

/** An environment ready for an agent: container up, future history stripped, workspace link and git identity set. */
export interface PreparedEnv {
  task: TaskRecord;
  runtime: Runtime;
  image: string;
  workspaceDir: string;
  repoDir: string;
  /** When it became ready (ms since epoch) and how long that took. */
  readyAt: number;
  prepareMs: number;
}

export const GYM_ROLE_LABEL = 'io.swegym.role';

/**
 * Brings one environment up exactly as runRollout does before its agent starts (same image, same path, same
 * workspace preparation), so an episode sees what an agent rollout sees. The container is removed on failure.
 */
export async function prepareEnvironment(
  provider: RuntimeProvider,
  task: TaskRecord,
  img: ResolvedImage,
  opts: { labels?: Record<string, string>; memoryBytes?: number } = {},
): Promise<PreparedEnv> {
  const t0 = Date.now();
  const { runtime, workspaceDir, repoDir } = await startEnvironment(provider, task, img, {
    memoryBytes: opts.memoryBytes,
    labels: { [GYM_ROLE_LABEL]: 'gym', ...(opts.labels ?? {}) },
  });
  return { task, runtime, image: img.image, workspaceDir, repoDir, readyAt: Date.now(), prepareMs: Date.now() - t0 };
}

/**
 * The instance image through the runtime's ensureInstanceImage (local, pulled or built), as `run` obtains it;
 * results are cached per instance (a failure is not cached). No pulls unless asked: containers run offline anyway.
 */
export function defaultImageResolver(
  specFor: (task: TaskRecord) => EnvSpec,
  opts: { offline?: boolean; pull?: boolean; provider?: Pick<SandboxProvider, 'prepareImage'>; onLog?: (line: string) => void } = {},
): ImageResolver {
  // The rollout pipeline's image options; the gym's defaults: offline, no pulls.
  const settings = { agent: 'external', offline: opts.offline ?? true, pull_images: opts.pull ?? false };
  return cachedResolver((task) => {
    const imageOpts = imageOptionsFor(task, settings, { onLog: opts.onLog });
    return opts.provider ? opts.provider.prepareImage(task, specFor(task), imageOpts) : ensureInstanceImage(task, specFor(task), imageOpts);
  });
}

/** One resolution per instance at a time; successful results are kept. */
export function cachedResolver(resolve: ImageResolver): ImageResolver {
  const cache = new Map<string, Promise<ResolvedImage>>();
  return (task) => {
    let p = cache.get(task.instance_id);
    if (!p) {
      p = resolve(task);
      cache.set(task.instance_id, p);
      p.catch(() => cache.delete(task.instance_id));
    }
    return p;
  };
}
