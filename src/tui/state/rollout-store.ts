import type { RolloutEvent } from '../../core/events.js';
import { initialRolloutView, reduceRollout, type RolloutViewModel } from './rollout-view-model.js';
import { Throttled } from './throttle.js';

/** One rollout's view model outside React, folded per event, published to React at most ~10 times a second. */
export class RolloutStore {
  private state: RolloutViewModel;
  readonly notify: Throttled;
  /** Raw events kept for the "open raw events in $PAGER" key. */
  readonly events: RolloutEvent[] = [];

  constructor(readonly rolloutId: string, intervalMs = 100) {
    this.state = initialRolloutView(rolloutId);
    this.notify = new Throttled(intervalMs);
  }

  push(e: RolloutEvent): void {
    this.events.push(e);
    this.state = reduceRollout(this.state, e);
    this.notify.changed();
  }

  pushAll(es: RolloutEvent[]): void {
    for (const e of es) {
      this.events.push(e);
      this.state = reduceRollout(this.state, e);
    }
    this.notify.changed();
  }

  get = (): RolloutViewModel => this.state;
  subscribe = (l: () => void): (() => void) => this.notify.subscribe(l);
}

/** All rollouts the workbench knows about, keyed by rollout id; events from any source are routed here. */
export class RolloutRegistry {
  private readonly stores = new Map<string, RolloutStore>();
  readonly changed = new Throttled(100);
  constructor(private readonly intervalMs = 100) {}

  store(id: string): RolloutStore {
    let s = this.stores.get(id);
    if (!s) {
      s = new RolloutStore(id, this.intervalMs);
      this.stores.set(id, s);
    }
    return s;
  }

  has(id: string): boolean {
    return this.stores.has(id);
  }

  push = (e: RolloutEvent): void => {
    this.store(e.rollout).push(e);
    this.changed.changed();
  };

  ids(): string[] {
    return [...this.stores.keys()];
  }
}
