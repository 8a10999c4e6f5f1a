import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import type { ImageNaming } from './image-names.js';
import { inspectImage } from './build-container.js';
import { silentProgress, type Progress } from '../util/progress.js';

/**
 * Whether to try `docker pull` for a task: only when pulls are allowed (not offline, not --no-pull) and the dataset
 * has published images. Datasets without them (`--image-naming none`, a spec with `"published_images": false`
 * such as the bundled samples') are never pulled: a pull could only fail, and each failure is noise.
 */
export function pullPolicy(
  task: TaskRecord,
  spec: EnvSpec,
  opts: { pull?: boolean; offline?: boolean; naming?: ImageNaming; template?: string },
): { pull: boolean; why?: string } {
  if (!(opts.pull ?? opts.offline === false)) return { pull: false, why: 'pulls are off (--offline or --no-pull)' };
  if (task.image_name || opts.template) return { pull: true };
  if (opts.naming === 'none') return { pull: false, why: '--image-naming none' };
  if ((spec as { published_images?: boolean }).published_images === false) return { pull: false, why: 'its spec says the dataset has no published images' };
  return { pull: true };
}

/** Registries that did not answer in this process: asked no more, and said once. */
const unreachable = new Map<string, string>();

/** `docker.io/x/y:t` -> `docker.io`; a name without a registry part is Docker Hub's. */
export function registryOf(name: string): string {
  const first = name.split('/')[0]!;
  return name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** Errors that mean the registry cannot be reached at all (as opposed to "no such image there"). */
function isUnreachable(msg: string): boolean {
  return /no such host|lookup |dial tcp|connection refused|network is unreachable|i\/o timeout|TLS handshake timeout|no answer within|no progress for|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|Client\.Timeout/i.test(msg);
}

/** For tests: forget which registries failed. */
export function resetRegistryMemory(): void {
  unreachable.clear();
}

/**
 * Pulls `name`; false when it is not available. A registry that cannot be reached is said once per process (one
 * line, not one per instance) and not asked again in this run.
 */
export async function tryPull(
  docker: Dockerode,
  name: string,
  o: { idleSec: number; say: (line: string) => void; progress?: Progress },
): Promise<boolean> {
  const registry = registryOf(name);
  if (unreachable.has(registry)) return false;
  const progress = o.progress ?? silentProgress;
  const job = `pull:${name}`;
  progress.start({ id: job, label: `pull ${name}`, kind: 'pull' });
  if (!o.progress) o.say(`[swegym] pulling ${name}`);
  // Giving up must cancel the request to the engine: without it dockerd keeps waiting on a stalled registry in the
  // background, and the open socket keeps this process alive after its work is done.
  const abort = new AbortController();
  let answerTimer: NodeJS.Timeout | undefined;
  const idleSec = o.idleSec;
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
          const bad = out?.find((x) => x.error);
          if (err || bad) reject(err ?? new Error(bad!.error));
          else resolve();
        },
        (ev: { status?: string; progress?: string }) => {
          clearTimeout(idle);
          if (ev?.status) progress.update(job, { step: ev.progress ? `${ev.status} ${ev.progress}` : ev.status });
          idle = setTimeout(() => (stream.destroy?.(), reject(new Error(`no progress for ${idleSec} s`))), idleSec * 1000);
        },
      );
    });
    // A pull can succeed without producing this name (e.g. a digest reference resolved to another tag).
    const pulled = (await inspectImage(docker, name)) !== undefined;
    progress.done(job, { ok: pulled, summary: pulled ? 'pulled' : 'finished but the image is not present' });
    if (!o.progress) o.say(pulled ? `[swegym] pulled ${name}` : `[swegym] pull of ${name} finished but the image is not present`);
    return pulled;
  } catch (e) {
    abort.abort();
    const msg = (e as Error).message;
    if (isUnreachable(msg)) {
      unreachable.set(registry, msg);
      progress.done(job, { ok: false, summary: 'registry unreachable' });
      o.say(`[swegym] registry ${registry} cannot be reached (${msg.split('\n')[0]!.slice(0, 160)}); not pulling from it again in this run, building instead`);
    } else {
      progress.done(job, { ok: false, summary: msg.split('\n')[0] });
      if (!o.progress) o.say(`[swegym] pull of ${name} failed: ${msg.split('\n')[0]}`);
    }
    return false;
  } finally {
    clearTimeout(answerTimer);
  }
}
