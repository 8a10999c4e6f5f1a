import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { onPath, ownStartTime, processAlive } from '../util/process.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { ImageError } from './image-error.js';
import { imageExists } from './build-container.js';
import { withFileLock } from './file-lock.js';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** Always in the base: the instance layer needs git, the harness needs patch, timeouts and tests need ps. */
export const REQUIRED_BASE_PACKAGES = ['git', 'patch', 'procps'];
/** When a spec names no base packages: Python and pytest from Debian. */
export const DEFAULT_BASE_PACKAGES = ['python3', 'python3-pytest'];

export function basePackages(specPackages?: string[]): string[] {
  return [...new Set([...(specPackages?.length ? specPackages : DEFAULT_BASE_PACKAGES), ...REQUIRED_BASE_PACKAGES])].sort();
}

/** `swegym.base:<hash>`: the hash covers everything that decides the root filesystem. */
export function baseImageTag(specPackages?: string[]): string {
  const key = JSON.stringify({ suite: DEBIAN_SUITE, variant: 'minbase', mirror: DEBIAN_MIRROR, packages: basePackages(specPackages) });
  return `swegym.base:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}


/** debootstrap of a minimal Debian takes a minute or two; a stalled mirror must not hold the process forever. */
const DEBOOTSTRAP_TIMEOUT_MS = 30 * 60_000;

function run(cmd: string, args: string[], onLog?: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` }, timeout: DEBOOTSTRAP_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const pipe = (s: NodeJS.ReadableStream) => {
      let buf = '';
      s.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLog?.(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    };
    pipe(p.stdout);
    pipe(p.stderr);
    p.on('error', reject);
    p.on('close', (code) => resolve(code ?? -1));
  });
}

/**
 * Make sure the debootstrap base image for these packages exists; build it when missing:
 * `debootstrap --variant=minbase --include=<pkgs> bookworm DIR <mirror>`, then import the tree as an image.
 * A machine-wide lock keeps two processes from building the same base at once.
 */
export async function ensureBaseImage(
  specPackages: string[] | undefined,
  opts: { docker: Dockerode; onLog?: (line: string) => void },
): Promise<{ image: string; built: boolean }> {
  const tag = baseImageTag(specPackages);
  if (await imageExists(opts.docker, tag)) return { image: tag, built: false };
  return withFileLock(
    `base-${tag.split(':')[1]}`,
    async () => {
      if (await imageExists(opts.docker, tag)) return { image: tag, built: false };
      if (!onPath('debootstrap')) {
        throw new ImageError(
          `the base image ${tag} is missing and debootstrap is not installed to build it: run \`apt-get install -y debootstrap\` (as root), or build/pull the instance image yourself`,
        );
      }
      if (typeof process.getuid === 'function' && process.getuid() !== 0) {
        throw new ImageError(`building the base image ${tag} with debootstrap needs root (run swegym as root once, or build the base yourself)`);
      }
      const pkgs = basePackages(specPackages);
      removeStaleRootfs(opts.onLog);
      // The owner (pid and start time) is in the name: a later build removes the tree of a killed one.
      const dir = mkdtempSync(join(tmpdir(), `${ROOTFS_PREFIX}${process.pid}-${ownStartTime() ?? '0'}-`));
      try {
        // A mirror hiccup (a reset connection, a 503 from one mirror of a pool) fails a whole debootstrap; a fresh
        // attempt into an empty tree usually gets through, so a first run does not die on one bad download.
        for (let attempt = 1; ; attempt++) {
          opts.onLog?.(`[swegym] debootstrap --variant=minbase --include=${pkgs.join(',')} ${DEBIAN_SUITE} ${dir} ${DEBIAN_MIRROR}`);
          const rc = await run('debootstrap', ['--variant=minbase', `--include=${pkgs.join(',')}`, DEBIAN_SUITE, dir, DEBIAN_MIRROR], opts.onLog);
          if (rc === 0) break;
          if (attempt >= DEBOOTSTRAP_ATTEMPTS) throw new ImageError(`debootstrap exited with code ${rc} while building ${tag}, ${attempt} attempts (is ${DEBIAN_MIRROR} reachable?)`);
          opts.onLog?.(`[swegym] debootstrap exited with code ${rc}; starting again in an empty tree (attempt ${attempt + 1} of ${DEBOOTSTRAP_ATTEMPTS})`);
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          await new Promise((r) => setTimeout(r, 5000 * attempt));
        }
        await importRootfs(opts.docker, dir, tag);
        opts.onLog?.(`[swegym] imported ${tag}`);
        return { image: tag, built: true };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => opts.onLog?.(`[swegym] waiting for process ${pid}, which is building ${tag}`) },
  );
}

const ROOTFS_PREFIX = 'swegym-rootfs-';
const DEBOOTSTRAP_ATTEMPTS = 3;

/**
 * Trees of debootstrap builds whose process was killed (SIGKILL, a reboot of the engine host is not needed): about
 * 100 MB each, left in the temp dir forever otherwise. Only trees named with an owner that is gone are removed.
 */
export function removeStaleRootfs(onLog?: (line: string) => void, root = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = new RegExp(`^${ROOTFS_PREFIX}(\\d+)-(\\d+)-`).exec(name);
    if (!m) continue;
    if (processAlive(Number(m[1]), m[2] === '0' ? undefined : m[2])) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    onLog?.(`[swegym] removed ${join(root, name)}, left by a killed base image build`);
    removed++;
  }
  return removed;
}

/** `tar -C dir -c . | docker import - tag`, through the Docker API. */
async function importRootfs(docker: Dockerode, dir: string, tag: string): Promise<void> {
  const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await importFrom(docker, tar, tag);
  } finally {
    // An import that failed (engine gone mid-import) leaves tar blocked on a pipe nobody reads: it must not keep
    // the process alive after its work is done (the review's batch hung after printing "Done").
    if (tar.exitCode === null && tar.signalCode === null) {
      tar.stdout.destroy();
      tar.kill('SIGKILL');
    }
  }
}

async function importFrom(docker: Dockerode, tar: ReturnType<typeof spawn>, tag: string): Promise<void> {
  let tarErr = '';
  tar.stderr!.on('data', (c: Buffer) => (tarErr += c.toString()));
  const [repo, t] = tag.split(':') as [string, string];
  const res = (await docker.importImage(tar.stdout! as unknown as string, {
    repo,
    tag: t,
    changes: ['ENV LANG=C.UTF-8', 'CMD ["bash"]'],
  } as object)) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(res, (err: Error | null, out: Array<{ error?: string }>) => {
      const bad = out?.find((o) => o.error);
      if (err || bad) reject(new ImageError(`docker import of ${tag} failed: ${err?.message ?? bad?.error}`));
      else resolve();
    });
  });
  const code = await new Promise<number>((r) => (tar.exitCode !== null ? r(tar.exitCode) : tar.on('close', (c) => r(c ?? -1))));
  if (code !== 0) throw new ImageError(`tar of the debootstrap tree failed (exit ${code}): ${tarErr.trim()}`);
}
