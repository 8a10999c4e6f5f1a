import type { SchedulerSnapshot } from './types.js';

/**
 * Hands scheduler snapshots to subscribers (the workbench, the progress printer) at most once per interval however
 * many events arrive: a burst of tool output must not turn into a burst of redraws. A throttled publish is not lost:
 * it is sent when the interval has passed, with the state of that moment.
 */
export class SnapshotPublisher {
  private readonly listeners = new Set<(s: SchedulerSnapshot) => void>();
  private lastPublish = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly take: () => SchedulerSnapshot,
    private readonly intervalMs = 100,
  ) {}

  subscribe(cb: (s: SchedulerSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** `force`: now, whatever the interval (state changes: a rollout started or ended, pause, stop). */
  publish(force = false): void {
    if (this.listeners.size === 0) return;
    const now = Date.now();
    if (!force && now - this.lastPublish < this.intervalMs) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.publish(true);
      }, this.intervalMs - (now - this.lastPublish));
      return;
    }
    this.cancelPending();
    this.lastPublish = now;
    const s = this.take();
    for (const l of this.listeners) l(s);
  }

  /** Drops a pending throttled publish (at the end of a run, so no timer outlives it). */
  cancelPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
