import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Dockerode from 'dockerode';
import { SWEGYM_LABEL } from './types.js';
import { trackLive, untrackLive } from './live-containers.js';
import { ImageError } from './image-error.js';
import { packFile } from './tar.js';
import { DEFAULT_LIMITS } from './types.js';
import { imageHandle, isNotFound } from './docker-ref.js';

export interface BuildStep {
  /** Shown in logs and errors. */
  name: string;
  /** bash script, run with `set -exo pipefail` like the harness's setup scripts. */
  script: string;
  /** 'host' only for a step that installs Debian packages; everything else runs without a network. */
  network?: 'none' | 'host';
  timeoutSec?: number;
}

export interface BuildLayerOptions {
  docker: Dockerode;
  from: string;
  /** Final `repo:tag`. */
  tag: string;
  steps: BuildStep[];
  /** Files to put into the first container before the steps run: container path -> content. */
  files?: Record<string, Buffer>;
  labels?: Record<string, string>;
  /** Dockerfile-style changes applied by the commit, e.g. `WORKDIR /testbed`. */
  changes?: string[];
  onLog?: (line: string) => void;
  /** Called before each step runs (index from 0, of `total`): for progress. */
  onStep?: (step: BuildStep, index: number, total: number) => void;
  instanceId?: string;
}

