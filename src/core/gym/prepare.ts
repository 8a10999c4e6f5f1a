import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { Runtime, RuntimeProvider } from '../runtime/types.js';
import { stripHistory } from '../runtime/strip-history.js';
import { ensureInstanceImage } from '../runtime/images.js';
import { sampleRepoSource } from '../dataset/samples.js';
import { REPO_DIR, prepareWorkspace } from '../rollout/workspace.js';

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
  const runtime = await provider.start({
    image: img.image,
    workdir: REPO_DIR,
    memoryBytes: opts.memoryBytes,
    labels: { [GYM_ROLE_LABEL]: 'gym', 'io.swegym.instance': task.instance_id, ...(opts.labels ?? {}) },
  });
  try {
    if (img.source === 'pulled') await stripHistory(runtime, task.base_commit, REPO_DIR);
    const workspaceDir = await prepareWorkspace(runtime, task, REPO_DIR);
    return { task, runtime, image: img.image, workspaceDir, repoDir: REPO_DIR, readyAt: Date.now(), prepareMs: Date.now() - t0 };
  } catch (e) {
    await runtime.stop().catch(() => undefined);
    throw e;
  }
}

/**
 * The instance image through the runtime's ensureInstanceImage (local, pulled or built), as `run` obtains it;
 * results are cached per instance (a failure is not cached). No pulls unless asked: containers run offline anyway.
 */
export function defaultImageResolver(
  specFor: (task: TaskRecord) => EnvSpec,
  opts: { offline?: boolean; pull?: boolean; docker?: Dockerode; onLog?: (line: string) => void } = {},
): ImageResolver {
  return cachedResolver((task) =>
    ensureInstanceImage(task, specFor(task), {
      offline: opts.offline ?? true,
      pull: opts.pull ?? false,
      repoSource: sampleRepoSource(task.repo),
      docker: opts.docker,
      onLog: opts.onLog,
    }),
  );
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
