/**
 * An in-memory Runtime for unit tests: a file map, scripted command handling, and a git-style diff of the files
 * against their initial contents (new files included). No container, no shell.
 */
import { structuredPatch } from 'diff';
import type { ExecOptions, ExecResult, Runtime } from '../../src/core/runtime/types.js';

export type ExecHandler = (command: string, opts: ExecOptions | undefined, rt: FakeRuntime) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export class FakeRuntime implements Runtime {
  readonly id = 'fake-runtime';
  readonly image = 'fake:latest';
  readonly files = new Map<string, string>();
  private readonly initial = new Map<string, string>();
  readonly commands: string[] = [];
  stopped = false;
  diffCalls = 0;

  constructor(files: Record<string, string> = {}, private handler?: ExecHandler) {
    for (const [p, c] of Object.entries(files)) {
      this.files.set(p, c);
      this.initial.set(p, c);
    }
  }

  setHandler(h: ExecHandler) {
    this.handler = h;
  }

  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    if (this.stopped) throw new Error('runtime stopped');
    this.commands.push(command);
    const started = Date.now();
    const r = this.handler ? await this.handler(command, opts, this) : { output: '', exitCode: 0 };
    if (r.output && opts?.onOutput) opts.onOutput(r.output);
    return {
      exitCode: r.exitCode ?? 0,
      output: r.output ?? '',
      timedOut: r.timedOut ?? false,
      interrupted: r.interrupted ?? false,
      omittedChars: r.omittedChars ?? 0,
      durationMs: r.durationMs ?? Date.now() - started,
    };
  }

  async readFile(path: string): Promise<Buffer> {
    const c = this.files.get(path);
    if (c === undefined) throw Object.assign(new Error(`ENOENT: no such file: ${path}`), { code: 'ENOENT' });
    return Buffer.from(c, 'utf8');
  }

  async writeFile(path: string, content: string | Buffer): Promise<void> {
    this.files.set(path, typeof content === 'string' ? content : content.toString('utf8'));
  }

  /** Paths are shown relative to repoDir, like `git diff` inside the repo. */
  async diff(_baseCommit: string, repoDir = '/testbed'): Promise<string> {
    this.diffCalls += 1;
    const prefix = repoDir.endsWith('/') ? repoDir : repoDir + '/';
    const paths = [...new Set([...this.initial.keys(), ...this.files.keys()])].filter((p) => p.startsWith(prefix)).sort();
    let out = '';
    for (const p of paths) {
      const before = this.initial.get(p);
      const after = this.files.get(p);
      if (before === after) continue;
      const rel = p.slice(prefix.length);
      out += `diff --git a/${rel} b/${rel}\n`;
      if (before === undefined) out += 'new file mode 100644\n';
      if (after === undefined) out += 'deleted file mode 100644\n';
      out += `--- ${before === undefined ? '/dev/null' : 'a/' + rel}\n+++ ${after === undefined ? '/dev/null' : 'b/' + rel}\n`;
      const patch = structuredPatch(rel, rel, before ?? '', after ?? '', '', '', { context: 3 });
      for (const h of patch.hunks) {
        out += `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n` + h.lines.join('\n') + '\n';
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}
