import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ExecChannel, ExecTarget } from './exec-channel.js';
import type { ExecOptions, ExecResult } from './types.js';
import { driverScript, KILL_CHILDREN_SCRIPT, mayChangeState, runLine } from './shell-driver.js';
import { OutputCap } from './output-cap.js';

/** Default cap on returned output (characters), head and tail kept. */
export const DEFAULT_MAX_OUTPUT_CHARS = 100_000;
/** How long to wait for the end marker after killing a command before giving up on the session. */
const KILL_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;

interface Running {
  id: number;
  cap: OutputCap;
  onOutput?: (chunk: string) => void;
  pending: string;
  endPrefix: string;
  killRequested: boolean;
  timedOut: boolean;
  interrupted: boolean;
  startedAt: number;
  finish: (exitCode: number, note?: string) => void;
}

/**
 * One attached `bash` per sandbox (an ExecChannel of any engine: a Docker exec today), speaking the protocol in shell-driver.ts.
 * Commands run one at a time (calls queue up). If the bash process dies, the next command starts a new one,
 * which restores the last saved cwd and environment from the container.
 */
export class ShellSession {
  private stream?: ExecChannel;
  private alive = false;
  private closed = false;
  private marker = '';
  private running?: Running;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readyWaiter?: { buf: string; resolve: () => void; reject: (e: Error) => void };
  private stderrBuf = '';
  /** pid of the session's bash inside the container; its only child is the running command's subshell. */
  private shellPid = 0;
  /** A kill in flight: the next command waits for it, so a late kill cannot hit the next command. */
  private killing?: Promise<void>;

  private constructor(
    private readonly target: ExecTarget,
    private readonly onDiagnostic?: (line: string) => void,
  ) {}

  static async open(target: ExecTarget, onDiagnostic?: (line: string) => void): Promise<ShellSession> {
    const s = new ShellSession(target, onDiagnostic);
    await s.connect();
    return s;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  private async connect(): Promise<void> {
    this.marker = `@@SWEGYM_${randomBytes(6).toString('hex')}_`;
    const stream = await this.target.exec(['bash', '--noprofile', '--norc'], { stdin: true });
    this.stream = stream;
    this.alive = true;
    this.stderrBuf = '';
    const outDec = new StringDecoder('utf8');
    const errDec = new StringDecoder('utf8');
    stream.stdout.on('data', (chunk: Buffer) => {
      if (this.stream === stream) this.onStdout(outDec.write(chunk));
    });
    stream.stderr.on('data', (chunk: Buffer) => {
      if (this.stream === stream) this.onStderr(errDec.write(chunk));
    });
    stream.onGone(() => {
      if (this.stream !== stream) return;
      this.alive = false;
      this.stream = undefined;
      this.readyWaiter?.reject(new Error('shell session ended before it was ready'));
      this.readyWaiter = undefined;
      this.running?.finish(-1, '\n[swegym: the shell session ended; a new one starts with the next command]');
    });

    const ready = new Promise<void>((resolve, reject) => {
      this.readyWaiter = { buf: '', resolve, reject };
    });
    stream.stdin!.write(driverScript(this.marker));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('shell session did not become ready (is bash installed in the image?)')), READY_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      this.destroyStream();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    this.setRef(false);
  }

  /** An idle session must not keep the process alive; a running command must. */
  private setRef(on: boolean): void {
    this.stream?.ref(on);
  }

  private onStdout(text: string): void {
    if (this.readyWaiter) {
      const w = this.readyWaiter;
      w.buf += text;
      const m = new RegExp(`${this.marker}R(\\d+)\n`).exec(w.buf);
      if (m) {
        this.shellPid = Number(m[1]);
        this.readyWaiter = undefined;
        w.resolve();
      }
      return;
    }
    const r = this.running;
    if (!r) return; // output of a background job between commands: nobody is listening
    r.pending += text;
    const at = r.pending.indexOf(r.endPrefix);
    if (at >= 0) {
      const nl = r.pending.indexOf('\n', at + r.endPrefix.length);
      if (nl < 0) {
        this.emit(r, r.pending.slice(0, at));
        r.pending = r.pending.slice(at);
        return;
      }
      this.emit(r, r.pending.slice(0, at));
      const code = Number.parseInt(r.pending.slice(at + r.endPrefix.length, nl), 10);
      r.pending = '';
      r.finish(Number.isFinite(code) ? code : -1);
      return;
    }
    // Emit everything except a tail that could be the start of the end marker.
    const k = r.pending.lastIndexOf('\n');
    if (k >= 0 && r.endPrefix.startsWith(r.pending.slice(k))) {
      this.emit(r, r.pending.slice(0, k));
      r.pending = r.pending.slice(k);
    } else {
      this.emit(r, r.pending);
      r.pending = '';
    }
  }

