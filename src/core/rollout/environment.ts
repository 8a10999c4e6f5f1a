import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import { sampleRepoSource } from '../dataset/samples.js';
import { defaultProfileFor } from '../harness/profiles.js';
import { ensureInstanceImage, type ImageOptions, type ImageSource } from '../runtime/images.js';
import type { ImageNaming } from '../runtime/image-names.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import type { RolloutSettings } from './settings.js';
import type { Progress } from '../util/progress.js';

/** Official image names by dataset, like the profile: SWE-bench records look for SWE-bench's, the rest for SWE-Gym's. */
export function namingFor(task: TaskRecord): ImageNaming {
  return defaultProfileFor(task) === 'swebench' ? 'swebench' : 'swegym';
}

/** Where image work is reported: raw lines (old callers) and progress jobs (build steps, n of m, log files). */
export interface ImageExtras {
  docker?: Dockerode;
  onLog?: (line: string) => void;
  progress?: Progress;
}

export interface ResolvedInstanceImage {
  image: string;
  source: ImageSource;
  /** Built without install steps it needed (--allow-partial-env): verdicts on it are marked env_partial. */
  partial?: boolean;
}

/**
 * How every caller finds an instance image: a local image (the record's image_name, --image-template, the official
 * names), else a registry pull unless offline or --no-pull, else an offline build from --repo-source or the bundled
 * samples. The one place these options turn into ensureInstanceImage's.
 */
export function imageOptionsFor(task: TaskRecord, settings: RolloutSettings, extra: ImageExtras = {}): ImageOptions {
  return {
    offline: settings.offline,
    pull: settings.pull_images ?? !settings.offline,
    template: settings.image_template,
    naming: settings.image_naming ?? namingFor(task),
    repoSource: settings.repo_source ?? sampleRepoSource(task.repo),
    ...(settings.rebuild_images ? { rebuild: true } : {}),
    ...(settings.allow_partial_env ? { allowPartialEnv: true } : {}),
    ...(extra.docker ? { docker: extra.docker } : {}),
    ...(extra.onLog ? { onLog: extra.onLog } : {}),
    ...(extra.progress ? { progress: extra.progress } : {}),
  };
}

export function resolveInstanceImage(
  task: TaskRecord,
  specs: SpecRegistry,
  settings: RolloutSettings,
  extra: ImageExtras = {},
): Promise<ResolvedInstanceImage> {
  return ensureInstanceImage(task, specs.lookup(task.repo, String(task.version)), imageOptionsFor(task, settings, extra));
}
