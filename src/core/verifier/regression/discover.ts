/**
 * Finding, without any gold data, the repository's existing tests that cover what a patch touches:
 * test files that import a touched module, and test files named after it (`test_<name>.py`, `<name>_test.py`).
 * Pure functions over file lists and import lines, so they are tested without a container.
 */

/** Paths of the files a unified diff changes (new side; deleted files by their old path). */
export function patchFiles(patch: string): string[] {
  const out = new Set<string>();
  for (const m of patch.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)) out.add(m[2] === '/dev/null' ? m[1]! : m[2]!);
  if (!out.size) {
    // Diffs without git headers (plain `diff -u`): take the +++ side.
    for (const m of patch.matchAll(/^\+\+\+ (?:b\/)?(\S+)/gm)) if (m[1] !== '/dev/null') out.add(m[1]!);
  }
  return [...out];
}

export function isTestFile(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  if (!base.endsWith('.py')) return false;
  return /^test_.*\.py$/.test(base) || /_test\.py$/.test(base) || (base !== '__init__.py' && base !== 'conftest.py' && /(^|\/)tests?\//.test(path) && /^test/.test(base));
}

export interface TouchedModule {
  /** Source path, e.g. `durations/parser.py`. */
  path: string;
  /** Dotted module names it may be imported as, e.g. `durations.parser` (and `src/`-layout variants). */
  dotted: string[];
  /** Module base name, e.g. `parser` (`__init__.py` -> the package name). */
  name: string;
}

/** The non-test Python modules a patch touches. */
export function touchedModules(patch: string): TouchedModule[] {
  const out: TouchedModule[] = [];
  for (const path of patchFiles(patch)) {
    if (!path.endsWith('.py') || isTestFile(path) || /(^|\/)conftest\.py$/.test(path)) continue;
    const parts = path.replace(/\.py$/, '').split('/');
    if (parts[parts.length - 1] === '__init__') parts.pop();
    if (!parts.length) continue;
    const dotted = new Set<string>();
    // Any suffix of the path may be the import root (`src/pkg/mod.py` is imported as `pkg.mod`).
    for (let i = 0; i < parts.length; i++) dotted.add(parts.slice(i).join('.'));
    out.push({ path, dotted: [...dotted], name: parts[parts.length - 1]! });
  }
  return out;
}

/** Imported module names of one line of Python (`import a.b, c` / `from a.b import x, y` / `from . import z`). */
export function importedNames(line: string): string[] {
  const t = line.trim();
  let m = /^from\s+(\.*)([\w.]*)\s+import\s+\(?([^#]*)/.exec(t);
  if (m) {
    const base = m[2] ?? '';
    const names = (m[3] ?? '').split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!.replace(/[()\\]/g, '').trim()).filter((s) => /^\w+$/.test(s));
    const out = base ? [base, ...names.map((n) => `${base}.${n}`)] : [...names];
    return out;
  }
  m = /^import\s+([^#]+)/.exec(t);
  if (m) return m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!.trim()).filter((s) => /^[\w.]+$/.test(s));
  return [];
}

/** Does an imported name refer to the module itself or to a name inside it? */
function importsModule(imported: string, mod: TouchedModule): boolean {
  return mod.dotted.some((d) => imported === d || imported.startsWith(`${d}.`));
}

/** Dotted names a package's `__init__.py` may be imported as (`src/pkg/__init__.py` -> `src.pkg`, `pkg`). */
function packageNames(initPath: string): string[] {
  const parts = initPath.split('/').slice(0, -1);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) out.push(parts.slice(i).join('.'));
  return out;
}

/**
 * Names a package re-exports from its modules: `pkg/__init__.py` with `from .parser import parse_duration` makes
 * `pkg.parse_duration` refer to `pkg.parser`, so a test doing `from pkg import parse_duration` covers `pkg/parser.py`.
 * `from .mod import *` makes every name of the package possibly come from `pkg.mod`.
 */
export interface Reexports {
  names: Map<string, string[]>;
  stars: Map<string, string[]>;
}

export function buildReexports(inits: Map<string, string[]>): Reexports {
  const names = new Map<string, string[]>();
  const stars = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, k: string, v: string) => {
    const list = map.get(k) ?? [];
    if (!list.includes(v)) list.push(v);
    map.set(k, list);
  };
  for (const [path, lines] of inits) {
    const pkgs = packageNames(path);
    if (!pkgs.length) continue;
    for (const line of lines) {
      const m = /^\s*from\s+(\.*)([\w.]*)\s+import\s+\(?([^#]*)/.exec(line);
      if (!m) continue;
      const dots = m[1]!.length;
      const rel = m[2] ?? '';
      for (const pkg of pkgs) {
        // `from .x import` is relative to the package itself; deeper dots climb up.
        const anchor = dots ? pkg.split('.').slice(0, Math.max(0, pkg.split('.').length - (dots - 1))).join('.') : '';
        const mod = dots ? [anchor, rel].filter(Boolean).join('.') : rel;
        if (!mod) continue;
        const items = m[3]!.split(',').map((s) => s.trim().replace(/[()\\]/g, '').trim());
        for (const it of items) {
          if (it === '*') push(stars, pkg, mod);
          else {
            const [orig, alias] = it.split(/\s+as\s+/).map((x) => x.trim());
            if (orig && /^\w+$/.test(orig)) push(names, `${pkg}.${alias && /^\w+$/.test(alias) ? alias : orig}`, mod);
          }
        }
      }
    }
  }
  return { names, stars };
}

/** Imported names plus the modules they resolve to through package re-exports (two levels deep). */
function resolveNames(names: string[], re: Reexports): string[] {
  const out = new Set(names);
  let frontier = [...names];
  for (let depth = 0; depth < 2 && frontier.length; depth++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const mod of re.names.get(n) ?? []) if (!out.has(mod)) (out.add(mod), next.push(`${mod}.${n.split('.').pop()}`));
      const pkg = n.split('.').slice(0, -1).join('.');
      for (const mod of re.stars.get(pkg) ?? []) if (!out.has(mod)) (out.add(mod), next.push(`${mod}.${n.split('.').pop()}`));
    }
    frontier = next;
  }
  return [...out];
}

export interface CoveringTests {
  /** Test files, sorted. */
  files: string[];
  /** Why each file was picked: `imports durations.parser` / `named after parser`. */
  reasons: Record<string, string[]>;
}

/**
 * Test files covering the touched modules. `imports` maps a test file to its import lines (as `git grep` finds them);
 * every test file of the repository is in `testFiles`; `reexports` resolves names imported from a package.
 */
export function coveringTests(modules: TouchedModule[], testFiles: string[], imports: Map<string, string[]>, reexports?: Reexports): CoveringTests {
  const reasons: Record<string, string[]> = {};
  const add = (f: string, why: string) => {
    const list = (reasons[f] ??= []);
    if (!list.includes(why)) list.push(why);
  };
  const re = reexports ?? { names: new Map(), stars: new Map() };
  for (const f of testFiles) {
    const base = (f.split('/').pop() ?? f).replace(/\.py$/, '');
    const direct = (imports.get(f) ?? []).flatMap(importedNames);
    const resolved = direct.map((n) => ({ n, all: resolveNames([n], re) }));
    for (const mod of modules) {
      if (base === `test_${mod.name}` || base === `${mod.name}_test`) add(f, `named after ${mod.name}`);
      const hit = resolved.find((r) => r.all.some((x) => importsModule(x, mod)));
      if (hit) add(f, importsModule(hit.n, mod) ? `imports ${hit.n}` : `imports ${mod.dotted[0]} (via ${hit.n})`);
    }
  }
  return { files: Object.keys(reasons).sort(), reasons };
}

/** `git grep -n` output (`file:line:text`) grouped by file. */
export function parseGrepLines(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const l of out.split('\n')) {
    const m = /^([^:]+):(\d+):(.*)$/.exec(l);
    if (!m) continue;
    const list = map.get(m[1]!) ?? [];
    list.push(m[3]!);
    map.set(m[1]!, list);
  }
  return map;
}
