import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LiveStatusSchema } from './live-schema.js';
import { readJsonlFrom } from '../session/jsonl.js';
import { pidAlive } from '../util/process.js';
import type { SchedulerControl, SchedulerSnapshot } from './types.js';

/**
 * The file-based control channel of a running batch, in its session folder, so another process (the workbench,
 * `swegym control`) can watch and steer a batch started headless:
 *   live.json          the batch process's latest SchedulerSnapshot (atomic temp+rename, ~2/s) with pid, host, control
 *   control.jsonl      append-only commands {id, ts, action, rollout_id?}; the batch applies each new line once
 *   control-ack.jsonl  append-only answers {ack: id, ok, message}
 * Only files: it works wherever the session folder is readable and writable, and needs no port or socket.
 */

export const LIVE_FILE = 'live.json';
export const CONTROL_FILE = 'control.jsonl';
export const ACK_FILE = 'control-ack.jsonl';
/** live.json older than this (or from a dead pid, or another host) means no process is there to answer. */
export const LIVE_STALE_MS = 10_000;

export const CONTROL_ACTIONS = ['pause', 'resume', 'stop', 'stop_now', 'kill', 'retry'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const ControlCommand = z
  .object({
    id: z.string().min(1).max(200),
    ts: z.number().optional(),
    action: z.enum(CONTROL_ACTIONS),
    rollout_id: z.string().min(1).max(500).optional(),
    /** Who sent it (shown in the batch's log), e.g. "swegym control pid 123". */
    from: z.string().max(200).optional(),
  })
  .refine((c) => (c.action === 'kill' || c.action === 'retry') === (c.rollout_id !== undefined), {
    message: 'kill and retry need rollout_id; the other actions take none',
    path: ['rollout_id'],
  });
export type ControlCommand = z.infer<typeof ControlCommand>;

export interface ControlAck {
  ack: string;
  ts: number;
  ok: boolean;
  message: string;
  pid: number;
}

export interface LiveStatus {
  format: 1;
  pid: number;
  host: string;
  started_at: string;
  /** ms since the epoch of this write: followers judge freshness by it. */
  updated_at: number;
  /** Whether this process applies control.jsonl (false with --no-remote-control). */
  control: boolean;
  /** The process has finished (the snapshot is final). */
  ended: boolean;
  snapshot: SchedulerSnapshot;
}

/** live.json is only data: pid 0 or a negative pid would name a process group, never a batch process. */
function batchPidAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid);
}

/** Writes a file so a reader sees either the old or the new content, never half of one. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Appends one whole line in one write(2); a torn line left by a crashed writer is closed first so ours stays whole. */
export function appendLine(path: string, value: unknown): void {
  const fd = openSync(path, 'a+');
  try {
    const size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    writeSync(fd, prefix + JSON.stringify(value) + '\n');
  } finally {
    closeSync(fd);
  }
}

export function readLiveStatus(dir: string): { status?: LiveStatus; error?: string } {
  const p = join(dir, LIVE_FILE);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { error: `${p}: ${(e as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `${p}: not valid JSON (${(e as Error).message})` };
  }
  const r = LiveStatusSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { error: `${p}: not a live status: field '${issue.path.join('.') || '(file)'}': ${issue.message}` };
  }
  // Validated against the schema above, which spells out the LiveStatus interface.
  return { status: r.data as unknown as LiveStatus };
}

export type Liveness =
  /** A process is running the batch and publishing; `controllable` says whether it applies control.jsonl. */
  | { live: true; status: LiveStatus; controllable: boolean; reason?: string }
  | { live: false; status?: LiveStatus; reason: string };

export interface LivenessOptions {
  now?: number;
  staleMs?: number;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

/** Is a process there to answer? Fresh live.json, not ended, same host, pid alive. Otherwise: why not. */
export function judgeLiveness(status: LiveStatus | undefined, opts: LivenessOptions = {}, error?: string): Liveness {
  if (!status) return { live: false, reason: error ?? 'no batch process publishes live status for this session (no live.json)' };
  const now = opts.now ?? Date.now();
  const staleMs = opts.staleMs ?? LIVE_STALE_MS;
  const host = opts.host ?? hostname();
  const isAlive = opts.isAlive ?? batchPidAlive;
  if (status.ended) return { live: false, status, reason: `the batch process (pid ${status.pid}) has ended (${status.snapshot.state})` };
  if (status.host !== host) return { live: false, status, reason: `the batch runs on host ${status.host}; it can be controlled from that host only` };
  if (!isAlive(status.pid)) return { live: false, status, reason: `the batch process (pid ${status.pid}) is gone (crashed or killed); \`swegym resume\` continues the session` };
  const age = now - status.updated_at;
  if (age > staleMs) return { live: false, status, reason: `live.json has not been updated for ${Math.round(age / 1000)} s (process ${status.pid} hung?)` };
  if (!status.control) return { live: true, status, controllable: false, reason: `the batch process (pid ${status.pid}) was started with --no-remote-control` };
  return { live: true, status, controllable: true };
}

