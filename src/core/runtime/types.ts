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

/** What a rollout needs of an engine: start a sandbox, sweep sandboxes. The full lifecycle is SandboxProvider. */
export interface RuntimeProvider {
  start(opts: StartOptions): Promise<Runtime>;
  /** Remove sandboxes carrying the swegym label (and the extra labels given; see SweepOptions). Returns how many. */
  sweep(labels?: Record<string, string>, opts?: SweepOptions): Promise<number>;
}

export interface SweepOptions {
  /**
   * Only leftovers: sandboxes whose creating process (on this host) is gone. Without it, every sandbox carrying the
   * labels is removed, whoever made it (a rollout's own, an abandoned attempt's).
   */
  leftovers?: boolean;
  /** With `leftovers`: this process's own sandboxes count as leftovers too (the end of a run). */
  includeOwn?: boolean;
}

/** Sandbox limits unless a caller sets its own: 4 GiB of memory (no swap beyond it), 2 CPUs, 1024 processes. */
export const DEFAULT_LIMITS = { memoryBytes: 4 * 1024 ** 3, nanoCpus: 2e9, pidsLimit: 1024 };

/** Label put on everything swegym creates. */
export const SWEGYM_LABEL = 'io.swegym.managed';
/** The unique id of the session (or command run) that made a sandbox: what session sweeps select on. */
export const SESSION_LABEL = 'io.swegym.session';
/** Which process on which host created a sandbox: lets a sweep tell a crashed run's leftovers from live ones. */
export const PID_LABEL = 'io.swegym.pid';
export const HOST_LABEL = 'io.swegym.host';
/** Start time of the creating process (with the pid: one process, even after the pid is reused). */
export const PID_START_LABEL = 'io.swegym.pid-start';
