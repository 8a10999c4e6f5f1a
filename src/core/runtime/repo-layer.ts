import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { buildLayer, inspectImage } from './build-container.js';
import { withFileLock } from './file-lock.js';
import { ImageError } from './image-error.js';
import { LABELS, shortHash } from './image-key.js';
import { BuildLog, defaultBuildLogDir } from './build-log.js';
import { silentProgress, type Progress } from '../util/progress.js';

const run = promisify(execFile);

/**
 * The per-repository layer: a repository's objects kept once, so an instance layer adds only its checkout.
 *
 * The layer holds `/testbed` checked out at the branch tip (so an instance's checkout rewrites only the files that
 * differ at its base commit) and `/testbed/.git` with the default branch's history split into packs along its first-parent chain:
 * pack i holds exactly the objects reachable from boundary commit C_i and not from C_(i-1) (every K first-parent
 * commits, and the tip). An instance at base commit B keeps, unchanged, the packs whose boundary is an ancestor of B
 * (a prefix of the chain, found by binary search): together they hold exactly the objects reachable from C_j, the
 * last kept boundary, all of them ancestors' objects of B. It writes one small pack with the objects reachable from B
 * and not from C_j, and deletes every other pack. What remains is exactly the objects reachable from B: nothing of the
 * future is left (a deleted pack is a whiteout in the instance layer, not a copy), and the kept packs cost the
 * instance no bytes. Without this, the history strip's `repack -a` rewrote the whole history into every instance.
 */

/**
 * Boundaries every ceil(n/256) first-parent commits (a short history gets one per commit), and at least every this
 * many: the pack an instance writes then holds at most this many commits' worth of objects.
 */
export const CHUNK_COMMITS = 64;
export const REPO_LAYER_RECIPE = 4;

/** Builds /testbed/.git from a bundle of one branch. $1 bundle, $2 branch, $3 K. */
export const REPO_LAYER_SCRIPT = `set -euo pipefail
bundle=$1; branch=$2; K=$3
# The same git identity and settings every instance has (set once here, not copied into each instance layer).
git config --global --add safe.directory /testbed
git config --global user.email swegym@localhost
git config --global user.name swegym
git config --global advice.detachedHead false
rm -rf /testbed && mkdir -p /testbed && cd /testbed
git init -q .
git symbolic-ref HEAD "refs/heads/$branch"
git config gc.auto 0
git fetch -q --no-tags --update-head-ok "$bundle" "+refs/heads/$branch:refs/heads/$branch"
tip=$(git rev-parse --verify "refs/heads/$branch^{commit}")
gd=.git
mapfile -t chain < <(git rev-list --first-parent --reverse "$tip")
n=\${#chain[@]}
# A boundary every ceil(n/256) first-parent commits (about 256 packs), but at least every K commits.
k=$(( (n + 255) / 256 ))
if [ "$k" -gt "$K" ]; then k=$K; fi
if [ "$k" -lt 1 ]; then k=1; fi
old=$(ls $gd/objects/pack/pack-*.pack 2>/dev/null || true)
: > $gd/swegym-chunks
prev=""
emit() {
  local c=$1 h
  if [ -n "$prev" ]; then h=$(printf '%s\\n^%s\\n' "$c" "$prev" | git pack-objects --revs -q $gd/objects/pack/pack)
  else h=$(printf '%s\\n' "$c" | git pack-objects --revs -q $gd/objects/pack/pack); fi
  echo "$h $c" >> $gd/swegym-chunks
  prev=$c
}
i=$((k - 1))
while [ "$i" -lt "$n" ]; do emit "\${chain[$i]}"; i=$((i + k)); done
[ "$prev" = "$tip" ] || emit "$tip"
for p in $old; do rm -f "\${p%.pack}".*; done
rm -f $gd/FETCH_HEAD; rm -rf $gd/logs
# A checkout of the tip: an instance's checkout then rewrites only the files that differ at its base commit.
git reset -q --hard "$tip"
find /testbed -path /testbed/.git -prune -o -type d -exec chmod 777 {} +
echo "repository layer: $n first-parent commits, $(wc -l < $gd/swegym-chunks) packs of $k commits"
git count-objects -vH
`;

/**
 * The instance checkout on a repository layer. $1 base commit, $2 branch, $3 a pack file with objects the layer lacks
 * (or ''). Leaves /testbed at base with the branch pointing at it and no other ref, reflog or object.
 */
