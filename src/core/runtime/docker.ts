import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import {
  HOST_LABEL,
  PID_LABEL,
  PID_START_LABEL,
  SESSION_LABEL,
  SWEGYM_LABEL,
  DEFAULT_LIMITS,
  type ExecOptions,
  type ExecResult,
  type StartOptions,
  type SweepOptions,
} from './types.js';
import type { PreparedImage, Sandbox, SandboxInfo, SandboxProvider } from './sandbox.js';
import type { EnvSpec } from './env-spec.js';
import type { ExecChannel } from './exec-channel.js';
import { ShellSession } from './shell-session.js';
import { dockerExecTarget } from './exec-channel.js';
import { ensureInstanceImage, type ImageOptions } from './images.js';
import { imageHandle } from './docker-ref.js';
import { isOrphan } from './ownership.js';
import { packFile, listEntries } from './tar.js';
import { trackLive, untrackLive } from './live-containers.js';
import { ownStartTime } from '../util/process.js';

export { removeAllLive, installCleanupHandlers } from './live-containers.js';
export { DEFAULT_LIMITS, HOST_LABEL, PID_LABEL, PID_START_LABEL, SESSION_LABEL } from './types.js';


export interface DockerProviderOptions {
  docker?: Dockerode;
  /** The engine's name in the engine configuration (default `local`). */
  engine?: string;
  sessionId?: string;
  /** Put on every container this provider starts (e.g. `io.swegym.origin: serve`, so a restarted server finds its own). */
  labels?: Record<string, string>;
  defaults?: { memoryBytes?: number; nanoCpus?: number; pidsLimit?: number };
  /** Lines the shell's own stderr produced (not command output); for debugging. */
  onDiagnostic?: (line: string) => void;
}

/** The sandbox lifecycle on one Docker engine: containers with limits, no network, owner labels, the long-lived shell. */
export class DockerProvider implements SandboxProvider {
  readonly docker: Dockerode;
  readonly engine: string;
  readonly sessionId: string;
  private readonly limits: typeof DEFAULT_LIMITS;