  private emit(r: Running, chunk: string): void {
    if (!chunk) return;
    r.cap.push(chunk);
    if (r.onOutput) {
      try {
        r.onOutput(chunk);
      } catch {
        /* a listener's error must not break the protocol */
      }
    }
  }

  private onStderr(text: string): void {
    this.stderrBuf += text;
    let nl: number;
    while ((nl = this.stderrBuf.indexOf('\n')) >= 0) {
      const line = this.stderrBuf.slice(0, nl);
      this.stderrBuf = this.stderrBuf.slice(nl + 1);
      if (line.trim()) this.onDiagnostic?.(line);
    }
  }

  /** SIGKILL the running command's process group (its children included) from a separate exec. */
  private async killRunning(): Promise<void> {
    try {
      const ch = await this.target.exec(['bash', '-c', KILL_CHILDREN_SCRIPT, 'kill-children', String(this.shellPid)]);
      ch.stdout.resume();
      ch.stderr.resume();
      await ch.exit;
    } catch (e) {
      this.onDiagnostic?.(`killing the running command failed: ${(e as Error).message}`);
    }
  }

  private destroyStream(): void {
    const s = this.stream;
    this.stream = undefined;
    this.alive = false;
    s?.close();
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const p = this.queue.then(() => this.execNow(command, opts));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async execNow(command: string, opts: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new Error('shell session is closed');
    const t0 = performance.now();
    if (opts.signal?.aborted) {
      return { exitCode: -1, output: '', timedOut: false, interrupted: true, omittedChars: 0, durationMs: 0 };
    }
    if (this.killing) await this.killing;
    if (!this.alive) await this.connect();
    const id = this.nextId++;
    const cap = new OutputCap(opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS);
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;

    const result = await new Promise<ExecResult>((resolve) => {
      const r: Running = {
        id,
        cap,
        onOutput: opts.onOutput,
        pending: '',
        endPrefix: `\n${this.marker}E${id} `,
        killRequested: false,
        timedOut: false,
        interrupted: false,
        startedAt: t0,
        finish: (exitCode, note) => {
          if (this.running !== r) return;
          this.running = undefined;
          this.setRef(false);
          // what was held back (it could have been the start of the end marker) is output too, for every listener
          if (r.pending && !r.pending.startsWith(r.endPrefix)) this.emit(r, r.pending);
          if (note) cap.push(note);
          const { output, omittedChars } = cap.result();
          resolve({
            exitCode,
            output,
            timedOut: r.timedOut,
            interrupted: r.interrupted,
            omittedChars,
            durationMs: performance.now() - t0,
          });
        },
      };
      const requestKill = () => {
        if (r.killRequested) return;
        r.killRequested = true;
        this.killing = this.killRunning().finally(() => (this.killing = undefined));
        graceTimer = setTimeout(() => {
          // The shell did not come back after the kill: drop it, the next command gets a fresh one.
          this.destroyStream();
          r.finish(-1, '\n[swegym: the shell did not respond after the command was killed; restarting it]');
        }, KILL_GRACE_MS);
      };
      this.running = r;
      if (opts.timeoutSec !== undefined && opts.timeoutSec > 0) {
        timer = setTimeout(() => {
          r.timedOut = true;
          requestKill();
        }, opts.timeoutSec * 1000);
      }
      if (opts.signal) {
        onAbort = () => {
          r.interrupted = true;
          requestKill();
        };
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      const line = runLine(id, command, opts.cwd, mayChangeState(command));
      const s = this.stream;
      if (!s) r.finish(-1, '\n[swegym: the shell session is not running]');
      else {
        this.setRef(true);
        s.stdin!.write(line);
      }
    });
    clearTimeout(timer);
    clearTimeout(graceTimer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    return result;
  }

  /** End the bash process (the container's removal ends it anyway). */
  close(): void {
    this.closed = true;
    this.running?.finish(-1, '\n[swegym: the shell session was closed]');
    this.destroyStream();
  }
}