export const INSTANCE_CHECKOUT_SCRIPT = `set -euo pipefail
base=$1; branch=$2; extra=$3
cd /testbed; gd=.git
# Every process costs (a fork and exec in a loaded container): loops stay in bash builtins, files go in one rm.
if [ -n "$extra" ] && [ -s "$extra" ]; then git index-pack --stdin < "$extra" > /dev/null; fi
git cat-file -e "$base^{commit}"
# The layer's index has the stat data of another container: refresh it (no file is written), so the checkout below
# rewrites only the files that differ between the layer's tip and base, not every file it cannot trust.
git update-index -q --refresh > /dev/null || true
git -c advice.detachedHead=false checkout -q --detach "$base"
hs=()
while read -r h c; do hs+=("$h"); done < $gd/swegym-chunks
# The kept packs: the longest prefix of the chain whose boundaries are ancestors of base. The boundaries lie on one
# first-parent chain, each an ancestor of the next, so those that are ancestors of base are exactly such a prefix:
# count them among base's ancestors (one rev-list and one grep instead of a merge-base per step of a binary search).
lo=$(git rev-list "$base" | grep -c -F -x -f <(cut -d' ' -f2 $gd/swegym-chunks) || true)
keep=("\${hs[@]:0:$lo}")
if [ "$lo" -gt 0 ]; then last=$(sed -n "\${lo}p" $gd/swegym-chunks | cut -d' ' -f2); new=$(printf '%s\\n^%s\\n' "$base" "$last" | git pack-objects --revs -q $gd/objects/pack/pack)
else new=$(printf '%s\\n' "$base" | git pack-objects --revs -q $gd/objects/pack/pack); fi
# Nothing beyond the kept packs (base is a boundary): no pack of its own.
if [ -n "$(git show-index < $gd/objects/pack/pack-$new.idx | head -n 1)" ]; then keep+=("$new"); fi
declare -A kept=()
for x in "\${keep[@]}"; do kept[$x]=1; done
# Every pack file not kept (one glob over the folder; the extra pack, copied into the new one, goes too).
gone=()
for f in $gd/objects/pack/pack-*; do
  h=\${f##*/pack-}; h=\${h%%.*}
  if [ -z "\${kept[$h]:-}" ]; then gone+=("$f"); fi
done
rm -f "\${gone[@]}" $gd/swegym-chunks $gd/objects/info/packs $gd/objects/info/commit-graph $gd/objects/pack/multi-pack-index
rm -rf $gd/objects/info/commit-graphs $gd/logs
rm -f $gd/packed-refs $gd/FETCH_HEAD $gd/ORIG_HEAD
# Every ref but the branch at base: one update-ref for all of them.
git for-each-ref --format='delete %(refname)' | git update-ref --no-deref --stdin
git update-ref "refs/heads/$branch" "$base"
git symbolic-ref HEAD "refs/heads/$branch"
rm -rf $gd/logs
git config --unset gc.auto || true
if [ -n "$(git rev-list --all --not "$base" | head -n 1)" ]; then echo "checkout: commits beyond base remain" >&2; exit 1; fi
echo "checked out $base: kept $lo of \${#hs[@]} history packs"
`;

/**
 * After install steps: the same ref strip without rewriting packs, and unreachable loose objects (if install made
 * any) pruned. $1 repo dir, $2 base commit.
 */
export const LIGHT_STRIP_SCRIPT = `set -eu
cd "$1"
base=$(git rev-parse --verify "$2^{commit}")
gd=$(git rev-parse --git-dir)
branch=$(git symbolic-ref -q --short HEAD 2>/dev/null || echo main)
git update-ref --no-deref HEAD "$base"
for r in $(git remote); do git remote remove "$r"; done
git for-each-ref --format='%(refname)' | while IFS= read -r ref; do git update-ref --no-deref -d "$ref"; done
rm -f "$gd/packed-refs" "$gd/FETCH_HEAD" "$gd/ORIG_HEAD" "$gd/MERGE_HEAD" "$gd/CHERRY_PICK_HEAD" "$gd/REVERT_HEAD" "$gd/AUTO_MERGE" "$gd/objects/info/alternates"
rm -rf "$gd/logs" "$gd/refs/original" "$gd/rebase-merge" "$gd/rebase-apply" "$gd/worktrees"
mkdir -p "$gd/refs/heads" "$gd/refs/tags"
git update-ref "refs/heads/$branch" "$base"
git symbolic-ref HEAD "refs/heads/$branch"
rm -rf "$gd/logs"
if [ "$(git count-objects | cut -d' ' -f1)" != 0 ]; then git prune --expire=now; fi
if [ -n "$(git rev-list --all --not "$base" | head -n 1)" ]; then echo "strip-history: commits beyond base remain" >&2; exit 1; fi
echo "history stripped at $base"
`;

export interface RepoLayer {
  image: string;
  tip: string;
  branch: string;
}

async function git(dir: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  const r = await run('git', ['-C', dir, ...args], { maxBuffer: 64 * 1024 * 1024, ...opts });
  return r.stdout.trim();
}

