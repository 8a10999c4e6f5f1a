import Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import { ImageError } from './image-error.js';
import { instanceImageCandidates, localInstanceImageName, type ImageNaming } from './image-names.js';
import { baseImageTag, ensureBaseImage } from './base-image.js';
import { buildLayer, EngineUnreachableError, imageExists, inspectImage, splitTag, type BuildStep } from './build-container.js';
import { withFileLock } from './file-lock.js';
import { imageHandle } from './docker-ref.js';
import { repoDir } from './repo-source.js';
import { ensureRepoLayer, extraPack, INSTANCE_CHECKOUT_SCRIPT, LIGHT_STRIP_SCRIPT } from './repo-layer.js';
import { installsDebianPackages, needsNetwork, splitCommands } from './network-steps.js';
import { silentProgress, type Progress } from '../util/progress.js';
import { BuildLog, defaultBuildLogDir } from './build-log.js';
import { buildSpec, keyedTag, keyLabels, instanceKey, LABELS, RECIPE_VERSION, shortHash, staleReasons, type KeyInputs } from './image-key.js';
import { canonicalJson } from './spec-registry.js';
import { describeOfflineGaps, offlineGaps } from './offline-gaps.js';
import { pullPolicy, tryPull } from './pull.js';

export { ImageError } from './image-error.js';

export interface ImageOptions {
  /** A git directory, a `.bundle` file, or a folder holding them (`--repo-source DIR`). */
  repoSource?: string;
  /** Try `docker pull` when no local image exists (a failure is tolerated). Default: only when `offline` is false. */
  pull?: boolean;
  /** `--image-template`, e.g. `myreg/{id_s}:latest`. */
  template?: string;
  /** Official naming to look for: SWE-Gym's `xingyaoww/...` (default), SWE-bench's, or 'none' (never published). */
  naming?: ImageNaming;
  docker?: Dockerode;
  /** One-line notices (rebuilding and why, built, offline skips). Build output itself goes to a log file. */
  onLog?: (line: string) => void;
  /** Jobs (pull, base, env layer, instance image) with their steps. Notes go here too when given. */
  progress?: Progress;
  /** No network for builds (default true): install commands that need it are not run; Debian packages excepted. */
  offline?: boolean;
  /** Seconds without pull progress before giving up on a registry (default 20). */
  pullTimeoutSec?: number;
  /** `--rebuild`: build the instance image again even when a matching one exists (base and env layers are kept). */
  rebuild?: boolean;
  /** `--allow-partial-env`: build offline without the install steps that need the network; the image is marked partial. */
  allowPartialEnv?: boolean;
  /** Folder for build logs (default: defaultBuildLogDir()). */
  logDir?: string;
  /** Dataset name recorded on the image (for `swegym images prune --dataset`). */
  dataset?: string;
}

/**
 * Where the image came from. 'local': built by swegym (its history is already stripped). 'pulled': pulled now, or
 * found locally without swegym's build label (an official image pulled earlier): its repository may still hold
 * commits, tags and reflogs beyond base_commit, so a rollout must strip them at start.
 */
export type ImageSource = 'local' | 'pulled' | 'built';

export interface InstanceImage {
  image: string;
  source: ImageSource;
  /** The environment was built without install steps it needed (`--allow-partial-env`): verdicts are env_partial. */
  partial?: boolean;
}

/** An offline build cannot do a spec's install steps (and the user did not accept a partial environment). */
export class OfflineEnvError extends ImageError {
  override name = 'OfflineEnvError';
}

function result(image: string, source: ImageSource, partial: boolean): InstanceImage {
  return partial ? { image, source, partial } : { image, source };
}

/** Read-only view of the spec keys the builder uses (EnvSpec passes through unknown keys). */
function activationLines(spec: EnvSpec): string[] {
  if (spec.activate) return spec.activate;
  return ['if [ -f /opt/miniconda3/bin/activate ]; then set +x; source /opt/miniconda3/bin/activate; conda activate testbed; set -x; fi'];
}

/** `swegym.env:<hash>`: the hash covers the base image (its id when known, else its tag) and env_setup. */
export function envImageTag(spec: EnvSpec, baseRef: string): string {
  return `swegym.env:${shortHash(JSON.stringify({ base: baseRef, env_setup: spec.env_setup ?? [] }))}`;
}

