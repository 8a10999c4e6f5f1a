/**
 * File lists out of unified diffs, the way the harnesses compute them. The fork uses regular expressions over the
 * whole patch text (so a matching line inside a hunk counts too); the current harness uses unidiff's PatchSet.
 * `[^\n]` stands for Python's `.`, which (unlike JavaScript's) matches "\r".
 */

/** Fork: `re.findall(r"--- a/(.*)", test_patch)`. */
export function regexModifiedFiles(patch: string): string[] {
  return [...patch.matchAll(/--- a\/([^\n]*)/g)].map((m) => m[1]);
}

/** Both harnesses: `re.findall(r"diff --git a/.* b/(.*)", test_patch)` (greedy: the last " b/" of the line). */
export function diffTargets(patch: string): string[] {
  return [...patch.matchAll(/diff --git a\/[^\n]* b\/([^\n]*)/g)].map((m) => m[1]);
}

interface PatchedFile {
  source: string;
  target: string;
}

/**
 * unidiff 0.7.x PatchSet, reduced to what the harness reads: for each file with `--- ` / `+++ ` headers, the source
 * and target file names (text before a tab). Hunk bodies are skipped by their line counts, so a removed line that
 * starts with "-- " is not mistaken for a header.
 */
export function patchSetFiles(patch: string): PatchedFile[] {
  const lines = patch.split('\n');
  const files: PatchedFile[] = [];
  const name = (s: string) => s.split('\t')[0].replace(/\r$/, '');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ ')) {
      files.push({ source: name(line.slice(4)), target: name(lines[i + 1].slice(4)) });
      i += 1;
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      let src = hunk[1] === undefined ? 1 : Number(hunk[1]);
      let tgt = hunk[2] === undefined ? 1 : Number(hunk[2]);
      while ((src > 0 || tgt > 0) && i + 1 < lines.length) {
        const body = lines[i + 1];
        if (body.startsWith('\\')) {
          i++;
          continue;
        }
        if (body.startsWith('-')) src--;
        else if (body.startsWith('+')) tgt--;
        else {
          src--;
          tgt--;
        }
        i++;
      }
    }
  }
  return files;
}

/** Current harness `get_modified_files`: sources that are not /dev/null and start with "a/", prefix removed. */
export function unidiffModifiedFiles(patch: string): string[] {
  return patchSetFiles(patch)
    .filter((f) => f.source !== '/dev/null' && f.source.startsWith('a/'))
    .map((f) => f.source.slice(2));
}

/** Current harness `get_new_files`: targets whose source is /dev/null, "b/" removed. */
export function unidiffNewFiles(patch: string): string[] {
  return patchSetFiles(patch)
    .filter((f) => f.source === '/dev/null')
    .map((f) => (f.target.startsWith('b/') ? f.target.slice(2) : f.target));
}

/** OpenHands eval_infer `process_git_patch`. Returns '' for an empty (or whitespace-only) patch. */
export function openhandsCleanPatch(patch: string | null | undefined): string {
  if (typeof patch !== 'string') return '';
  if (!patch.trim()) return '';
  let p = patch.replace(/\r\n/g, '\n');
  const lines = p.split('\n');
  const first = lines.findIndex((l) => l.startsWith('diff --git'));
  if (first >= 0) p = lines.slice(first).join('\n');
  return pyRstrip(p) + '\n';
}

/** Python str.rstrip() with no argument: strips Unicode whitespace (close enough: JS \s plus \x1c-\x1f). */
function pyRstrip(s: string): string {
  return s.replace(/[\s\x1c-\x1f\x85]+$/u, '');
}
