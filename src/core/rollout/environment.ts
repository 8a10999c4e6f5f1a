import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import { sampleRepoSource } from '../dataset/samples.js';
import { defaultProfileFor } from '../harness/profiles.js';
import { ensureInstanceImage, type ImageOptions, type ImageSource } from '../runtime/images.js';
import { offlinePreflight } from '../runtime/offline-gaps.js';
import { pullPolicy } from '../runtime/pull.js';
import type { ImageNaming } from '../runtime/image-names.js';
import type { SandboxProvider } from '../runtime/sandbox.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import type { RolloutSettings } from './settings.js';
import type { Progress } from '../util/progress.js';

/** Official image names by dataset, like the profile: SWE-bench records look for SWE-bench's, the rest for SWE-Gym's. */
export function namingFor(task: TaskRecord): ImageNaming {
  return defaultProfileFor(task) === 'swebench' ? 'swebench' : 'swegym';
}

/** Where image work is reported: raw lines (old callers) and progress jobs (build steps, n of m, log files). */
export interface ImageExtras {
  /** The engine the image is prepared on (default: the local Docker engine). */
  provider?: Pick<SandboxProvider, 'prepareImage'>;
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
export function imageOptionsFor(task: TaskRecord, settings: RolloutSettings, extra: Omit<ImageExtras, 'provider'> = {}): ImageOptions {
  return {
    offline: settings.offline,
    pull: settings.pull_images ?? !settings.offline,
    template: settings.image_template,
    naming: settings.image_naming ?? namingFor(task),
    repoSource: settings.repo_source ?? sampleRepoSource(task.repo),
    ...(settings.rebuild_images ? { rebuild: true } : {}),
    ...(settings.allow_partial_env ? { allowPartialEnv: true } : {}),
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
  const spec = specs.lookup(task.repo, String(task.version));
  const opts = imageOptionsFor(task, settings, extra);
  return extra.provider ? extra.provider.prepareImage(task, spec, opts) : ensureInstanceImage(task, spec, opts);
}

/**
 * Exit-2 text before anything runs when an offline build could not complete some task's environment (its spec's
 * install steps need the network, no usable image is on any engine, and no pull works); undefined when every task can
 * go ahead. The same check for run, verify, batch, resume and the workbench, with the options the run would use.
 */
export function environmentPreflight(
  tasks: TaskRecord[],
  specs: Pick<SpecRegistry, 'lookup'>,
  settings: RolloutSettings,
  dockers: Dockerode | Dockerode[],
  say?: (line: string) => void,
): Promise<string | undefined> {
  return offlinePreflight(tasks, (t) => specs.lookup(t.repo, String(t.version)), {
    offline: settings.offline ?? true,
    allowPartialEnv: settings.allow_partial_env,
    template: settings.image_template,
    naming: (t) => settings.image_naming ?? namingFor(t),
    docker: dockers,
    pull: (t, spec) => pullPolicy(t, spec, imageOptionsFor(t, settings)).pull,
    ...(settings.rebuild_images ? { rebuild: true } : {}),
    ...(say ? { say } : {}),
  });
}