/** The default branch of a git directory (HEAD's branch; `main` when HEAD is detached) and its tip. */
export async function defaultBranch(gitDir: string): Promise<{ branch: string; tip: string }> {
  const branch = await git(gitDir, ['symbolic-ref', '--short', 'HEAD']).catch(() => '');
  if (branch && (await git(gitDir, ['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`]).catch(() => ''))) {
    return { branch, tip: await git(gitDir, ['rev-parse', `refs/heads/${branch}^{commit}`]) };
  }
  // HEAD detached or unborn: the first branch there is.
  const first = (await git(gitDir, ['for-each-ref', '--count=1', '--format=%(refname:short) %(objectname)', 'refs/heads/'])).split(' ');
  if (!first[0]) throw new ImageError(`${gitDir} has no branch to build a repository layer from`);
  return { branch: first[0], tip: first[1]! };
}

export function repoLayerTag(envId: string, repo: string, tip: string): string {
  return `swegym.repo:${shortHash(JSON.stringify({ env: envId, repo: repo.toLowerCase(), tip, k: CHUNK_COMMITS, recipe: REPO_LAYER_RECIPE }))}`;
}

/** The repository layer for `repo` on `env` from `gitDir`'s default branch (built once, then reused). */
export async function ensureRepoLayer(o: {
  docker: Dockerode;
  env: { image: string; id: string };
  repo: string;
  gitDir: string;
  logDir?: string;
  progress?: Progress;
  say?: (line: string) => void;
}): Promise<RepoLayer> {
  const { branch, tip } = await defaultBranch(o.gitDir);
  const tag = repoLayerTag(o.env.id, o.repo, tip);
  if (await inspectImage(o.docker, tag)) return { image: tag, tip, branch };
  return withFileLock(`repo-${tag.split(':')[1]}`, async () => {
    if (await inspectImage(o.docker, tag)) return { image: tag, tip, branch };
    const progress = o.progress ?? silentProgress;
    const job = `repo:${tag}`;
    const log = new BuildLog(o.logDir ?? defaultBuildLogDir(), `repo-${o.repo.replace('/', '__')}`);
    progress.start({ id: job, label: `repository layer ${o.repo}`, kind: 'repo', logFile: log.path });
    if (!o.progress) o.say?.(`[swegym] building the repository layer of ${o.repo} (once per repository); its output goes to ${log.path}`);
    const tmp = mkdtempSync(join(tmpdir(), 'swegym-repo-layer-'));
    try {
      const bundle = join(tmp, 'repo.bundle');
      await run('git', ['-C', o.gitDir, 'bundle', 'create', '-q', bundle, `refs/heads/${branch}`], { maxBuffer: 64 * 1024 * 1024 });
      await buildLayer({
        docker: o.docker,
        from: o.env.image,
        tag,
        steps: [{ name: 'repository layer', script: `bash /tmp/swegym-src/repo-layer.sh /tmp/swegym-src/repo.bundle ${shq(branch)} ${CHUNK_COMMITS}\nrm -rf /tmp/swegym-src` }],
        files: { '/tmp/swegym-src/repo.bundle': readFileSync(bundle), '/tmp/swegym-src/repo-layer.sh': Buffer.from(REPO_LAYER_SCRIPT) },
        labels: { [LABELS.layerHash]: tag, [LABELS.kind]: 'repo', [LABELS.repo]: o.repo, [LABELS.envId]: o.env.id, 'io.swegym.tip': tip },
        onLog: log.line,
      });
      progress.done(job, { ok: true, summary: `built ${tag}`, logFile: log.path });
    } catch (e) {
      progress.done(job, { ok: false, summary: (e as Error).message.split('\n')[0], tail: log.tail(), logFile: log.path });
      throw e;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { image: tag, tip, branch };
  });
}

/**
 * The objects of `commit`'s history that the layer (built from `tip`) lacks, as a self-contained pack; undefined when
 * the layer has them all (the commit is an ancestor of the tip).
 */
export async function extraPack(gitDir: string, commit: string, tip: string): Promise<Buffer | undefined> {
  const ancestor = await run('git', ['-C', gitDir, 'merge-base', '--is-ancestor', commit, tip]).then(
    () => true,
    () => false,
  );
  if (ancestor) return undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'swegym-extra-'));
  try {
    const out = join(tmp, 'extra');
    const input = join(tmp, 'revs');
    writeFileSync(input, `${commit}\n^${tip}\n`);
    await run('bash', ['-c', `git -C "$1" pack-objects --revs -q --stdout < "$2" > "$3.pack"`, 'x', resolve(gitDir), input, out], { maxBuffer: 1024 * 1024 });
    return statSync(`${out}.pack`).size > 0 ? readFileSync(`${out}.pack`) : undefined;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