function noticeFn(opts: { onLog?: (l: string) => void; progress?: Progress }): (line: string) => void {
  return (line) => (opts.progress ? opts.progress.note(line) : opts.onLog?.(line));
}

/**
 * The instance image for `task`: a local image when present (one swegym built is reused only when its content key
 * matches, see image-key.ts), else a pull when allowed and the dataset has published images, else a layered build
 * (base -> env -> instance) tagged with its content key.
 */
export async function ensureInstanceImage(task: TaskRecord, spec: EnvSpec, opts: ImageOptions = {}): Promise<InstanceImage> {
  const docker = opts.docker ?? new Dockerode();
  const say = noticeFn(opts);
  const naming = opts.naming;
  const candidates = instanceImageCandidates(task, { naming, template: opts.template });
  const local = localInstanceImageName(task.instance_id);
  // Images named by the record, the template or the official scheme are the user's (or the dataset's): used as they are.
  if (!opts.rebuild) {
    for (const name of candidates.filter((c) => c !== local)) {
      const info = await inspectImage(docker, name);
      if (info) return result(name, info.Config?.Labels?.[LABELS.layerHash] ? 'local' : 'pulled', info.Config?.Labels?.[LABELS.envPartial] === '1');
    }
  }
  const latest = await inspectImage(docker, local);
  const ours = !!latest?.Config?.Labels?.[LABELS.layerHash];
  // The same name from SWE-bench's own harness (no swegym label): the user's image, used as it is.
  if (latest && !ours && !opts.rebuild) return { image: local, source: 'pulled' };
  if (!latest && !opts.rebuild && pullPolicy(task, spec, opts).pull) {
    for (const name of candidates.filter((c) => c !== local)) {
      if (await tryPull(docker, name, { idleSec: opts.pullTimeoutSec ?? 20, say, progress: opts.progress })) return { image: name, source: 'pulled' };
    }
  }

  const offline = opts.offline ?? true;
  const gaps = offline ? offlineGaps(spec) : [];
  if (gaps.length && !opts.allowPartialEnv) {
    throw new OfflineEnvError(describeOfflineGaps([{ repo: task.repo, version: String(task.version), instances: [task.instance_id], gaps }]), task.instance_id);
  }
  const partial = gaps.length > 0;
  const progress = opts.progress ?? silentProgress;
  // An engine without the base image cannot rebuild the layer ids an image recorded (a debootstrap is never
  // byte-identical), so a build copied or pulled from another engine is judged by the inputs that do not depend on
  // the engine: recipe, spec build keys, repository, commit, offline and partial mode.
  if (!opts.rebuild && !(await imageExists(docker, baseImageTag(spec.base_packages)))) {
    const portable = await findPortableBuild(docker, task, spec, offline, partial);
    if (portable) return result(portable, 'local', partial);
  }
  let env: { image: string; id: string; baseId: string };
  try {
    // --rebuild redoes the instance layer only: a new env layer would make every other instance on it stale too.
    env = await ensureEnvImage(spec, { docker, onLog: opts.onLog, progress: opts.progress, logDir: opts.logDir });
  } catch (e) {
    if (e instanceof EngineUnreachableError) throw e;
    if (e instanceof ImageError) throw new ImageError(e.reason, task.instance_id, e.log);
    throw new ImageError(`env layer: ${(e as Error).message}`, task.instance_id);
  }
  const inputs: KeyInputs = { spec, baseId: env.baseId, envId: env.id, repo: task.repo, commit: task.base_commit, offline, partial };
  const keyed = keyedTag(local, instanceKey(inputs));

  return withFileLock(`instance-${task.instance_id.toLowerCase()}`, async () => {
    if (!opts.rebuild && (await imageExists(docker, keyed))) {
      await pointLatestAt(docker, keyed, local);
      return result(keyed, 'local', partial);
    }
    const current = await inspectImage(docker, local);
    const replaced = await inspectImage(docker, keyed);
    if (opts.rebuild) say(`[swegym] rebuilding ${local}: --rebuild`);
    else if (current?.Config?.Labels?.[LABELS.layerHash]) say(`[swegym] rebuilding ${local}: ${staleReasons(current.Config.Labels, inputs).join('; ')}`);
    if (partial) say(`[swegym] ${task.instance_id}: partial environment (--allow-partial-env), left out: ${gaps.map((g) => g.key).join(', ')}`);
    const job = `image:${task.instance_id}`;
    const log = new BuildLog(opts.logDir ?? defaultBuildLogDir(), `instance-${task.instance_id}`);
    progress.start({ id: job, label: `instance image ${task.instance_id}`, kind: 'instance', logFile: log.path });
    try {
      await buildInstanceImage(task, spec, keyed, { ...opts, docker, env: { image: env.image, id: env.id }, labels: keyLabels(inputs, task.instance_id, opts.dataset), log, progress, job, say });
    } catch (e) {
      progress.done(job, { ok: false, summary: (e as Error).message.split('\n')[0], tail: log.tail(), logFile: log.path });
      if (e instanceof ImageError && !opts.progress) throw new ImageError(`${e.reason}\n(full build log: ${log.path})`, task.instance_id, e.log);
      throw e;
    }
    await pointLatestAt(docker, keyed, local);
    await removeOlderRecipes(docker, task.instance_id).catch(() => undefined);
    // An image left without any name by this build (the one --rebuild replaced under the same key, or an old build
    // without a content key that only :latest named) is removed, unless a container still uses it.
    for (const old of [replaced, current]) {
      if (!old || old.Id === (await inspectImage(docker, keyed))?.Id) continue;
      const now = await inspectImage(docker, old.Id).catch(() => undefined);
      if (now && (now.RepoTags ?? []).length === 0) await imageHandle(docker, old.Id).remove().catch(() => undefined);
    }
    progress.done(job, { ok: true, summary: `built ${keyed}`, logFile: log.path });
    if (!opts.progress) say(`[swegym] built ${keyed}`);
    return result(keyed, 'built', partial);
  });
}