export function checkLive(dir: string, opts: LivenessOptions = {}): Liveness {
  const { status, error } = readLiveStatus(dir);
  return judgeLiveness(status, opts, error);
}

// ---- the batch process's side ------------------------------------------------------------------------------------

export interface RemoteControlOptions {
  /** Apply commands from control.jsonl (false: they are answered with a refusal). */
  control: boolean;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** live.json is rewritten at most this often when the snapshot changes (default 500 ms: ~2/s). */
  publishMs?: number;
  /** ...and at least this often when nothing changes, so followers can tell a quiet batch from a dead one. */
  heartbeatMs?: number;
  /** How often control.jsonl is checked for new lines. */
  pollMs?: number;
}

export interface RemoteControlHandle {
  /** Writes the final snapshot marked ended and stops watching. Idempotent. */
  close(final?: SchedulerSnapshot): void;
  /** Reads control.jsonl now (tests; the poll does it on its own). */
  poll(): void;
}

/**
 * Publishes a scheduler's snapshots to live.json and applies the commands appended to control.jsonl, acknowledging
 * each in control-ack.jsonl. Commands written before this started (an earlier run of the session) are never applied.
 */
export function startRemoteControl(dir: string, sched: SchedulerControl, opts: RemoteControlOptions): RemoteControlHandle {
  const livePath = join(dir, LIVE_FILE);
  const controlPath = join(dir, CONTROL_FILE);
  const ackPath = join(dir, ACK_FILE);
  const log = opts.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const publishMs = opts.publishMs ?? 500;
  const heartbeatMs = opts.heartbeatMs ?? 2000;
  let latest = sched.snapshot();
  let dirty = true;
  let lastWrite = 0;
  let closed = false;
  let offset = existsSync(controlPath) ? statSync(controlPath).size : 0;
  const applied = new Map<string, ControlAck>();

  const write = (ended: boolean) => {
    const status: LiveStatus = { format: 1, pid: process.pid, host: hostname(), started_at: startedAt, updated_at: Date.now(), control: opts.control, ended, snapshot: latest };
    try {
      writeAtomic(livePath, JSON.stringify(status) + '\n');
      lastWrite = status.updated_at;
      dirty = false;
    } catch (e) {
      log('warn', `cannot write ${livePath}: ${(e as Error).message}`);
    }
  };

  const ack = (id: string, ok: boolean, message: string) => {
    const a: ControlAck = { ack: id, ts: Date.now(), ok, message, pid: process.pid };
    applied.set(id, a);
    try {
      appendLine(ackPath, a);
    } catch (e) {
      log('error', `cannot write ${ackPath}: ${(e as Error).message}`);
    }
  };

  const apply = (c: ControlCommand): { ok: boolean; message: string } => {
    if (!opts.control) return { ok: false, message: 'remote control is disabled for this batch (--no-remote-control)' };
    const s = sched.snapshot();
    const over = s.state === 'stopping' || s.state === 'stopped' || s.state === 'done';
    switch (c.action) {
      case 'pause':
        if (s.state === 'paused') return { ok: true, message: 'already paused' };
        if (over) return { ok: false, message: `the batch is ${s.state}: nothing to pause` };
        sched.pause();
        return { ok: true, message: `paused: no new rollout starts; ${s.running} running continue` };
      case 'resume':
        if (s.state === 'running') return { ok: true, message: 'already running' };
        if (over) return { ok: false, message: `the batch is ${s.state}: it cannot resume (\`swegym resume\` continues a stopped session)` };
        sched.resume();
        return { ok: true, message: 'resumed' };
      case 'stop':
        if (over) return { ok: true, message: `already ${s.state}` };
        void sched.stop('graceful');
        return { ok: true, message: `stopping: no new work; ${s.running} running rollout(s) finish` };
      case 'stop_now':
        if (s.state === 'stopped' || s.state === 'done') return { ok: true, message: `already ${s.state}` };
        void sched.stop('now');
        return { ok: true, message: `stopping now: interrupting ${s.running} running rollout(s)` };
      case 'kill':
      case 'retry': {
        const id = c.rollout_id!;
        if (!s.active.some((a) => a.rollout_id === id)) {
          const running = s.active.map((a) => a.rollout_id).join(', ') || 'none';
          return { ok: false, message: `no running rollout ${id} (running: ${running})` };
        }
        if (c.action === 'retry' && over) return { ok: false, message: `the batch is ${s.state}: nothing is retried` };
        if (c.action === 'kill') sched.kill(id);
        else sched.retry(id);
        return { ok: true, message: c.action === 'kill' ? `killed ${id}` : `retrying ${id} in a fresh environment` };
      }
    }
  };

  const poll = () => {
    if (closed) return;
    let size: number;
    try {
      size = statSync(controlPath).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0; // replaced by a shorter file: read it from its start
    if (size === offset) return;
    const chunk = readJsonlFrom<unknown>(controlPath, offset);
    offset = chunk.end;
    for (const b of chunk.bad) log('warn', `${controlPath}: a line is not valid JSON (${b.error}); ignored`);
    for (const raw of chunk.items) {
      const parsed = ControlCommand.safeParse(raw);
      const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
      if (!parsed.success) {
        const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; ');
        log('warn', `${controlPath}: bad command${id ? ` ${id}` : ''}: ${why}`);
        if (id && !applied.has(id)) ack(id, false, `bad command: ${why}`);
        continue;
      }
      const c = parsed.data;
      const before = applied.get(c.id);
      if (before) {
        log('warn', `control: command ${c.id} seen again; applied once already`);
        continue;
      }
      const r = apply(c);
      log(r.ok ? 'info' : 'warn', `control${c.from ? ` from ${c.from}` : ''}: ${c.action}${c.rollout_id ? ` ${c.rollout_id}` : ''}: ${r.ok ? '' : 'refused: '}${r.message}`);
      ack(c.id, r.ok, r.message);
      dirty = true;
      latest = sched.snapshot();
    }
  };

  const offSnap = sched.onSnapshot((s) => {
    latest = s;
    dirty = true;
  });
  write(false);
  const pubTimer = setInterval(() => {
    if (closed) return;
    if (dirty || Date.now() - lastWrite >= heartbeatMs) {
      latest = dirty ? latest : sched.snapshot();
      write(false);
    }
  }, Math.min(publishMs, heartbeatMs));
  const pollTimer = setInterval(poll, opts.pollMs ?? 200);
  pubTimer.unref?.();
  pollTimer.unref?.();

  return {
    poll,
    close(final) {
      if (closed) return;
      poll(); // answer what arrived before the end, so no sender waits for nothing
      closed = true;
      clearInterval(pubTimer);
      clearInterval(pollTimer);
      offSnap();
      latest = final ?? sched.snapshot();
      write(true);
      try {
        unlinkSync(`${livePath}.tmp-${process.pid}`);
      } catch {
        /* none left */
      }
    },
  };
}