/** `docker exec` a bash script in a build container; output streamed to onLog; exit code returned. */
async function runScript(
  container: Dockerode.Container,
  script: string,
  onLine: (line: string) => void,
  timeoutSec: number,
): Promise<number> {
  const ex = await container.exec({
    Cmd: ['bash', '-c', `set -exo pipefail\n${script}`],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await ex.start({});
  let buf = '';
  const dec = new StringDecoder('utf8');
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      buf += dec.write(chunk);
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      cb();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<'done' | 'timeout'>((resolve, reject) => {
    container.modem.demuxStream(stream, sink, sink);
    stream.on('end', () => resolve('done'));
    stream.on('close', () => resolve('done'));
    stream.on('error', reject);
    timer = setTimeout(() => resolve('timeout'), timeoutSec * 1000);
  });
  const how = await done;
  clearTimeout(timer);
  if (buf) onLine(buf);
  if (how === 'timeout') return -2;
  return (await ex.inspect()).ExitCode ?? -1;
}

/**
 * The build container runs `tail -f /dev/null`; a committed image must not keep it. Official instance images have
 * no entrypoint and `bash` as the command, so `docker run <image> bash -c '...'` works.
 */
const RUNNABLE_AS_OFFICIAL = ['CMD ["/bin/bash"]'];

/** Labels of a build container (see buildLayer): blanked in the committed image. */
const BUILD_CONTAINER_LABELS = [SWEGYM_LABEL, 'io.swegym.role', 'io.swegym.pid', 'io.swegym.host'];

/**
 * Build one image layer: run the steps in containers started from `from` and commit the result as `tag`.
 * Consecutive steps with the same network mode share a container; a change of mode commits an intermediate
 * image and starts the next container from it. Containers are always removed; a failing step throws ImageError.
 */
export async function buildLayer(o: BuildLayerOptions): Promise<void> {
  const groups: BuildStep[][] = [];
  for (const s of o.steps) {
    const last = groups.at(-1);
    if (last && (last[0]!.network ?? 'none') === (s.network ?? 'none')) last.push(s);
    else groups.push([s]);
  }
  if (groups.length === 0) groups.push([]);
  const tail: string[] = [];
  const log = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    o.onLog?.(line);
  };
  const intermediates: string[] = [];
  let from = o.from;
  let stepIndex = 0;
  const parentEntrypoint = (await imageHandle(o.docker, o.from).inspect()).Config?.Entrypoint;
  const inheritedEntrypoint = Array.isArray(parentEntrypoint) ? parentEntrypoint.some((x) => x !== '') : !!parentEntrypoint;
  try {
    for (let gi = 0; gi < groups.length; gi++) {
      const group = groups[gi]!;
      const network = group[0]?.network ?? 'none';
      const container = await o.docker.createContainer({
        Image: from,
        // No entrypoint of our own, so the committed image has none (unless its parent had one, then it is cleared).
        ...(inheritedEntrypoint ? { Entrypoint: ['tail'], Cmd: ['-f', '/dev/null'] } : { Cmd: ['tail', '-f', '/dev/null'] }),
        Labels: { [SWEGYM_LABEL]: '1', 'io.swegym.role': 'build', 'io.swegym.pid': String(process.pid), 'io.swegym.host': hostname() },
        // Build steps run spec scripts (and pip/apt): the same memory/CPU/pid caps as every other container.
        HostConfig: {
          NetworkMode: network,
          Init: true,
          Memory: DEFAULT_LIMITS.memoryBytes,
          MemorySwap: DEFAULT_LIMITS.memoryBytes,
          NanoCpus: DEFAULT_LIMITS.nanoCpus,
          PidsLimit: DEFAULT_LIMITS.pidsLimit,
        },
      });
      trackLive(container);
      try {
        await container.start();
        if (gi === 0 && o.files) {
          // One archive of every file, unpacked at /: the engine creates the missing folders (no `mkdir` exec, one
          // round trip). A tar ends with two zero blocks: dropped from all but the last to chain the archives.
          const tars = Object.entries(o.files).map(([p, content]) => packFile(p.replace(/^\/+/, ''), content));
          const joined = Buffer.concat(tars.map((t, i) => (i < tars.length - 1 ? t.subarray(0, t.length - 1024) : t)));
          await container.putArchive(joined, { path: '/' });
        }
        for (const step of group) {
          o.onStep?.(step, stepIndex++, o.steps.length);
          log(`[swegym] step: ${step.name} (network ${network})`);
          const rc = await runScript(container, step.script, log, step.timeoutSec ?? 3600);
          if (rc !== 0) {
            const why = rc === -2 ? `timed out after ${step.timeoutSec ?? 3600} s` : `exited with code ${rc}`;
            throw new ImageError(`build step "${step.name}" ${why}; last output:\n${tail.slice(-15).join('\n')}`, o.instanceId, tail.join('\n'));
          }
        }
        const last = gi === groups.length - 1;
        const [repo, tag] = splitTag(o.tag);
        // `docker commit` keeps the build container's labels in the image, and every container later started from
        // it would inherit them: a plain `docker run` of the image would then look like a swegym container of a
        // dead process and be swept. Blank them; DockerProvider sets its own on every container it starts.
        const unmark = BUILD_CONTAINER_LABELS.map((k) => `LABEL ${k}=""`);
        const labelChanges = [...unmark, ...Object.entries(o.labels ?? {}).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`)];
        const committed = await container.commit(
          last
            ? {
                repo,
                tag,
                // `ENTRYPOINT []` is ignored by the engine's commit; `[""]` clears an inherited one.
                changes: [...RUNNABLE_AS_OFFICIAL, ...(inheritedEntrypoint ? ['ENTRYPOINT [""]'] : []), ...(o.changes ?? []), ...labelChanges],
                comment: 'swegym build',
                // Nothing runs between steps (the container only waits): no need to freeze it for the commit.
                pause: false,
              }
            : { comment: 'swegym intermediate build layer', pause: false },
        );
        if (!last) {
          from = (committed as { Id: string }).Id;
          intermediates.push(from);
        }
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
        untrackLive(container.id);
      }
    }
  } finally {
    for (const id of intermediates) await imageHandle(o.docker, id).remove({ noprune: false }).catch(() => undefined);
  }
}

export function splitTag(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return [name.slice(0, colon), name.slice(colon + 1)];
  return [name, 'latest'];
}

/**
 * The image's inspect data, or undefined when the engine says it has no such image (404). Any other failure (the
 * engine does not answer, a timeout) is thrown: an engine that cannot be reached must never read as "image missing",
 * or swegym would start rebuilding everything during an outage.
 */
export async function inspectImage(docker: Dockerode, name: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await imageHandle(docker, name).inspect();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    if ((e as Error).name === 'InvalidIdentifierError') throw e;
    throw new EngineUnreachableError(`the Docker engine did not answer while looking for image ${name}: ${(e as Error).message}`);
  }
}

/** The engine could not be asked (connection refused, socket missing, timeout): not the same as a missing image. */
export class EngineUnreachableError extends Error {
  override name = 'EngineUnreachableError';
}

export async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  return (await inspectImage(docker, name)) !== undefined;
}