/**
 * Builds of this instance by an older build recipe can never be reused (their key includes the recipe version):
 * removed when no container uses them, so upgrading swegym does not leave a copy of every image behind.
 */
async function removeOlderRecipes(docker: Dockerode, instanceId: string): Promise<void> {
  // Housekeeping: never a reason to fail the build that just succeeded.
  const imgs = await docker.listImages({ filters: { label: [`${LABELS.instance}=${instanceId}`] } }).catch(() => []);
  for (const img of imgs) {
    const recipe = img.Labels?.[LABELS.recipe];
    if (!img.Labels?.[LABELS.layerHash] || recipe === String(RECIPE_VERSION)) continue;
    for (const t of img.RepoTags ?? []) {
      if (t === '<none>:<none>' || t.endsWith(':latest')) continue;
      try {
        await imageHandle(docker, t).remove();
      } catch {
        /* in use by a container, or already gone */
      }
    }
  }
}

/** A swegym build of this instance whose engine-independent key inputs equal these (newest first), or undefined. */
async function findPortableBuild(docker: Dockerode, task: TaskRecord, spec: EnvSpec, offline: boolean, partial: boolean): Promise<string | undefined> {
  const images = (await docker.listImages({ filters: { label: [`${LABELS.instance}=${task.instance_id}`, `${LABELS.kind}=instance`] } })) as Array<{
    RepoTags?: string[] | null;
    Labels?: Record<string, string> | null;
    Created: number;
  }>;
  const want: Record<string, string> = {
    [LABELS.recipe]: String(RECIPE_VERSION),
    [LABELS.buildSpec]: canonicalJson(buildSpec(spec)),
    [LABELS.repo]: task.repo,
    [LABELS.commit]: task.base_commit,
    [LABELS.offline]: offline ? '1' : '0',
    [LABELS.envPartial]: partial ? '1' : '0',
  };
  const match = images
    .filter((i) => Object.entries(want).every(([k, v]) => i.Labels?.[k] === v))
    .sort((a, b) => b.Created - a.Created)
    .flatMap((i) => (i.RepoTags ?? []).filter((t) => t.includes(':sg-')));
  return match[0];
}

/** `<name>:latest` follows the newest build, so tools that know only the plain name find it. */
async function pointLatestAt(docker: Dockerode, keyed: string, local: string): Promise<void> {
  const [a, b] = await Promise.all([inspectImage(docker, keyed), inspectImage(docker, local)]);
  if (a && a.Id !== b?.Id) await imageHandle(docker, keyed).tag({ repo: local, tag: 'latest' });
}

