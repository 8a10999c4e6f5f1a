import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ImageError } from './image-error.js';
import { withFileLock } from './file-lock.js';

const run = promisify(execFile);

/**
 * `--repo-source PATH` finds the repository of an instance by its base commit. PATH may be:
 *   - a git directory (a working clone or a bare mirror),
 *   - a git bundle file (`*.bundle`),
 *   - a folder holding any of those, directly or one level down (`owner/name`), with any names.
 * The first git directory or bundle that has the base commit is used. Folder entries whose name matches the
 * repository (`owner__name`, `owner/name`, `name`, with or without `.git` / `.bundle`, any case) are tried first, so a
 * well-named folder is fast; names only order the search, the commit decides. Bundles are unpacked once into a cache
 * (`$SWEGYM_REPO_CACHE`, default `~/.cache/swegym/repos`) so they can be searched and sliced.
 *
 * What goes into the image is a bundle of the base commit and its ancestors only (never `--all` refs: no branches,
 * tags or pull refs, nothing after the base commit).
 */
export const REPO_SOURCE_LAYOUTS = [
  'a git directory (working clone or bare mirror) of the repository',
  'a git bundle file of it (*.bundle)',
  'a folder of git directories and/or bundles, any names, one or two levels deep (owner/name); names like owner__name, owner/name or name are searched first',
];

/** A git bundle on the host holding the repository (made on the fly from a directory or a clone). */
export interface RepoBundle {
  path: string;
  /** Remove the bundle when it was made for this build. */
  cleanup: () => void;
}

export function repoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWEGYM_REPO_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'swegym', 'repos');
}

function isGitDir(p: string): boolean {
  try {
    return statSync(p).isDirectory() && (existsSync(join(p, '.git')) || (existsSync(join(p, 'HEAD')) && existsSync(join(p, 'objects'))));
  } catch {
    return false;
  }
}

function isBundleFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    const fd = openSync(p, 'r');
    const buf = Buffer.alloc(20);
    readSync(fd, buf, 0, 20, 0);
    closeSync(fd);
    const head = buf.toString('utf8');
    return head.startsWith('# v2 git bundle') || head.startsWith('# v3 git bundle');
  } catch {
    return false;
  }
}

/** Names a folder entry may have for `repo`, lower-cased: owner__name, name, each with .git/.bundle. */
function nameMatches(entry: string, repo: string): boolean {
  const [owner, name] = repo.toLowerCase().split('/') as [string, string];
  const e = entry.toLowerCase().replace(/\.(git|bundle)$/, '');
  return e === `${owner}__${name}` || e === name || e === `${owner}/${name}`;
}

/** Every git directory and bundle under `source` (itself, or entries one and two levels down), name matches first. */
export function repoCandidates(source: string, repo: string): string[] {
  if (!existsSync(source)) return [];
  if (isGitDir(source) || isBundleFile(source)) return [source];
  if (!statSync(source).isDirectory()) return [];
  const found: Array<{ path: string; rel: string }> = [];
  const list = (dir: string) => {
    try {
      return readdirSync(dir).sort();
    } catch {
      return [];
    }
  };
  for (const a of list(source)) {
    const p = join(source, a);
    if (isGitDir(p) || isBundleFile(p)) found.push({ path: p, rel: a });
    else if (statSync(p).isDirectory()) {
      for (const b of list(p)) {
        const q = join(p, b);
        if (isGitDir(q) || isBundleFile(q)) found.push({ path: q, rel: `${a}/${b}` });
      }
    }
  }
  const named = found.filter((f) => nameMatches(f.rel, repo) || nameMatches(basename(f.rel), repo));
  return [...named, ...found.filter((f) => !named.includes(f))].map((f) => f.path);
}

