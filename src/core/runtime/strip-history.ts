import type { Runtime } from './types.js';

/**
 * The agent must not see the future: after this script the repository holds base_commit and its ancestors only.
 * No other branches, tags, remotes, reflog, stash, notes, replace refs, packed refs or unreachable objects
 * (`git rev-list --all` = ancestors of base). The work tree is left as it is (the caller resets it).
 * Arguments: $1 = repo dir, $2 = base commit.
 */
export const STRIP_HISTORY_SCRIPT = `set -eu
cd "$1"
git config --global --add safe.directory "$1" 2>/dev/null || true
base=$(git rev-parse --verify "$2^{commit}")
gd=$(git rev-parse --git-dir)
branch=$(git symbolic-ref -q --short HEAD 2>/dev/null || echo main)
# Move HEAD to base without touching the work tree, then drop every ref, remote and log.
git update-ref --no-deref HEAD "$base"
for r in $(git remote); do git remote remove "$r"; done
git for-each-ref --format='%(refname)' | while IFS= read -r ref; do git update-ref --no-deref -d "$ref"; done
rm -f "$gd/packed-refs" "$gd/FETCH_HEAD" "$gd/ORIG_HEAD" "$gd/MERGE_HEAD" "$gd/CHERRY_PICK_HEAD" "$gd/REVERT_HEAD" "$gd/AUTO_MERGE" "$gd/objects/info/alternates"
rm -rf "$gd/logs" "$gd/refs/original" "$gd/rebase-merge" "$gd/rebase-apply" "$gd/worktrees"
mkdir -p "$gd/refs/heads" "$gd/refs/tags"
git update-ref "refs/heads/$branch" "$base"
git symbolic-ref HEAD "refs/heads/$branch"
rm -rf "$gd/logs"
git reflog expire --expire=now --expire-unreachable=now --all 2>/dev/null || true
# Repack what is reachable and drop the rest (packed and loose).
git -c gc.auto=0 -c repack.writeBitmaps=false repack -a -d -q
git prune --expire=now
rm -rf "$gd/logs"
if [ -n "$(git rev-list --all --not "$base" | head -n 1)" ]; then echo "strip-history: commits beyond base remain" >&2; exit 1; fi
echo "history stripped at $base"
`;

/**
 * Strip everything beyond `baseCommit` from the repository in `repoDir` (used at image build and when a
 * rollout starts on a pulled image). Throws with the script's output when it fails.
 */
export async function stripHistory(runtime: Runtime, baseCommit: string, repoDir = '/testbed'): Promise<void> {
  await runtime.writeFile('/tmp/swegym-strip-history.sh', STRIP_HISTORY_SCRIPT, 0o755);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = await runtime.exec(`bash /tmp/swegym-strip-history.sh ${q(repoDir)} ${q(baseCommit)}; rc=$?; rm -f /tmp/swegym-strip-history.sh; exit $rc`, {
    timeoutSec: 600,
  });
  if (r.exitCode !== 0) throw new Error(`stripping git history in ${repoDir} failed (exit ${r.exitCode}): ${r.output.trim()}`);
}