/** Build (or find cached) the env layer from the base layer. */
export async function ensureEnvImage(
  spec: EnvSpec,
  opts: { docker: Dockerode; onLog?: (line: string) => void; progress?: Progress; rebuild?: boolean; logDir?: string },
): Promise<{ image: string; built: boolean; baseBuilt: boolean; id: string; baseId: string }> {
  const progress = opts.progress ?? silentProgress;
  const base = await withJobLog('base', opts, (l) => ensureBaseImage(spec.base_packages, { docker: opts.docker, onLog: l }), (r) => r.built);
  const baseInfo = await inspectImage(opts.docker, base.image);
  if (!baseInfo) throw new ImageError(`the base image ${base.image} disappeared while in use`);
  const tag = envImageTag(spec, baseInfo.Id);
  const found = async () => {
    const info = await inspectImage(opts.docker, tag);
    return info ? { image: tag, built: false, baseBuilt: base.built, id: info.Id, baseId: baseInfo.Id } : undefined;
  };
  if (!opts.rebuild) {
    const have = await found();
    if (have) return have;
  }
  return withFileLock(`env-${tag.split(':')[1]}`, async () => {
    if (!opts.rebuild) {
      const have = await found();
      if (have) return have;
    }
    const steps: BuildStep[] = (spec.env_setup ?? []).map((cmd, i) => ({
      name: `env_setup[${i}]`,
      script: cmd,
      network: installsDebianPackages(cmd) ? 'host' : 'none',
      timeoutSec: spec.install_timeout,
    }));
    if (steps.length === 0) {
      // Nothing to add: the env layer is the base under another name (a tag, no copy).
      const [repo, t] = splitTag(tag);
      await imageHandle(opts.docker, base.image).tag({ repo, tag: t });
    } else {
      const job = `env:${tag}`;
      const log = new BuildLog(opts.logDir ?? defaultBuildLogDir(), `env-${tag.split(':')[1]}`);
      progress.start({ id: job, label: `environment layer ${tag}`, kind: 'env', total: steps.length, logFile: log.path });
      try {
        await buildLayer({
          docker: opts.docker,
          from: base.image,
          tag,
          steps,
          labels: { [LABELS.layerHash]: tag, [LABELS.baseId]: baseInfo.Id, [LABELS.kind]: 'env' },
          onLog: log.line,
          onStep: (s, n, total) => progress.update(job, { step: s.name, n, total }),
        });
      } catch (e) {
        progress.done(job, { ok: false, summary: (e as Error).message.split('\n')[0], tail: log.tail(), logFile: log.path });
        throw e;
      }
      progress.done(job, { ok: true, summary: `built ${tag}`, logFile: log.path });
    }
    const info = await inspectImage(opts.docker, tag);
    return { image: tag, built: true, baseBuilt: base.built, id: info!.Id, baseId: baseInfo.Id };
  });
}

/**
 * Runs a job whose raw output goes to a log file that is kept only when the job did work (built something) or
 * failed; a cache hit leaves no file behind.
 */