async function hasCommit(gitDir: string, commit: string): Promise<boolean> {
  try {
    await run('git', ['-C', gitDir, 'cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** A bare repository in the cache holding every ref of `bundle` (made once per bundle file content). */
export async function unpackedBundle(bundle: string): Promise<string> {
  const st = statSync(bundle);
  const key = createHash('sha256').update(`${resolve(bundle)}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(repoCacheDir(), `${basename(bundle).replace(/[^A-Za-z0-9._-]/g, '_')}-${key}.git`);
  if (existsSync(join(dir, 'swegym-complete'))) return dir;
  return withFileLock(`repo-cache-${key}`, async () => {
    if (existsSync(join(dir, 'swegym-complete'))) return dir;
    mkdirSync(repoCacheDir(), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      await run('git', ['init', '-q', '--bare', tmp]);
      await run('git', ['-C', tmp, 'fetch', '-q', '--no-tags', resolve(bundle), '+refs/*:refs/*'], { maxBuffer: 64 * 1024 * 1024 });
      // The bundle's HEAD names the default branch, when it records one.
      const heads = (await run('git', ['bundle', 'list-heads', resolve(bundle)])).stdout;
      const headSha = /^([0-9a-f]{40}) HEAD$/m.exec(heads)?.[1];
      const branch = headSha ? new RegExp(`^${headSha} (refs/heads/\\S+)$`, 'm').exec(heads)?.[1] : undefined;
      if (branch) await run('git', ['-C', tmp, 'symbolic-ref', 'HEAD', branch]);
      await run('touch', [join(tmp, 'swegym-complete')]);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new ImageError(`could not read the git bundle ${bundle}: ${(e as Error).message.trim()}`);
    }
    return dir;
  });
}

/**
 * The git directory under `source` that has `commit`, searched as REPO_SOURCE_LAYOUTS says. Throws an ImageError
 * naming the repository, the commit and every place looked at when none has it.
 */
export async function findRepoByCommit(source: string, repo: string, commit: string, instanceId?: string): Promise<{ gitDir: string; from: string }> {
  if (!existsSync(source)) throw new ImageError(`--repo-source ${source} does not exist (looking for ${repo} at commit ${commit})`, instanceId);
  const candidates = repoCandidates(source, repo);
  if (candidates.length === 0) {
    throw new ImageError(
      `--repo-source ${source} holds no git directory or bundle (looking for ${repo} at commit ${commit}); it may be ${REPO_SOURCE_LAYOUTS.join('; or ')}`,
      instanceId,
    );
  }
  const looked: string[] = [];
  // Git directories first (a cheap lookup), then bundles (unpacked into the cache on first use).
  for (const pass of ['dir', 'bundle'] as const) {
    for (const c of candidates) {
      if ((pass === 'dir') !== isGitDir(c)) continue;
      let gitDir = c;
      try {
        if (pass === 'bundle') gitDir = await unpackedBundle(c);
      } catch (e) {
        looked.push(`${c} (unreadable: ${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      if (await hasCommit(gitDir, commit)) return { gitDir, from: c };
      looked.push(c);
    }
  }
  const named = looked.filter((l) => nameMatches(basename(l.split(' (')[0]!), repo));
  throw new ImageError(
    `commit ${commit} of ${repo} is not in --repo-source ${source}: looked in ${looked.join(', ')}` +
      (named.length ? `. ${named.join(', ')} has the repository's name but not this commit (an older mirror? fetch it)` : ''),
    instanceId,
  );
}

/**
 * A bundle holding `commit` and its ancestors only, on the default branch's name (so a clone checks it out as that
 * branch, as the official images have it). Nothing after the commit, no other refs.
 */
export async function bundleOfCommit(gitDir: string, commit: string, repo: string, instanceId?: string): Promise<RepoBundle> {
  const tmp = mkdtempSync(join(tmpdir(), 'swegym-bundle-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const branch = await run('git', ['-C', gitDir, 'symbolic-ref', '--short', 'HEAD']).then((r) => r.stdout.trim() || 'main', () => 'main');
    const slice = join(tmp, 'slice.git');
    await run('git', ['init', '-q', '--bare', slice]);
    await run('git', ['-C', slice, 'fetch', '-q', '--no-tags', resolve(gitDir), `${commit}:refs/heads/${branch}`], { maxBuffer: 64 * 1024 * 1024 });
    await run('git', ['-C', slice, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    const path = join(tmp, 'repo.bundle');
    await run('git', ['-C', slice, 'bundle', 'create', '-q', path, 'HEAD', `refs/heads/${branch}`], { maxBuffer: 64 * 1024 * 1024 });
    rmSync(slice, { recursive: true, force: true });
    return { path, cleanup };
  } catch (e) {
    cleanup();
    throw new ImageError(`could not bundle commit ${commit} of ${repo} from ${gitDir}: ${(e as Error).message.trim()}`, instanceId);
  }
}

/**
 * A git directory holding `commit` of `repo`: found under `source` (see REPO_SOURCE_LAYOUTS), or, when no source is
 * given and the network is allowed, a clone of GitHub made on the host (removed by `cleanup`).
 */
export async function repoDir(
  repo: string,
  opts: { source?: string; offline?: boolean; instanceId?: string; commit: string },
): Promise<{ gitDir: string; cleanup: () => void }> {
  if (opts.source) {
    const { gitDir } = await findRepoByCommit(opts.source, repo, opts.commit, opts.instanceId);
    return { gitDir, cleanup: () => undefined };
  }
  if (opts.offline ?? true) {
    throw new ImageError(
      `no image for this instance and no repository source to build one offline: pass --repo-source PATH (${REPO_SOURCE_LAYOUTS[0]}, ${REPO_SOURCE_LAYOUTS[1]}, or ${REPO_SOURCE_LAYOUTS[2]}) holding ${repo} at commit ${opts.commit}`,
      opts.instanceId,
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'swegym-clone-'));
  try {
    await run('git', ['clone', '--bare', '--quiet', `https://github.com/${repo}.git`, join(tmp, 'repo.git')], { timeout: 30 * 60_000 });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ImageError(`cloning https://github.com/${repo} failed (${(e as Error).message.trim()}); pass --repo-source PATH to build offline`, opts.instanceId);
  }
  if (!(await hasCommit(join(tmp, 'repo.git'), opts.commit))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ImageError(`commit ${opts.commit} is not in https://github.com/${repo}`, opts.instanceId);
  }
  return { gitDir: join(tmp, 'repo.git'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}
