import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ExecChannel, ExecTarget } from './exec-channel.js';
import type { ExecOptions, ExecResult } from './types.js';
import { driverScript, KILLER_FUNCTION, killerScript, mayChangeState, runLine } from './shell-driver.js';
import { OutputCap } from './output-cap.js';

/** Default cap on returned output (characters), head and tail kept. */
export const DEFAULT_MAX_OUTPUT_CHARS = 100_000;
/** How long to wait for the end marker after killing a command before giving up on the session. */
const KILL_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;
/** How long a kill request may take before the killer is given up (it scans /proc: ~ms per hundred processes). */
const KILL_REQUEST_TIMEOUT_MS = 30_000;

interface Running {
  id: number;
  cap: OutputCap;
  onOutput?: (chunk: string) => void;
  pending: string;
  endPrefix: string;
  killRequested: boolean;
  /** The command's process group (its subshell's pid), from the end marker; 0 when unknown. */
  pgid: number;
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
  /** The killer shell (see killerScript), its output buffer and the requests waiting for their answer. */
  private killer?: { stream: ExecChannel; marker: string; buf: string; waiting: Map<number, () => void> };
  private nextKill = 1;
  /** Deadline reaps of ended commands (what they left running dies when their timeout would have). */
  private readonly deadlines = new Set<NodeJS.Timeout>();

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
    // The killer starts alongside the shell: it must exist before a command can exhaust the pids limit.
    const killer = this.killer ? undefined : this.startKiller().catch((e: Error) => this.onDiagnostic?.(`the killer shell did not start: ${e.message}`));
    try {
      await this.connectShell();
    } finally {
      await killer;
    }
  }

  private async startKiller(): Promise<void> {
    const marker = `@@SWEGYM_${randomBytes(6).toString('hex')}_`;
    const stream = await this.target.exec(['bash', '--noprofile', '--norc'], { stdin: true });
    const k = { stream, marker, buf: '', waiting: new Map<number, () => void>() };
    const dec = new StringDecoder('utf8');
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    stream.stdout.on('data', (chunk: Buffer) => {
      k.buf += dec.write(chunk);
      let nl: number;
      while ((nl = k.buf.indexOf('\n')) >= 0) {
        const line = k.buf.slice(0, nl);
        k.buf = k.buf.slice(nl + 1);
        if (line.startsWith(`${marker}R`)) ready();
        else if (line.startsWith(`${marker}K`)) {
          const id = Number.parseInt(line.slice(marker.length + 1), 10);
          k.waiting.get(id)?.();
          k.waiting.delete(id);
        }
      }
    });
    stream.stderr.resume();
    stream.onGone(() => {
      if (this.killer === k) this.killer = undefined;
      for (const done of k.waiting.values()) done();
      k.waiting.clear();
      ready();
    });
    stream.stdin!.write(killerScript(marker));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([isReady, new Promise<void>((r) => (timer = setTimeout(r, READY_TIMEOUT_MS)))]);
    clearTimeout(timer);
    stream.ref(false);
    this.killer = k;
  }

  private async connectShell(): Promise<void> {
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
      const [rc, pg] = r.pending.slice(at + r.endPrefix.length, nl).split(' ');
      const code = Number.parseInt(rc ?? '', 10);
      r.pgid = Number.parseInt(pg ?? '', 10) || 0;
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

  /**
   * SIGKILL what a command started (KILLER_FUNCTION): `run`: the process groups of the shell's children (the running
   * command); `deadline`: the ended command's group `pgid`; both: every process carrying the command's tag. Through
   * the killer shell, which needs no new process; a separate exec only when the killer is gone.
   */
  private async kill(mode: 'run' | 'deadline', tag: string, pgid = 0): Promise<void> {
    const args = `${mode} ${this.shellPid} '${tag}'`;
    const k = this.killer;
    if (k) {
      const id = this.nextKill++;
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => {
        k.waiting.set(id, resolve);
        timer = setTimeout(() => {
          k.waiting.delete(id);
          resolve();
        }, KILL_REQUEST_TIMEOUT_MS);
      });
      k.stream.stdin!.write(`__k ${args} ${id} ${pgid}\n`);
      await done;
      clearTimeout(timer);
      return;
    }
    try {
      const ch = await this.target.exec(['bash', '-c', `${KILLER_FUNCTION}\n__k "$@"`, 'kill', mode, String(this.shellPid), tag, '0', String(pgid)]);
      ch.stdout.resume();
      ch.stderr.resume();
      await ch.exit;
    } catch (e) {
      this.onDiagnostic?.(`killing the running command failed: ${(e as Error).message}`);
    }
  }

  /** At the command's deadline, kill whatever it left running (background jobs, a fork bomb). */
  private reapAtDeadline(tag: string, pgid: number, atMs: number): void {
    const t = setTimeout(() => {
      this.deadlines.delete(t);
      if (!this.closed) void this.kill('deadline', tag, pgid);
    }, Math.max(0, atMs - performance.now()));
    t.unref();
    this.deadlines.add(t);
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
    /** Every process the command starts carries it (runLine exports it); the killer finds them by it. */
    const tag = `${this.marker}C${id}`;
    const cap = new OutputCap(opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS);
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;

    let pgid = 0;
    const result = await new Promise<ExecResult>((resolve) => {
      const r: Running = {
        id,
        cap,
        onOutput: opts.onOutput,
        pending: '',
        endPrefix: `\n${this.marker}E${id} `,
        killRequested: false,
        pgid: 0,
        timedOut: false,
        interrupted: false,
        startedAt: t0,
        finish: (exitCode, note) => {
          if (this.running !== r) return;
          this.running = undefined;
          pgid = r.pgid;
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
        this.killing = this.kill('run', tag).finally(() => (this.killing = undefined));
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
    // What the command left running (`cmd &`, a daemon, a fork bomb) may live until its timeout, not beyond.
    if (opts.timeoutSec !== undefined && opts.timeoutSec > 0 && !result.timedOut && !result.interrupted) {
      this.reapAtDeadline(tag, pgid, t0 + opts.timeoutSec * 1000);
    }
    return result;
  }

  /** End the bash process (the container's removal ends it anyway). */
  close(): void {
    this.closed = true;
    for (const t of this.deadlines) clearTimeout(t);
    this.deadlines.clear();
    this.killer?.stream.close();
    this.killer = undefined;
    this.running?.finish(-1, '\n[swegym: the shell session was closed]');
    this.destroyStream();
  }
}
