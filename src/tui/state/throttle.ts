/**
 * How often live data (a rollout's events, the scheduler's snapshot) is published to React: 5 times a second. Ink
 * draws at most 10 frames a second and, fed at 10 Hz, drew about 5 (its throttle drops every other commit): the
 * dropped commits cost a React render and a Yoga layout each for nothing (bench/tui). Keys still answer at once.
 */
export const LIVE_PUBLISH_MS = 200;

/**
 * Coalesces notifications: however many changes arrive, listeners hear at most one per `intervalMs`.
 * Events are folded immediately; only the notification is deferred.
 */
export class Throttled {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastFire = 0;
  constructor(private readonly intervalMs = LIVE_PUBLISH_MS) {}

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
