/**
 * Coalesces notifications: however many changes arrive, listeners hear at most one per `intervalMs`
 * (~10 frames a second by default). Events are folded immediately; only the notification is deferred.
 */
export class Throttled {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastFire = 0;
  constructor(private readonly intervalMs = 100) {}

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  };

  /** Something changed: notify now if the last notification is old enough, else once at the end of the interval. */
  changed(): void {
    if (this.timer) return;
    const wait = this.lastFire + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
    this.timer.unref?.();
  }

  private fire(): void {
    this.lastFire = Date.now();
    for (const l of [...this.listeners]) l();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
