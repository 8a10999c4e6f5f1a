/**
 * Files the Moatless code tools read and edit. Two layers:
 * - `CodeSource` (async): where the checkout lives, on the host (`hostSource`) or inside the rollout container
 *   (`runtimeSource`, every read and write goes through the Runtime, so agent edits land in the container).
 * - `FileRepository` (sync, in memory): the fork's `FileRepository`/`CodeFile` with parse-on-first-use. Rendering and
 *   editing are synchronous in the fork, so the checkout's files are loaded into memory once (`loadRepository`) and
 *   edits are written back through the source.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { listEntries } from '../runtime/tar.js';
import type { Runtime } from '../runtime/types.js';
import type { Module } from './codeblock.js';
import { CodeParseError } from './codeblock.js';
import { parseModule } from './parser.js';

const execFileP = promisify(execFile);

export interface CodeSource {
  /** What this is, for logs and the index cache key (e.g. `host:/path` or `container:<id>:/testbed`). */
  readonly description: string;
  /** Repo-relative paths of tracked and untracked-but-not-ignored files (what `git ls-files` lists). */
  listFiles(): Promise<string[]>;
  /** Contents of the given files (missing ones left out), decoded as UTF-8. */
  readFiles(paths: string[]): Promise<Map<string, string>>;
  writeFile(path: string, content: string): Promise<void>;
  /** `git rev-parse HEAD` of the checkout. */
  headCommit(): Promise<string>;
}

/** A checkout on the host. */
export function hostSource(dir: string): CodeSource {
  const git = async (args: string[]) => (await execFileP('git', ['-C', dir, ...args], { maxBuffer: 256 << 20 })).stdout;
  return {
    description: `host:${dir}`,
    async listFiles() {
      const out = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
      return out.split('\0').filter(Boolean);
    },
    async readFiles(paths) {
      const out = new Map<string, string>();
      await Promise.all(paths.map(async (p) => {
        try {
          out.set(p, await readFile(join(dir, p), 'utf8'));
        } catch {
          // missing or unreadable: left out, as the fork's get_file returns None
        }
      }));
      return out;
    },
    async writeFile(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content, 'utf8');
    },
    async headCommit() {
      return (await git(['rev-parse', 'HEAD'])).trim();
    },
  };
}

function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * A checkout inside the rollout container: listing and bulk reads are one `git ls-files | tar | base64` exec each
 * (a per-file archive call would cost a round trip per file), writes go through `Runtime.writeFile`.
 */
export function runtimeSource(runtime: Runtime, repoDir: string): CodeSource {
  const run = async (cmd: string) => {
    const r = await runtime.exec(cmd, { cwd: repoDir, timeoutSec: 300, maxOutputChars: 1 << 30 });
    if (r.exitCode !== 0) throw new Error(`in container ${runtime.id} (${repoDir}): \`${cmd.slice(0, 120)}\` exited ${r.exitCode}: ${r.output.slice(-400)}`);
    return r.output;
  };
  return {
    description: `container:${runtime.id}:${repoDir}`,
    async listFiles() {
      // -z: paths unquoted (git quotes non-ASCII names otherwise), NUL-separated.
      const out = await run('git ls-files -z --cached --others --exclude-standard | base64 -w0');
      return Buffer.from(out.trim(), 'base64').toString('utf8').split('\0').filter(Boolean);
    },
    async readFiles(paths) {
      const out = new Map<string, string>();
      if (!paths.length) return out;
      // The list goes in through a file so no command line gets too long.
      const listFile = `/tmp/.swegym-code-${process.pid}-${Date.now()}.lst`;
      await runtime.writeFile(listFile, paths.join('\0') + '\0');
      const b64 = await run(`tar --ignore-failed-read --null -T ${shq(listFile)} -cf - 2>/dev/null | base64 -w0; rm -f ${shq(listFile)}`);
      for (const e of listEntries(Buffer.from(b64.trim(), 'base64'))) if (e.type === 'file') out.set(e.name, e.content.toString('utf8'));
      return out;
    },
    async writeFile(path, content) {
      await runtime.writeFile(path.startsWith('/') ? path : `${repoDir.replace(/\/$/, '')}/${path}`, content);
    },
    async headCommit() {
      return (await run('git rev-parse HEAD')).trim();
    },
  };
}

/** The fork's `CodeFile`: content plus the parsed module (null for non-Python files or files that fail to parse). */
export interface CodeFile {
  filePath: string;
  content: string;
  module: Module | null;
  /** Set when parsing failed (the fork raises; we keep the file readable and say why). */
  parseError?: string;
  dirty: boolean;
}

export function isPythonPath(path: string): boolean {
  return path.endsWith('.py');
}

export function makeCodeFile(filePath: string, content: string): CodeFile {
  if (!isPythonPath(filePath)) return { filePath, content, module: null, dirty: false };
  try {
    return { filePath, content, module: parseModule(content), dirty: false };
  } catch (e) {
    if (e instanceof CodeParseError) return { filePath, content, module: null, parseError: e.message, dirty: false };
    throw e;
  }
}

/** In-memory, parse-on-first-use file store over a snapshot of the checkout (`FileRepository` in the fork). */
export class FileRepository {
  private readonly parsed = new Map<string, CodeFile>();

  constructor(private readonly contents: Map<string, string>, readonly source?: CodeSource) {}

  get paths(): string[] {
    return [...this.contents.keys()];
  }

  hasFile(path: string): boolean {
    return this.contents.has(path);
  }

  getFile(path: string): CodeFile | null {
    let f = this.parsed.get(path);
    if (!f) {
      const content = this.contents.get(path);
      if (content === undefined) return null;
      f = makeCodeFile(path, content);
      this.parsed.set(path, f);
    }
    return f;
  }

  /** Put an already parsed file in the cache (the index parses every file once while it builds). */
  seed(file: CodeFile): void {
    if (this.contents.get(file.filePath) === file.content && !this.parsed.has(file.filePath)) this.parsed.set(file.filePath, file);
  }

  /** Replace a file's content and module in memory (after a validated edit); `save` writes dirty files out. */
  setFile(file: CodeFile): void {
    this.contents.set(file.filePath, file.content);
    this.parsed.set(file.filePath, file);
  }

  /**
   * `save_file(file_path)` as EditCode calls it after an accepted edit: without explicit content the fork writes
   * `module.to_string()` (equal to the content whenever the parse round-trips), falling back to the content.
   */
  async saveFile(path: string, content?: string): Promise<void> {
    const f = this.getFile(path);
    if (!f) throw new Error(`cannot save ${path}: not in the repository`);
    if (!this.source) throw new Error(`cannot save ${path}: the repository has no source to write to`);
    await this.source.writeFile(path, content ?? (f.module ? f.module.toString() : f.content));
    f.dirty = false;
  }

  /** `save()`: writes every dirty file's content (the end-of-run flush before `git diff`). */
  async save(): Promise<void> {
    for (const f of this.parsed.values()) {
      if (!f.dirty) continue;
      if (!this.source) throw new Error(`cannot save ${f.filePath}: the repository has no source to write to`);
      await this.source.writeFile(f.filePath, f.content);
      f.dirty = false;
    }
  }
}

/** Load the checkout's files into a FileRepository: the Python files by default (all Moatless parses or indexes). */
export async function loadRepository(source: CodeSource, filter: (path: string) => boolean = isPythonPath): Promise<FileRepository> {
  const paths = (await source.listFiles()).filter(filter);
  return new FileRepository(await source.readFiles(paths), source);
}
