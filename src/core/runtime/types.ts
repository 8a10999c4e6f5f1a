/** Where commands run. Docker now; remote engines later. Everything an agent or the harness does goes through this. */

export interface ExecOptions {
  /** Seconds before the command (and its children) is killed; the shell session survives. */
  timeoutSec?: number;
  /** Live output as it arrives (already decoded; NOT sanitised: callers render through the sanitiser). */
  onOutput?: (chunk: string) => void;
  /** Cap on the returned output: head and tail are kept, the middle counted in `omittedChars`. */
  maxOutputChars?: number;
  /** Working directory for this command only (default: the session's current directory). */
  cwd?: string;
  /** AbortSignal: interrupts the command like a timeout does. */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
  interrupted: boolean;
  omittedChars: number;
  durationMs: number;
}

export interface Runtime {
  /** Container id (or the remote engine's handle). */
  readonly id: string;
  readonly image: string;
  /** Run a bash command in the long-lived shell session: cwd and env persist between calls. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** `git add -A && git diff --no-color --cached <base>` in the repo (new files included, binary left out). */
  diff(baseCommit: string, repoDir?: string): Promise<string>;
  /** Remove the container. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  image: string;
  /** Labels added to the standard swegym labels (session, rollout, role). */
  labels?: Record<string, string>;
  name?: string;
  memoryBytes?: number;
  nanoCpus?: number;
  pidsLimit?: number;
  env?: Record<string, string>;
  workdir?: string;
}

export interface RuntimeProvider {
  start(opts: StartOptions): Promise<Runtime>;
  /** Remove containers carrying the swegym label (optionally only those matching extra labels). Returns how many. */
  sweep(labels?: Record<string, string>): Promise<number>;
}

/** Label put on everything swegym creates. */
export const SWEGYM_LABEL = 'io.swegym.managed';
