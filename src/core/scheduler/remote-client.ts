import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonlFrom } from '../session/jsonl.js';
import type { RolloutSummary } from '../session/types.js';
import type { SchedulerControl, SchedulerSnapshot } from './types.js';
import { ACK_FILE, CONTROL_FILE, appendLine, checkLive, type ControlAck, type ControlAction, type Liveness, type LivenessOptions } from './remote-control.js';

/** The sender's side of the control channel: `swegym control` and the workbench. */

export function newCommandId(): string {
  return `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Appends a command; returns its id and where in the ack file its answer can start (acks before it are older). */
export function sendControl(dir: string, action: ControlAction, rolloutId?: string, from = `pid ${process.pid}`): { id: string; ackOffset: number } {
  const ackPath = join(dir, ACK_FILE);
  const ackOffset = existsSync(ackPath) ? statSync(ackPath).size : 0;
  const id = newCommandId();
  appendLine(join(dir, CONTROL_FILE), { id, ts: Date.now(), action, ...(rolloutId ? { rollout_id: rolloutId } : {}), from });
  return { id, ackOffset };
}

/** Polls control-ack.jsonl for the answer to `id`; undefined when none came in time. */
export async function waitForAck(dir: string, id: string, opts: { fromOffset?: number; timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {}): Promise<ControlAck | undefined> {
  const path = join(dir, ACK_FILE);
  let offset = opts.fromOffset ?? 0;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const chunk = readJsonlFrom<ControlAck>(path, offset);
    offset = chunk.end;
    const hit = chunk.items.find((a) => a && typeof a === 'object' && a.ack === id);
    if (hit) return hit;
    if (Date.now() >= deadline || opts.signal?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}

export type ControlResult =
  | { kind: 'ack'; ack: ControlAck }
  /** The process does not accept remote control: nothing was sent. */
  | { kind: 'disabled'; reason: string }
  /** No process is there, or it did not answer in time. */
  | { kind: 'no_answer'; reason: string };

/** Checks that a live process runs the session, sends the command, waits for its answer. */
export async function controlSession(dir: string, action: ControlAction, rolloutId?: string, opts: { timeoutMs?: number; from?: string } & LivenessOptions = {}): Promise<ControlResult> {
  const live = checkLive(dir, opts);
  if (!live.live) return { kind: 'no_answer', reason: live.reason };
  if (!live.controllable) return { kind: 'disabled', reason: live.reason ?? 'remote control is disabled' };
  const { id, ackOffset } = sendControl(dir, action, rolloutId, opts.from);
  const ack = await waitForAck(dir, id, { fromOffset: ackOffset, timeoutMs: opts.timeoutMs });
  if (ack) return { kind: 'ack', ack };
  const after = checkLive(dir, opts);
  return { kind: 'no_answer', reason: after.live ? `process ${live.status.pid} did not answer within ${Math.round((opts.timeoutMs ?? 10_000) / 1000)} s` : after.reason };
}

/** What a dashboard can show while no live.json is there: the session's own summaries. */
export function snapshotFromSummaries(rows: RolloutSummary[], state: SchedulerSnapshot['state'] = 'stopped'): SchedulerSnapshot {
  const ran = rows.filter((r) => r.status !== 'queued');
  const done = ran.filter((r) => r.status !== 'running' && r.status !== 'interrupted');
  const now = Date.now();
  return {
    state,
    total: rows.length,
    done: done.length,
    running: ran.filter((r) => r.status === 'running').length,
    queued: rows.length - ran.length,
    resolved: done.filter((r) => r.resolved).length,
    infra_failures: ran.filter((r) => r.status === 'infra_error').length,
    retries: 0,
    stalled: [],
    active: ran.filter((r) => r.status === 'running').map((r) => ({ ...r, heartbeat_age_ms: now - (r.last_event_at ?? r.started_at ?? now) })),
    throughput_per_min: 0,
    cost_usd: ran.reduce((a, r) => a + r.cost_usd, 0),
    tokens: ran.reduce((a, r) => a + r.prompt_tokens + r.completion_tokens, 0),
    workers: { busy: 0, max: 0 },
    endpoints: [],
    containers_swept: 0,
  };
}

export interface RemoteBatchOptions extends LivenessOptions {
  /** How often live.json is re-read while someone watches (default 500 ms). */
  pollMs?: number;
  /** How long a command waits for its acknowledgement (default 10 s). */
  ackTimeoutMs?: number;
  /** Shown while there is no live.json to read (default: an empty stopped snapshot). */
  fallback?: () => SchedulerSnapshot;
}

/**
 * A batch run by another process, seen through its session folder: snapshots from live.json, control through
 * control.jsonl. Implements SchedulerControl so the batch dashboard drives it like an in-process scheduler; the
 * answers (and refusals) arrive through onMessage.
 */
export class RemoteBatchControl implements SchedulerControl {
  private live: Liveness;
  private readonly listeners = new Set<(s: SchedulerSnapshot) => void>();
  private readonly messages = new Set<(text: string, ok: boolean) => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastKey = '';
  private closed = false;
  /** Ends the waits for answers when the follower closes (the workbench quits before an answer came). */
  private readonly closing = new AbortController();

  constructor(
    readonly dir: string,
    private readonly opts: RemoteBatchOptions = {},
  ) {
    this.live = checkLive(dir, opts);
  }

  liveness(): Liveness {
    return this.live;
  }

  isLive(): boolean {
    return this.live.live;
  }

  hasEnded(): boolean {
    return !!this.live.status?.ended;
  }

  /** Why the control keys do nothing right now, or undefined when commands reach a live process. */
  readOnlyReason(): string | undefined {
    if (!this.live.live) return this.live.reason;
    return this.live.controllable ? undefined : this.live.reason;
  }

  /** "pid 123 on host" when a process is there. */
  source(): string | undefined {
    const s = this.live.status;
    return s ? `pid ${s.pid} on ${s.host}` : undefined;
  }

  snapshot(): SchedulerSnapshot {
    const st = this.live.status;
    if (!st) return this.opts.fallback?.() ?? snapshotFromSummaries([]);
    // Heartbeat ages were measured when the file was written: add the time since.
    const since = this.live.live ? Math.max(0, (this.opts.now ?? Date.now()) - st.updated_at) : 0;
    const snap = st.snapshot;
    // A process that died without saying so is no longer running anything.
    if (!this.live.live && !st.ended) return { ...snap, state: 'stopped' };
    return since ? { ...snap, active: snap.active.map((a) => ({ ...a, heartbeat_age_ms: a.heartbeat_age_ms + since })) } : snap;
  }

  /** Re-reads live.json; tells subscribers when something changed. */
  refresh(): void {
    if (this.closed) return;
    this.live = checkLive(this.dir, this.opts);
    const s = this.live.status;
    const key = `${s?.updated_at ?? 0}|${this.live.live}|${this.readOnlyReason() ?? ''}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const snap = this.snapshot();
    for (const l of this.listeners) l(snap);
  }

  onSnapshot(cb: (s: SchedulerSnapshot) => void): () => void {
    this.listeners.add(cb);
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.refresh(), this.opts.pollMs ?? 500);
      this.timer.unref?.();
    }
    return () => {
      this.listeners.delete(cb);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  onMessage(cb: (text: string, ok: boolean) => void): () => void {
    this.messages.add(cb);
    return () => this.messages.delete(cb);
  }

  private say(text: string, ok: boolean): void {
    for (const m of this.messages) m(text, ok);
  }

  /** Sends a command and reports its answer through onMessage; resolves with the answer (undefined: none). */
  async send(action: ControlAction, rolloutId?: string): Promise<ControlAck | undefined> {
    this.refresh();
    const ro = this.readOnlyReason();
    const label = `${action.replace('_', ' ')}${rolloutId ? ` ${rolloutId}` : ''}`;
    if (ro) {
      this.say(`read-only: ${ro}`, false);
      return undefined;
    }
    const pid = this.live.status?.pid;
    const { id, ackOffset } = sendControl(this.dir, action, rolloutId, `workbench pid ${process.pid}`);
    this.say(`${label}: sent to pid ${pid}, waiting for its answer…`, true);
    const ack = await waitForAck(this.dir, id, { fromOffset: ackOffset, timeoutMs: this.opts.ackTimeoutMs ?? 10_000, signal: this.closing.signal });
    if (this.closed) return ack;
    if (!ack) this.say(`${label}: no answer from pid ${pid} within ${Math.round((this.opts.ackTimeoutMs ?? 10_000) / 1000)} s`, false);
    else this.say(`${label}: ${ack.ok ? 'ok' : 'refused'} — ${ack.message}`, ack.ok);
    this.refresh();
    return ack;
  }

  pause(): void {
    void this.send('pause');
  }

  resume(): void {
    void this.send('resume');
  }

  async stop(mode: 'graceful' | 'now'): Promise<void> {
    await this.send(mode === 'now' ? 'stop_now' : 'stop');
  }

  kill(rolloutId: string): void {
    void this.send('kill', rolloutId);
  }

  retry(rolloutId: string): void {
    void this.send('retry', rolloutId);
  }

  close(): void {
    this.closed = true;
    this.closing.abort();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.messages.clear();
  }
}
