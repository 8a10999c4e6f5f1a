import { useSyncExternalStore } from 'react';

/**
 * One wall clock for every live view: a single timer, running only while some view that shows something live
 * subscribes, ticking once a second. Views that show nothing live do not subscribe, so an idle workbench has no timer
 * and writes nothing.
 */
class Clock {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private now = Date.now();
  constructor(private readonly periodMs = 1000) {}

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    if (!this.timer) {
      this.now = Date.now();
      this.timer = setInterval(() => {
        this.now = Date.now();
        for (const x of [...this.listeners]) x();
      }, this.periodMs);
      // The clock alone never keeps the process alive.
      this.timer.unref?.();
    }
    return () => {
      this.listeners.delete(l);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  };

  get = (): number => this.now;
  get running(): boolean {
    return !!this.timer;
  }
}

export const clock = new Clock();

const noSubscribe = () => () => {};

/** Now: the time of this render, with a re-render once a second while `live` (no timer at all while not). */
export function useClock(live: boolean): number {
  useSyncExternalStore(live ? clock.subscribe : noSubscribe, clock.get);
  return Date.now();
}
