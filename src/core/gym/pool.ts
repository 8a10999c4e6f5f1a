import { totalmem } from 'node:os';
import type { TaskRecord } from '../dataset/schema.js';
import type { PreparedEnv } from './prepare.js';

export interface WarmPoolOptions {
  /** Brings one environment up (container started, repo ready). */
  prepare: (task: TaskRecord) => Promise<PreparedEnv>;
  /** Warm environments kept per instance (default 1). */
  perInstance?: number;
  /** Warm environments kept in total, before the memory bound (default 4). */
  total?: number;
  /** Memory the pool may hold (default a quarter of the machine's memory). */
  memoryBudgetBytes?: number;
  /** What one idle environment is counted as against the budget (default 256 MiB). */
  bytesPerEnv?: number;
  /** A warm environment nobody took for this long is removed (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Preparations running at once (default 2: container starts are CPU-bound on small machines). */
  parallel?: number;
  onError?: (instanceId: string, e: unknown) => void;
}

export interface PoolStats {
  warm: number;
  starting: number;
  limit_total: number;
  limit_per_instance: number;
  hits: number;
  misses: number;
  reaped: number;
}

/**
 * Environments for upcoming instances, started ahead so that a reset takes a ready one in milliseconds. An
 * environment is used once (an episode never sees another's leftovers); taking one refills the instance's slot.
 * Bounded per instance, in total, and by a memory budget; idle ones are reaped after a timeout.
 */
export class WarmPool {
  readonly perInstance: number;
  readonly limitTotal: number;
  private readonly ready = new Map<string, PreparedEnv[]>();
  private readonly starting = new Map<string, number>();
  /** Instances to keep warm, in priority order (most recent hint first). */
  private wanted: TaskRecord[] = [];
  private queue: TaskRecord[] = [];
  private running = 0;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private hits = 0;
  private misses = 0;
  private reaped = 0;

  constructor(private readonly opts: WarmPoolOptions) {
    this.perInstance = Math.max(0, opts.perInstance ?? 1);
    const budget = opts.memoryBudgetBytes ?? Math.floor(totalmem() / 4);
    const per = opts.bytesPerEnv ?? 256 * 1024 ** 2;
    this.limitTotal = Math.max(0, Math.min(opts.total ?? 4, Math.floor(budget / per)));
    const idle = opts.idleTimeoutMs ?? 10 * 60_000;
    this.timer = setInterval(() => void this.reapIdle(idle), Math.max(100, Math.min(idle / 2, 30_000)));
    this.timer.unref();
  }

  /** A ready environment for the instance, or undefined (synchronous: a warm reset waits for nothing). */
  take(task: TaskRecord): PreparedEnv | undefined {
    const list = this.ready.get(task.instance_id);
    const env = list?.shift();
    if (list && list.length === 0) this.ready.delete(task.instance_id);
    if (env) this.hits++;
    else this.misses++;
    // An instance that was reset is likely reset again (several samples per task): keep it warm.
    this.want([task]);
    return env;
  }

  /** Hint: these instances come next. Returns the ids the pool will keep warm (within its limits). */
  prefetch(tasks: TaskRecord[]): string[] {
    this.want(tasks);
    return this.wanted.filter((t) => tasks.some((x) => x.instance_id === t.instance_id)).map((t) => t.instance_id);
  }

  stats(): PoolStats {
    return {
      warm: this.count(this.ready),
      starting: this.count(this.starting),
      limit_total: this.limitTotal,
      limit_per_instance: this.perInstance,
      hits: this.hits,
      misses: this.misses,
      reaped: this.reaped,
    };
  }

  /** Removes every warm environment and stops preparing new ones. */
  async drain(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.queue = [];
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.allSettled(all.map((e) => e.runtime.stop()));
    // Preparations still running stop their environment when they finish (see fill).
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private want(tasks: TaskRecord[]) {
    if (this.closed || this.perInstance === 0 || this.limitTotal === 0) return;
    const ids = new Set(tasks.map((t) => t.instance_id));
    this.wanted = [...tasks, ...this.wanted.filter((t) => !ids.has(t.instance_id))];
    // Only as many instances as the total allows stay wanted; the others' warm environments are reaped when idle.
    this.wanted = this.wanted.slice(0, Math.max(1, Math.ceil(this.limitTotal / this.perInstance)));
    // Environments of instances that fell off the list make room for the wanted ones.
    const keep = new Set(this.wanted.map((t) => t.instance_id));
    const surplus: PreparedEnv[] = [];
    for (const [id, list] of this.ready) {
      if (keep.has(id)) continue;
      surplus.push(...list);
      this.ready.delete(id);
    }
    this.queue = this.queue.filter((t) => keep.has(t.instance_id));
    this.reaped += surplus.length;
    for (const e of surplus) void e.runtime.stop().catch(() => undefined);
    this.plan();
  }

  private plan() {
    if (this.closed) return;
    const planned = new Map<string, number>();
    for (const t of this.queue) planned.set(t.instance_id, (planned.get(t.instance_id) ?? 0) + 1);
    for (const t of this.wanted) {
      const id = t.instance_id;
      let have = (this.ready.get(id)?.length ?? 0) + (this.starting.get(id) ?? 0) + (planned.get(id) ?? 0);
      while (have < this.perInstance && this.count(this.ready) + this.count(this.starting) + this.queue.length < this.limitTotal) {
        this.queue.push(t);
        have++;
      }
    }
    this.pump();
  }

  private pump() {
    const parallel = this.opts.parallel ?? 2;
    while (!this.closed && this.running < parallel && this.queue.length > 0) {
      const task = this.queue.shift()!;
      void this.fill(task);
    }
  }

  private async fill(task: TaskRecord) {
    const id = task.instance_id;
    this.running++;
    this.starting.set(id, (this.starting.get(id) ?? 0) + 1);
    try {
      const env = await this.opts.prepare(task);
      if (this.closed) await env.runtime.stop().catch(() => undefined);
      else {
        const list = this.ready.get(id) ?? [];
        list.push(env);
        this.ready.set(id, list);
      }
    } catch (e) {
      this.opts.onError?.(id, e);
    } finally {
      const n = (this.starting.get(id) ?? 1) - 1;
      if (n > 0) this.starting.set(id, n);
      else this.starting.delete(id);
      this.running--;
      this.pump();
    }
  }

  private async reapIdle(idleMs: number) {
    const now = Date.now();
    const wantedIds = new Set(this.wanted.map((t) => t.instance_id));
    const victims: PreparedEnv[] = [];
    for (const [id, list] of this.ready) {
      const keep = list.filter((e) => now - e.readyAt < idleMs && wantedIds.has(id));
      victims.push(...list.filter((e) => !keep.includes(e)));
      if (keep.length > 0) this.ready.set(id, keep);
      else this.ready.delete(id);
    }
    // Idle instances leave the wanted list too, or they would be refilled at once.
    this.wanted = this.wanted.filter(
      (t) => this.ready.has(t.instance_id) || (this.starting.get(t.instance_id) ?? 0) > 0 || this.queue.some((q) => q.instance_id === t.instance_id),
    );
    this.reaped += victims.length;
    await Promise.allSettled(victims.map((e) => e.runtime.stop()));
  }

  private count(m: Map<string, PreparedEnv[] | number>): number {
    let n = 0;
    for (const v of m.values()) n += typeof v === 'number' ? v : v.length;
    return n;
  }
}