async function withJobLog<T>(
  kind: 'base',
  opts: { progress?: Progress; logDir?: string; onLog?: (l: string) => void },
  fn: (line: (l: string) => void) => Promise<T>,
  didWork: (r: T) => boolean,
): Promise<T> {
  const progress = opts.progress ?? silentProgress;
  let log: BuildLog | undefined;
  const job = `${kind}:${process.pid}:${Date.now()}`;
  const line = (l: string) => {
    if (!log) {
      log = new BuildLog(opts.logDir ?? defaultBuildLogDir(), `${kind}-image`);
      progress.start({ id: job, label: `${kind} image (debootstrap)`, kind, logFile: log.path });
      if (!opts.progress) opts.onLog?.(`[swegym] building the ${kind} image; its output goes to ${log.path}`);
    }
    log.line(l);
  };
  try {
    const r = await fn(line);
    if (log && didWork(r)) progress.done(job, { ok: true, logFile: log.path });
    else if (log) progress.done(job, { ok: true, summary: 'found' });
    return r;
  } catch (e) {
    if (log) progress.done(job, { ok: false, summary: (e as Error).message.split('\n')[0], tail: log.tail(), logFile: log.path });
    throw e;
  }
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The spec's pre_install / install commands as build steps. Offline, the parts that need the network are left out
 * (ensureInstanceImage refuses that unless the user accepted a partial environment).
 */
function setupSteps(spec: EnvSpec, offline: boolean, say: (l: string) => void): BuildStep[] {
  const prefix = ['cd /testbed', ...activationLines(spec)].join('\n');
  const out: BuildStep[] = [];
  const add = (name: string, cmd: string) => {
    const parts = splitCommands(cmd);
    const kept = offline ? parts.filter((p) => !needsNetwork(p) || installsDebianPackages(p)) : parts;
    for (const p of parts) if (!kept.includes(p)) say(`[swegym] offline: leaving out "${p}" (${name}) - it needs the network`);
    if (kept.length === 0) return;
    const debian = kept.some(installsDebianPackages);
    out.push({ name, script: `${prefix}\n${kept.join('\n')}`, network: debian ? 'host' : 'none', timeoutSec: spec.install_timeout });
  };
  (spec.pre_install ?? []).forEach((c, i) => add(`pre_install[${i}]`, c));
  if (spec.install) add('install', spec.install);
  return out;
}

async function buildInstanceImage(
  task: TaskRecord,
  spec: EnvSpec,
  image: string,
  opts: ImageOptions & {
    docker: Dockerode;
    env: { image: string; id: string };
    labels: Record<string, string>;
    log: BuildLog;
    progress: Progress;
    job: string;
    say: (l: string) => void;
  },
): Promise<void> {
  const offline = opts.offline ?? true;
  const base = task.base_commit;
  const src = await repoDir(task.repo, { source: opts.repoSource, offline, instanceId: task.instance_id, commit: base });
  try {
    // The repository's objects live once in a per-repository layer; this layer adds the checkout at base_commit.
    opts.progress.update(opts.job, { step: 'repository layer' });
    const layer = await ensureRepoLayer({ docker: opts.docker, env: opts.env, repo: task.repo, gitDir: src.gitDir, logDir: opts.logDir, progress: opts.progress, say: opts.say });
    const extra = await extraPack(src.gitDir, base, layer.tip);
    const workspaceLink = `/workspace/${task.repo.replace('/', '__')}__${task.version}`;
    const steps: BuildStep[] = [
      {
        name: 'checkout at the base commit',
        script: [
          `bash /tmp/swegym-src/checkout.sh ${shq(base)} ${shq(layer.branch)} ${extra ? '/tmp/swegym-src/extra.pack' : "''"}`,
          // Directories world-writable (tests run as another user may write there); file modes stay as git has them
          // (a chmod would show in `git diff`), and the packs are left alone (touching them would copy them up).
          "find /testbed -path /testbed/.git -prune -o -type d ! -perm 777 -exec chmod 777 {} + 2>/dev/null || true",
          'mkdir -p /workspace',
          `ln -sfn /testbed ${shq(workspaceLink)}`,
        ].join('\n'),
      },
    ];
    const setup = setupSteps(spec, offline, opts.say);
    // Nothing to install: the checkout script has already left exactly base's history (and checked it); only the
    // scripts go. After install steps, which may add refs, remotes or objects, the history is stripped again.
    if (setup.length === 0) steps[0]!.script += '\nrm -rf /tmp/swegym-src';
    else steps.push(...setup, { name: 'final history strip and cleanup', script: `bash /tmp/swegym-src/light-strip.sh /testbed ${shq(base)}\nrm -rf /tmp/swegym-src\ncd /testbed && git status --short | head -n 20` });
    await buildLayer({
      docker: opts.docker,
      from: layer.image,
      tag: image,
      steps,
      files: {
        '/tmp/swegym-src/checkout.sh': Buffer.from(INSTANCE_CHECKOUT_SCRIPT),
        '/tmp/swegym-src/light-strip.sh': Buffer.from(LIGHT_STRIP_SCRIPT),
        ...(extra ? { '/tmp/swegym-src/extra.pack': extra } : {}),
      },
      changes: ['WORKDIR /testbed'],
      labels: opts.labels,
      onLog: opts.log.line,
      onStep: (st, n, total) => opts.progress.update(opts.job, { step: st.name, n, total }),
      instanceId: task.instance_id,
    });
  } finally {
    src.cleanup();
  }
}
