import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImageError } from './image-error.js';

const run = promisify(execFile);

/** A git bundle on the host holding the repository (made on the fly from a directory or a clone). */
export interface RepoBundle {
  path: string;
  /** Remove the bundle when it was made for this build. */
  cleanup: () => void;
}

function isGitDir(p: string): boolean {
  return existsSync(join(p, '.git')) || (existsSync(join(p, 'HEAD')) && existsSync(join(p, 'objects')));
}

/**
 * Where `repo` ("owner/name") lives under `source`: the source itself when it is a bundle or a git directory,
 * else the first of `<owner>__<name>.bundle`, `<name>.bundle`, `<owner>__<name>[.git]/`, `<owner>/<name>[.git]/`,
 * `<name>[.git]/` inside it.
 */
export function locateRepo(source: string, repo: string): string | undefined {
  if (!existsSync(source)) return undefined;
  if (statSync(source).isFile()) return source;
  if (isGitDir(source)) return source;
  const [owner, name] = repo.split('/') as [string, string];
  const flat = `${owner}__${name}`;
  const candidates = [
    `${flat}.bundle`,
    `${name}.bundle`,
    flat,
    `${flat}.git`,
    join(owner, name),
    join(owner, `${name}.git`),
    name,
    `${name}.git`,
  ];
  for (const c of candidates) {
    for (const variant of [c, c.toLowerCase()]) {
      const p = join(source, variant);
      if (!existsSync(p)) continue;
      if (statSync(p).isFile() && p.endsWith('.bundle')) return p;
      if (statSync(p).isDirectory() && isGitDir(p)) return p;
    }
  }
  return undefined;
}

async function bundleFromDir(dir: string, repo: string): Promise<RepoBundle> {
  const tmp = mkdtempSync(join(tmpdir(), 'swegym-bundle-'));
  const path = join(tmp, 'repo.bundle');
  try {
    await run('git', ['-C', dir, 'bundle', 'create', path, '--all'], { maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ImageError(`could not bundle the git repository ${dir} for ${repo}: ${(e as Error).message.trim()}`);
  }
  return { path, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/**
 * A bundle of `repo` from `source` (a `.bundle` file, a git directory, or a folder of them), or — when no source
 * is given and the network is allowed — from a clone of GitHub made on the host.
 */
export async function repoBundle(repo: string, opts: { source?: string; offline?: boolean; instanceId?: string }): Promise<RepoBundle> {
  if (opts.source) {
    const found = locateRepo(opts.source, repo);
    if (!found) {
      throw new ImageError(`no repository for ${repo} in --repo-source ${opts.source} (looked for ${repo.replace('/', '__')}.bundle, a git directory, ...)`, opts.instanceId);
    }
    if (statSync(found).isFile()) {
      const head = readFileSync(found).subarray(0, 20).toString('utf8');
      if (!head.startsWith('# v2 git bundle') && !head.startsWith('# v3 git bundle')) {
        throw new ImageError(`${found} is not a git bundle`, opts.instanceId);
      }
      return { path: found, cleanup: () => undefined };
    }
    return bundleFromDir(found, repo);
  }
  if (opts.offline ?? true) {
    throw new ImageError(`no image for this instance and no repository source to build one offline: pass --repo-source DIR (a git directory, mirror or .bundle of ${repo})`, opts.instanceId);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'swegym-clone-'));
  try {
    await run('git', ['clone', '--bare', '--quiet', `https://github.com/${repo}.git`, join(tmp, 'repo.git')], { timeout: 30 * 60_000 });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ImageError(`cloning https://github.com/${repo} failed (${(e as Error).message.trim()}); pass --repo-source DIR to build offline`, opts.instanceId);
  }
  const b = await bundleFromDir(join(tmp, 'repo.git'), repo);
  return { path: b.path, cleanup: () => (b.cleanup(), rmSync(tmp, { recursive: true, force: true })) };
}