  constructor(private readonly opts: DockerProviderOptions = {}) {
    this.docker = opts.docker ?? new Dockerode();
    this.engine = opts.engine ?? 'local';
    this.sessionId = opts.sessionId ?? `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    this.limits = { ...DEFAULT_LIMITS, ...stripUndefined(opts.defaults ?? {}) };
  }

  prepareImage(task: TaskRecord, spec: EnvSpec, opts: Omit<ImageOptions, 'docker'> = {}): Promise<PreparedImage> {
    return ensureInstanceImage(task, spec, { ...opts, docker: this.docker });
  }

  imageFacts(image: string): Promise<{ id: string; size: number } | undefined> {
    return imageHandle(this.docker, image)
      .inspect()
      .then((i) => ({ id: i.Id, size: i.Size ?? 0 }), () => undefined);
  }

  async removeImage(image: string): Promise<void> {
    await imageHandle(this.docker, image).remove();
  }

  async start(opts: StartOptions): Promise<Sandbox> {
    const labels: Record<string, string> = {
      ...(this.opts.labels ?? {}),
      ...(opts.labels ?? {}),
      [SWEGYM_LABEL]: '1',
      [SESSION_LABEL]: this.sessionId,
      [PID_LABEL]: String(process.pid),
      ...(ownStartTime() ? { [PID_START_LABEL]: ownStartTime()! } : {}),
      [HOST_LABEL]: hostname(),
    };
    const container = await this.docker.createContainer({
      Image: opts.image,
      name: opts.name,
      Entrypoint: ['tail'],
      Cmd: ['-f', '/dev/null'],
      Labels: labels,
      Env: opts.env ? Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) : undefined,
      WorkingDir: opts.workdir,
      HostConfig: {
        NetworkMode: 'none',
        Memory: opts.memoryBytes ?? this.limits.memoryBytes,
        MemorySwap: opts.memoryBytes ?? this.limits.memoryBytes,
        NanoCpus: opts.nanoCpus ?? this.limits.nanoCpus,
        PidsLimit: opts.pidsLimit ?? this.limits.pidsLimit,
        // A real init reaps the zombies that orphaned background jobs leave behind.
        Init: true,
      },
    });
    trackLive(container);
    try {
      await container.start();
      const session = await ShellSession.open(dockerExecTarget(container), this.opts.onDiagnostic);
      return new DockerRuntime(container, opts.image, session, this.engine);
    } catch (e) {
      await container.remove({ force: true }).catch(() => undefined);
      untrackLive(container.id);
      throw e;
    }
  }

  /** Containers carrying the swegym label (and the extra labels given). */
  async list(labels: Record<string, string> = {}): Promise<SandboxInfo[]> {
    const filters = { label: [`${SWEGYM_LABEL}=1`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
    const found = await this.docker.listContainers({ all: true, filters });
    return found.map((c) => ({ id: c.Id, engine: this.engine, labels: c.Labels ?? {}, state: c.State }));
  }

  async remove(ids: string[]): Promise<number> {
    const results = await Promise.allSettled(
      ids.map(async (id) => {
        await this.docker.getContainer(id).remove({ force: true });
        untrackLive(id);
      }),
    );
    // A container already gone (404) was removed by someone else: not counted.
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  async sweep(labels: Record<string, string> = {}, opts: SweepOptions = {}): Promise<number> {
    const found = await this.list(labels);
    return this.remove(found.filter((c) => !opts.leftovers || isOrphan(c, opts)).map((c) => c.id));
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Single-quote for bash. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class DockerRuntime implements Sandbox {
  readonly id: string;
  private stopped = false;
  private stopping?: Promise<void>;

  constructor(
    readonly container: Dockerode.Container,
    readonly image: string,
    private readonly session: ShellSession,
    readonly engine = 'local',
  ) {
    this.id = container.id;
  }

  spawn(argv: string[], opts?: { stdin?: boolean }): Promise<ExecChannel> {
    if (this.stopped) return Promise.reject(new Error(`runtime ${this.id.slice(0, 12)} is stopped`));
    return dockerExecTarget(this.container).exec(argv, opts);
  }

  exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    if (this.stopped) return Promise.reject(new Error(`runtime ${this.id.slice(0, 12)} is stopped`));
    return this.session.exec(command, opts);
  }

  async readFile(path: string): Promise<Buffer> {
    let target = path;
    for (let hops = 0; hops < 16; hops++) {
      const tar = await streamToBuffer(await this.container.getArchive({ path: target }).catch((e: Error) => {
        throw new Error(`readFile ${path}: ${(e as { statusCode?: number }).statusCode === 404 ? 'no such file' : e.message}`);
      }));
      const first = listEntries(tar)[0];
      if (!first) throw new Error(`readFile ${path}: empty archive`);
      if (first.type === 'file') return first.content;
      if (first.type === 'dir') throw new Error(`readFile ${path}: is a directory`);
      if (first.type !== 'symlink') throw new Error(`readFile ${path}: not a regular file`);
      target = posix.resolve(posix.dirname(target), first.linkname);
    }
    throw new Error(`readFile ${path}: too many levels of symbolic links`);
  }

  async writeFile(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const abs = path.startsWith('/') ? path : posix.join('/', path);
    const dir = posix.dirname(abs);
    const tar = packFile(posix.basename(abs), typeof content === 'string' ? Buffer.from(content, 'utf8') : content, mode);
    try {
      await this.container.putArchive(tar, { path: dir });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw new Error(`writeFile ${path}: ${(e as Error).message}`);
      // The directory does not exist yet: create it (a separate exec, so the session's state is untouched).
      await this.plainExec(['mkdir', '-p', '--', dir]);
      await this.container.putArchive(tar, { path: dir });
    }
  }

  async diff(baseCommit: string, repoDir = '/testbed'): Promise<string> {
    // `binary` attribute on every path: binary files show up as "Binary files differ" lines, which we drop
    // together with their header so the patch only carries text hunks.
    const cmd =
      `cd ${shq(repoDir)} && git add -A && git -c core.quotepath=off diff --no-color --no-ext-diff --cached ${shq(baseCommit)}`;
    const r = await this.plainExec(['bash', '-c', cmd]);
    if (r.exitCode !== 0) throw new Error(`diff in ${repoDir} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return dropBinaryDiffs(r.stdout);
  }

  /** A one-off exec outside the shell session (no state, exact stdout). */
  async plainExec(cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const ex = await this.container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      this.container.modem.demuxStream(stream, sink(out), sink(err));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    const info = await ex.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    this.stopping = (async () => {
      this.session.close();
      try {
        await this.container.remove({ force: true });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      } finally {
        untrackLive(this.id);
      }
    })();
    return this.stopping;
  }
}

function sink(into: Buffer[]): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
      into.push(chunk);
      cb();
    },
  });
}

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** Remove every file section of a git diff whose body is a "Binary files ... differ" line or a GIT binary patch. */
export function dropBinaryDiffs(diff: string): string {
  if (!diff) return diff;
  const sections = diff.split(/(?=^diff --git )/m);
  return sections
    .filter((sec) => !/^(Binary files .* differ|GIT binary patch)$/m.test(sec))
    .join('');
}
