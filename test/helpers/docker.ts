/** Shared helpers for tests on the real Docker engine. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { DockerProvider, type DockerProviderOptions } from '../../src/core/runtime/docker.js';
import { SWEGYM_LABEL } from '../../src/core/runtime/types.js';

/** The dev base image (Debian bookworm minbase + python3, pytest, git, patch, procps). */
export const TEST_IMAGE = process.env.SWEGYM_TEST_IMAGE ?? 'swegym-base:dev';
/** Label put on every container a test makes, so a test can check that none is left behind. */
export const TEST_LABEL = 'io.swegym.test';

export const docker = new Dockerode();

export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** A provider whose containers carry `io.swegym.test=<run>`: sweeps and checks only ever touch this test's own. */
export function testProvider(run: string, defaults?: DockerProviderOptions['defaults']) {
  const provider = new DockerProvider({ docker, sessionId: run, defaults });
  return { provider, labels: { [TEST_LABEL]: run } };
}

/** Containers still present with the swegym label and these labels. */
export async function leftoverContainers(labels: Record<string, string>): Promise<string[]> {
  const filters = { label: [`${SWEGYM_LABEL}=1`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
  const found = await docker.listContainers({ all: true, filters });
  return found.map((c) => c.Id);
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

export interface TinyRepo {
  dir: string;
  /** The commit tasks start from. */
  base: string;
  /** Commits after base (on main and on a side branch): the "future" that must not be visible. */
  future: string[];
  cleanup: () => void;
}

/**
 * A small git repository with history on both sides of the base commit: two commits before it, a later commit
 * on main with a tag, a side branch and a stash — everything history stripping must remove.
 */
export function makeTinyRepo(): TinyRepo {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-tiny-'));
  git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', '__init__.py'), 'def add(a, b):\n    return a + b\n');
  writeFileSync(join(dir, 'README.md'), '# tiny\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'first');
  git(dir, 'tag', 'v0.1');
  writeFileSync(join(dir, 'pkg', 'mul.py'), 'def mul(a, b):\n    return a * b\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'second');
  const base = git(dir, 'rev-parse', 'HEAD');
  writeFileSync(join(dir, 'pkg', 'fix.py'), 'SECRET_FIX = True\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'the future fix');
  const later = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'tag', '-a', 'v0.2', '-m', 'release with the fix');
  git(dir, 'checkout', '-q', '-b', 'side', base);
  writeFileSync(join(dir, 'side.txt'), 'side\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'side branch work');
  const side = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', 'main');
  writeFileSync(join(dir, 'README.md'), '# tiny (stashed edit)\n');
  git(dir, 'stash', '-q');
  const stash = git(dir, 'rev-parse', 'refs/stash');
  return { dir, base, future: [later, side, stash], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Removes a swegym build by its plain name (`sweb.eval.x86_64.<id>`): `:latest` and every content-keyed `:sg-*` tag. */
export async function removeBuilds(name: string): Promise<void> {
  const { removeBuildsOf } = await import('../../src/core/runtime/image-admin.js');
  await removeBuildsOf(docker, name).catch(() => undefined);
}

/** Removes the repository layers (`swegym.repo:*`) built from a branch whose tip is `tip` (a test's own repository). */
export async function removeRepoLayers(tip: string): Promise<void> {
  const imgs = await docker.listImages({ filters: { label: [`io.swegym.tip=${tip}`] } });
  for (const img of imgs) for (const t of img.RepoTags ?? []) await docker.getImage(t).remove().catch(() => undefined);
}
