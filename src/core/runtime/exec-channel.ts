import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import type Dockerode from 'dockerode';

/**
 * One process in a sandbox, as a two-way stream: bytes to its stdin, its stdout and stderr apart, its exit code.
 * Every engine provides this (a Docker exec today; a Kubernetes exec WebSocket would be another implementation),
 * and the long-lived shell (ShellSession) runs on it unchanged: its protocol never needs stdin EOF.
 */
export interface ExecChannel {
  /** The process's stdin (only when asked for). */
  readonly stdin?: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The exit code once the process has ended (-1 when the engine cannot tell). */
  readonly exit: Promise<number>;
  /** Calls back once when the channel is gone: the process ended, the connection broke, or close() was called. */
  onGone(cb: () => void): void;
  /** Ends the channel (and with it the process's stdin). Idempotent. */
  close(): void;
  /** Whether the open channel keeps Node's event loop alive (an idle shell must not; a running command must). */
  ref(on: boolean): void;
}

/** Where processes can be started: a sandbox of any engine. */
export interface ExecTarget {
  exec(argv: string[], opts?: { stdin?: boolean }): Promise<ExecChannel>;
}

/** Bytes an output stream may hold before the engine's stream is paused. */
const DEMUX_HIGH_WATER = 1024 * 1024;

/**
 * Docker's multiplexed attach stream (8-byte frame headers: stream type, payload size) split into stdout and stderr,
 * pausing the socket while a reader is behind. dockerode's demuxStream writes every frame at once whatever the
 * reader's pace, so a command printing faster than its output is consumed piled up in memory (the review's 1 GiB).
 */
export function demuxWithBackpressure(src: Duplex, stdout: PassThrough, stderr: PassThrough): void {
  let pending: Buffer = Buffer.alloc(0);
  let waiting = 0;
  const resume = () => {
    if (--waiting === 0) src.resume();
  };
  src.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const to = pending[0] === 2 ? stderr : stdout;
      const payload = pending.subarray(8, 8 + size);
      pending = pending.subarray(8 + size);
      if (!to.write(payload)) {
        waiting++;
        src.pause();
        to.once('drain', resume);
      }
    }
  });
}

/** A Docker exec as an ExecChannel: the hijacked attach stream, demultiplexed, and the exec's exit code. */
export function dockerExecTarget(container: Dockerode.Container): ExecTarget {
  return {
    async exec(argv, opts = {}) {
      const exec = await container.exec({ Cmd: argv, AttachStdin: !!opts.stdin, AttachStdout: true, AttachStderr: true, Tty: false });
      const stream = (await exec.start({ hijack: true, stdin: !!opts.stdin })) as Duplex;
      const stdout = new PassThrough({ highWaterMark: DEMUX_HIGH_WATER });
      const stderr = new PassThrough({ highWaterMark: DEMUX_HIGH_WATER });
      demuxWithBackpressure(stream, stdout, stderr);
      const gone: Array<() => void> = [];
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        stdout.end();
        stderr.end();
        for (const cb of gone.splice(0)) cb();
      };
      stream.on('end', end);
      stream.on('close', end);
      stream.on('error', end);
      const exit = new Promise<number>((resolve) => {
        const done = () =>
          exec.inspect().then(
            (i) => resolve(typeof i.ExitCode === 'number' ? i.ExitCode : -1),
            () => resolve(-1),
          );
        if (ended) void done();
        else gone.push(() => void done());
      });
      const sock = stream as Duplex & { ref?: () => void; unref?: () => void };
      return {
        ...(opts.stdin ? { stdin: stream } : {}),
        stdout,
        stderr,
        exit,
        onGone: (cb) => (ended ? cb() : gone.push(cb)),
        close: () => {
          try {
            stream.destroy();
          } catch {
            /* already gone */
          }
        },
        ref: (on) => (on ? sock.ref?.() : sock.unref?.()),
      };
    },
  };
}
