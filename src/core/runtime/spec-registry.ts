import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { EnvSpec, EnvSpecFile } from './env-spec.js';
import { jsonErrorLine, jsonPathLine } from '../dataset/json-lines.js';

/** Folder of the built-in spec files (`<repo root>/specs`), found relative to this module so it works from any cwd. */
export const BUILTIN_SPECS_DIR = fileURLToPath(new URL('../../../specs/', import.meta.url));

/**
 * A spec file that cannot be read, parsed or validated. `path` is the JSON path inside the file and `line` the line
 * (1-based) of the bad value, when known: `my.json:12: $.repos["a/b"]["1.0"].test_cmd: ...`.
 */
export class SpecFileError extends Error {
  constructor(
    readonly file: string,
    readonly path: string | undefined,
    detail: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${path ? `: ${path}` : ''}: ${detail}`);
    this.name = 'SpecFileError';
  }
}

/** No spec for a repo/version. */
export class SpecNotFoundError extends Error {
  constructor(
    readonly repo: string,
    readonly version: string,
    message: string,
  ) {
    super(message);
    this.name = 'SpecNotFoundError';
  }
}

export interface SpecOrigin {
  /** Absolute path of the file the spec was read from. */
  file: string;
  /** The file's `source` text (which harness file / version it follows). */
  source: string;
  harness_version?: string;
}

export interface SpecRegistry {
  /** The spec for repo ("owner/name", any case) at version; throws SpecNotFoundError listing known versions. */
  lookup(repo: string, version: string): EnvSpec;
  /** Where the spec used by lookup(repo, version) comes from. */
  sourceOf(repo: string, version: string): SpecOrigin;
  /** Known repos, lower-cased, sorted. */
  repos(): string[];
  /** Known versions of a repo (file order), [] when the repo is unknown. */
  versions(repo: string): string[];
  /** sha256 (hex) of the canonical JSON of the spec, for session manifests. */
  hash(repo: string, version: string): string;
  /** Files loaded, in load order (later ones override earlier ones per repo/version). */
  files(): string[];
}

interface Entry {
  spec: EnvSpec;
  origin: SpecOrigin;
}

/** Built-in spec files: every `*.json` in the specs folder, sorted by name. */
export function builtinSpecFiles(dir: string = BUILTIN_SPECS_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Load the built-in specs plus user files (`--env-spec FILE`, in order). A later file overrides an earlier one for
 * the same repo/version; other versions of that repo stay as they were.
 */
export function loadSpecRegistry(extraFiles: string[] = [], opts: { builtinDir?: string } = {}): SpecRegistry {
  const files = [...builtinSpecFiles(opts.builtinDir), ...extraFiles.map((f) => resolve(f))];
  const table = new Map<string, Map<string, Entry>>();
  for (const file of files) {
    const parsed = readSpecFile(file);
    const origin: SpecOrigin = { file, source: parsed.source, harness_version: parsed.harness_version };
    for (const [repo, versions] of Object.entries(parsed.repos)) {
      const key = repo.toLowerCase();
      let byVersion = table.get(key);
      if (!byVersion) table.set(key, (byVersion = new Map()));
      for (const [version, spec] of Object.entries(versions)) byVersion.set(version, { spec, origin });
    }
  }

  const entry = (repo: string, version: string): Entry => {
    const byVersion = table.get(repo.toLowerCase());
    if (!byVersion) {
      throw new SpecNotFoundError(
        repo,
        version,
        `no environment spec for repo ${repo}: known repos are ${[...table.keys()].sort().join(', ') || '(none)'}. ` +
          `Add one with --env-spec FILE.`,
      );
    }
    const found = byVersion.get(version);
    if (!found) {
      throw new SpecNotFoundError(
        repo,
        version,
        `no environment spec for ${repo} version ${version}: known versions are ${[...byVersion.keys()].join(', ')}. ` +
          `Add one with --env-spec FILE.`,
      );
    }
    return found;
  };

  return {
    lookup: (repo, version) => structuredClone(entry(repo, version).spec),
    sourceOf: (repo, version) => ({ ...entry(repo, version).origin }),
    repos: () => [...table.keys()].sort(),
    versions: (repo) => [...(table.get(repo.toLowerCase())?.keys() ?? [])],
    hash: (repo, version) => createHash('sha256').update(canonicalJson(entry(repo, version).spec)).digest('hex'),
    files: () => [...files],
  };
}

/** Read and validate one spec file; errors name the file, the line and the JSON path of the first bad value. */
export function readSpecFile(file: string): EnvSpecFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SpecFileError(file, undefined, `cannot read spec file: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    throw new SpecFileError(file, undefined, `invalid JSON: ${message}`, jsonErrorLine(text, message));
  }
  const result = EnvSpecFile.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // An unknown key: point at the key itself (its line), not at the object holding it.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    throw new SpecFileError(file, jsonPath(path), describeIssue(issue), jsonPathLine(text, path));
  }
  return result.data;
}

/** `$.repos["getmoto/moto"]["4.1"].test_cmd` style path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length <= 1 ? ['source', 'harness_version', 'repos'] : Object.keys(EnvSpec.shape);
    return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (known keys: ${known.join(', ')}; see docs/env-specs.md)`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `missing required key (${issue.message})`;
  // test_cmd is a string or a list: zod reports its absence as a bare "Invalid input" union failure.
  // (zod leaves out the input unless asked, so the branches' messages tell an absent value from a wrong one.)
  if (issue.code === 'invalid_union') {
    const branches = issue.errors.flat();
    if (branches.length && branches.every((e) => e.code === 'invalid_type' && e.path.length === 0)) {
      const wanted = branches.map((e) => (e as z.core.$ZodIssueInvalidType).expected).join(' or ');
      const received = /received (\w+)/.exec(branches[0]!.message)?.[1];
      if (received === 'undefined') return `missing required key (expected ${wanted})`;
      return `expected ${wanted}${received ? `, received ${received}` : ''}`;
    }
  }
  return issue.message;
}

/** JSON with object keys sorted at every level, so the hash does not depend on key order in the file. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

