import type { Runtime } from '../runtime/types.js';

/**
 * The candidate patch as SWE-Gym extracted it: `git add -A && git diff --no-color --cached <base>` in the repo
 * (new files included, binary files left out), through Runtime.diff. `files` lists the paths the patch touches.
 */
export async function extractPatch(runtime: Runtime, baseCommit: string, repoDir: string): Promise<{ patch: string; files: string[] }> {
  const patch = await runtime.diff(baseCommit, repoDir);
  return { patch, files: patchFiles(patch) };
}

/** Paths named by the `diff --git a/X b/Y` headers of a patch (the b side; the a side for deletions). */
export function patchFiles(patch: string): string[] {
  const files: string[] = [];
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^diff --git a\/(.*) b\/(.*)$/.exec(lines[i]);
    if (!m) continue;
    let deleted = false;
    for (let j = i + 1; j < lines.length && !lines[j].startsWith('diff --git '); j++) {
      if (lines[j].startsWith('+++ /dev/null') || lines[j].startsWith('deleted file mode')) deleted = true;
      if (lines[j].startsWith('@@')) break;
    }
    const f = deleted ? m[1] : m[2];
    if (!files.includes(f)) files.push(f);
  }
  return files;
}
