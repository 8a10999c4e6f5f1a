import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import { ImageError } from './image-error.js';
import { instanceImageCandidates, localInstanceImageName, type ImageNaming } from './image-names.js';
import { ensureBaseImage } from './base-image.js';
import { buildLayer, imageExists, type BuildStep } from './build-container.js';
import { withFileLock } from './file-lock.js';
import { repoBundle } from './repo-source.js';
import { STRIP_HISTORY_SCRIPT } from './strip-history.js';
import { installsDebianPackages, needsNetwork, splitCommands } from './network-steps.js';
import { silentProgress, type Progress } from '../util/progress.js';
import { imageHandle, isNotFound } from './docker-ref.js';

export { ImageError } from './image-error.js';

export interface ImageOptions {
  /** A git directory, a `.bundle` file, or a folder holding them (`--repo-source DIR`). */
  repoSource?: string;
  /** Try `docker pull` when no local image exists (a failure is tolerated). Default: only when `offline` is false. */
  pull?: boolean;
  /** `--image-template`, e.g. `myreg/{id_s}:latest`. */
  template?: string;
  /** Official naming to look for: SWE-Gym's `xingyaoww/...` (default) or SWE-bench's. */
  naming?: ImageNaming;
  docker?: Dockerode;
  onLog?: (line: string) => void;
  /** Jobs (pull, env layer, instance image) with their steps; build output itself goes to log files. */
  progress?: Progress;
  /** No network for builds (default true): install commands that need it are skipped; Debian packages excepted. */
  offline?: boolean;
  /** Seconds without pull progress before giving up on a registry (default 20). */
  pullTimeoutSec?: number;
}

/**
 * Where the image came from. 'local': built by swegym (its history is already stripped). 'pulled': pulled now, or
 * found locally without swegym's build label (an official image pulled earlier): its repository may still hold
 * commits, tags and reflogs beyond base_commit, so a rollout must strip them at start.
 */
export type ImageSource = 'local' | 'pulled' | 'built';

const HASH_LABEL = 'io.swegym.layer-hash';

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Read-only view of the spec keys the builder uses (EnvSpec passes through unknown keys). */
function activationLines(spec: EnvSpec): string[] {
  if (spec.activate) return spec.activate;
  return ['if [ -f /opt/miniconda3/bin/activate ]; then set +x; source /opt/miniconda3/bin/activate; conda activate testbed; set -x; fi'];
}

export function envImageTag(spec: EnvSpec, baseTag: string): string {
  return `swegym.env:${hash({ base: baseTag, env_setup: spec.env_setup ?? [] })}`;
}

/**
 * The instance image for `task`: a local image when present, else a pull when allowed and a registry answers,
 * else a layered build (base -> env -> instance), each layer cached by a content hash.
 */
export async function ensureInstanceImage(
  task: TaskRecord,
  spec: EnvSpec,
  opts: ImageOptions = {},
): Promise<{ image: string; source: ImageSource }> {
  const docker = opts.docker ?? new Dockerode();
  const log = opts.onLog ?? (() => undefined);
  const candidates = instanceImageCandidates(task, { naming: opts.naming, template: opts.template });
  for (const name of candidates) {
    if (await imageExists(docker, name)) return { image: name, source: (await builtBySwegym(docker, name)) ? 'local' : 'pulled' };
  }
  if (opts.pull ?? opts.offline === false) {
    const local = localInstanceImageName(task.instance_id);
    for (const name of candidates.filter((c) => c !== local)) {
      if (await tryPull(docker, name, opts.pullTimeoutSec ?? 20, log)) return { image: name, source: 'pulled' };
    }
  }
  const image = localInstanceImageName(task.instance_id);
  const progress = opts.progress ?? silentProgress;
  return withFileLock(`instance-${task.instance_id.toLowerCase()}`, async () => {
    if (await imageExists(docker, image)) return { image, source: 'local' as const };
    const job = `image:${task.instance_id}`;
    progress.start({ id: job, label: `instance image ${task.instance_id}`, kind: 'instance' });
    try {
      await buildInstanceImage(task, spec, image, { ...opts, docker, onLog: log });
    } catch (e) {
      progress.done(job, { ok: false, summary: (e as Error).message.split('\n')[0], tail: (e as ImageError).log?.split('\n').slice(-15) });
      throw e;
    }
    progress.done(job, { ok: true, summary: `built ${image}` });
    return { image, source: 'built' as const };
  });
}

