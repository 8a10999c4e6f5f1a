import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ExecOptions, ExecResult, Runtime } from '../../src/core/runtime/types.js';

/**
 * A Runtime on the host for unit tests of the tools: commands run in a real bash (cwd fixed to `root`), files go
 * through node's fs. Not a container: only for tests that need no isolation (temp directories the test owns).
 */
export class LocalRuntime implements Runtime {
  readonly id = `local-${process.pid}-${Math.random().toString(36).slice(2)}`;
  readonly image = 'host';
  constructor(private readonly root: string) {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', command], { cwd: opts.cwd ?? this.root, detached: true });
      let output = '';
      let timedOut = false;
      let interrupted = false;
      const onData = (b: Buffer) => {
        const s = b.toString('utf8');
        output += s;
        opts.onOutput?.(s);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const kill = () => {
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          /* gone */
        }
      };
      const timer = opts.timeoutSec ? setTimeout(() => ((timedOut = true), kill()), opts.timeoutSec * 1000) : undefined;
      const onAbort = () => ((interrupted = true), kill());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('close', (code, sig) => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ exitCode: code ?? (sig ? 130 : 1), output, timedOut, interrupted, omittedChars: 0, durationMs: Date.now() - t0 });
      });
    });
  }

  readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async writeFile(path: string, content: string | Buffer, mode?: number): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    if (mode !== undefined) await chmod(path, mode);
  }

  async diff(baseCommit: string, repoDir?: string): Promise<string> {
    const r = await this.exec(`git add -A && git diff --no-color --cached ${baseCommit}`, { cwd: repoDir ?? this.root });
    return r.output;
  }

  async stop(): Promise<void> {}
}
