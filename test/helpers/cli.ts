import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root and the real `swegym` binary the end-to-end tests drive as a user would. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to (or overriding) this process's environment. */
  env?: Record<string, string>;
  /** Called with all stdout so far on every chunk, e.g. to kill the child at a point of the run. */
  onStdout?: (soFar: string, child: ChildProcess) => void;
  /** Stop collecting stdout past this many characters (a test that makes huge output only needs its start). */
  maxStdout?: number;
}

/** Runs `swegym <args>` in a child process and collects its exit code and output. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      if (opts.maxStdout !== undefined && stdout.length >= opts.maxStdout) return;
      stdout += c;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