/** swegym's own builds carry the layer-hash label; anything else came from a registry (or another tool). */
async function builtBySwegym(docker: Dockerode, name: string): Promise<boolean> {
  try {
    const info = await imageHandle(docker, name).inspect();
    return !!info.Config?.Labels?.[HASH_LABEL];
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

async function tryPull(docker: Dockerode, name: string, idleSec: number, log: (l: string) => void): Promise<boolean> {
  log(`[swegym] pulling ${name}`);
  // Giving up must cancel the request to the engine: without it dockerd keeps waiting on a stalled registry in the
  // background, and the open socket keeps this process alive after its work is done.
  const abort = new AbortController();
  let answerTimer: NodeJS.Timeout | undefined;
  try {
    const stream = (await Promise.race([
      docker.pull(name, { abortSignal: abort.signal }),
      new Promise<never>((_, rej) => {
        answerTimer = setTimeout(() => rej(new Error(`no answer within ${idleSec} s`)), idleSec * 1000);
      }),
    ])) as NodeJS.ReadableStream & { destroy?: () => void };
    clearTimeout(answerTimer);
    await new Promise<void>((resolve, reject) => {
      let idle = setTimeout(() => (stream.destroy?.(), reject(new Error(`no progress for ${idleSec} s`))), idleSec * 1000);
      docker.modem.followProgress(
        stream,
        (err: Error | null, out: Array<{ error?: string }>) => {
          clearTimeout(idle);
          const bad = out?.find((o) => o.error);
          if (err || bad) reject(err ?? new Error(bad!.error));
          else resolve();
        },
        () => {
          clearTimeout(idle);
          idle = setTimeout(() => (stream.destroy?.(), reject(new Error(`no progress for ${idleSec} s`))), idleSec * 1000);
        },
      );
    });
    // A pull can succeed without producing this name (e.g. a digest reference resolved to another tag).
    const pulled = await imageExists(docker, name);
    log(pulled ? `[swegym] pulled ${name}` : `[swegym] pull of ${name} finished but the image is not present`);
    return pulled;
  } catch (e) {
    abort.abort();
    log(`[swegym] pull of ${name} failed: ${(e as Error).message}`);
    return false;
  } finally {
    clearTimeout(answerTimer);
  }
}

/** Build (or find cached) the env layer from the base layer. */
export async function ensureEnvImage(
  spec: EnvSpec,
  opts: { docker: Dockerode; onLog?: (line: string) => void },
): Promise<{ image: string; built: boolean; baseBuilt: boolean }> {
  const base = await ensureBaseImage(spec.base_packages, opts);
  const tag = envImageTag(spec, base.image);
  if (await imageExists(opts.docker, tag)) return { image: tag, built: false, baseBuilt: base.built };
  return withFileLock(`env-${tag.split(':')[1]}`, async () => {
    if (await imageExists(opts.docker, tag)) return { image: tag, built: false, baseBuilt: base.built };
    const steps: BuildStep[] = (spec.env_setup ?? []).map((cmd, i) => ({
      name: `env_setup[${i}]`,
      script: cmd,
      network: installsDebianPackages(cmd) ? 'host' : 'none',
      timeoutSec: spec.install_timeout,
    }));
    if (steps.length === 0) {
      // Nothing to add: the env layer is the base under another name (a tag, no copy).
      const [repo, t] = tag.split(':') as [string, string];
      await imageHandle(opts.docker, base.image).tag({ repo, tag: t });
    } else {
      if (spec.packages || spec.pip_packages?.length) {
        opts.onLog?.('[swegym] note: the spec lists conda/pip packages; an offline build installs only base_packages and env_setup');
      }
      await buildLayer({ docker: opts.docker, from: base.image, tag, steps, labels: { [HASH_LABEL]: tag }, onLog: opts.onLog });
    }
    return { image: tag, built: true, baseBuilt: base.built };
  });
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The spec's pre_install / install commands as build steps; offline, the parts that need the network are dropped. */
function setupSteps(spec: EnvSpec, offline: boolean, log: (l: string) => void): BuildStep[] {
  const prefix = ['cd /testbed', ...activationLines(spec)].join('\n');
  const out: BuildStep[] = [];
  const add = (name: string, cmd: string) => {
    const parts = splitCommands(cmd);
    const kept = offline ? parts.filter((p) => !needsNetwork(p) || installsDebianPackages(p)) : parts;
    for (const p of parts) if (!kept.includes(p)) log(`[swegym] offline: skipping "${p}" (${name}) - it needs the network`);
    if (kept.length === 0) return;
    const debian = kept.some(installsDebianPackages);
    out.push({
      name,
      script: `${prefix}\n${kept.join('\n')}`,
      network: debian || !offline ? (debian ? 'host' : 'none') : 'none',
      timeoutSec: spec.install_timeout,
    });
  };
  (spec.pre_install ?? []).forEach((c, i) => add(`pre_install[${i}]`, c));
  if (spec.install) add('install', spec.install);
  return out;
}

async function buildInstanceImage(
  task: TaskRecord,
  spec: EnvSpec,
  image: string,
  opts: ImageOptions & { docker: Dockerode; onLog: (l: string) => void },
): Promise<void> {
  const log = opts.onLog;
  const offline = opts.offline ?? true;
  let env: { image: string };
  try {
    env = await ensureEnvImage(spec, { docker: opts.docker, onLog: log });
  } catch (e) {
    if (e instanceof ImageError) throw new ImageError(e.reason, task.instance_id, e.log);
    throw new ImageError(`env layer: ${(e as Error).message}`, task.instance_id);
  }
  const bundle = await repoBundle(task.repo, { source: opts.repoSource, offline, instanceId: task.instance_id });
  const workspaceLink = `/workspace/${task.repo.replace('/', '__')}__${task.version}`;
  const base = task.base_commit;
  const steps: BuildStep[] = [
    {
      name: 'repository at /testbed',
      script: [
        'git config --global --add safe.directory /testbed',
        'git config --global user.email swegym@localhost',
        'git config --global user.name swegym',
        'git config --global advice.detachedHead false',
        'rm -rf /testbed',
        'git clone -q -o origin /tmp/swegym-src/repo.bundle /testbed',
        'chmod -R 777 /testbed',
        'cd /testbed',
        `git reset --hard ${shq(base)}`,
        `bash /tmp/swegym-src/strip-history.sh /testbed ${shq(base)}`,
        'mkdir -p /workspace',
        `ln -sfn /testbed ${shq(workspaceLink)}`,
      ].join('\n'),
    },
    ...setupSteps(spec, offline, log),
    {
      name: 'final history strip and cleanup',
      script: `bash /tmp/swegym-src/strip-history.sh /testbed ${shq(base)}\nrm -rf /tmp/swegym-src\ncd /testbed && git status --short | head -n 20`,
    },
  ];
  try {
    await buildLayer({
      docker: opts.docker,
      from: env.image,
      tag: image,
      steps,
      files: {
        '/tmp/swegym-src/repo.bundle': readFileSync(bundle.path),
        '/tmp/swegym-src/strip-history.sh': Buffer.from(STRIP_HISTORY_SCRIPT),
      },
      changes: ['WORKDIR /testbed'],
      labels: {
        [HASH_LABEL]: hash({ env: env.image, base, repo: task.repo, pre: spec.pre_install, install: spec.install, offline }),
        'io.swegym.instance': task.instance_id,
      },
      onLog: log,
      instanceId: task.instance_id,
    });
  } finally {
    bundle.cleanup();
  }
  log(`[swegym] built ${image}`);
}
