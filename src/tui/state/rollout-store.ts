import type { RolloutEvent } from '../../core/events.js';
import { initialRolloutView, reduceRollout, type RolloutViewModel } from './rollout-view-model.js';
import { LIVE_PUBLISH_MS, Throttled } from './throttle.js';
import { emptySummary, foldEvent, type IndexedSummary } from '../../core/session/index.js';

/** One rollout's view model outside React, folded per event, published to React at most 5 times a second. */
export class RolloutStore {
  private state: RolloutViewModel;
  readonly notify: Throttled;
  /** Raw events kept for the "open raw events in $PAGER" key. */
  readonly events: RolloutEvent[] = [];

  /** The rollout's summary row, folded by core's one event->summary fold (the same the session index uses). */
  private sum: IndexedSummary;

  constructor(readonly rolloutId: string, intervalMs = LIVE_PUBLISH_MS) {
    this.state = initialRolloutView(rolloutId);
    this.sum = emptySummary(rolloutId);
    this.notify = new Throttled(intervalMs);
  }

  private lastSeq = -1;

  /** Events can arrive twice when a replay from disk and a live follow overlap; seq numbers drop the repeats. */
  private fresh(e: RolloutEvent): boolean {
    if (e.seq === undefined) return true;
    if (e.seq <= this.lastSeq) return false;
    this.lastSeq = e.seq;
    return true;
  }

  push(e: RolloutEvent): void {
    if (!this.fresh(e)) return;
    this.events.push(e);
    this.state = reduceRollout(this.state, e);
    foldEvent(this.sum, e);
    this.notify.changed();
  }

  pushAll(es: RolloutEvent[]): void {
    for (const e of es) {
      if (!this.fresh(e)) continue;
      this.events.push(e);
      this.state = reduceRollout(this.state, e);
      foldEvent(this.sum, e);
    }
    this.notify.changed();
  }

  get = (): RolloutViewModel => this.state;
  /** A copy of the summary row (callers may spread and override it). */
  summary = (): IndexedSummary => ({ ...this.sum, scores: { ...this.sum.scores } });
  subscribe = (l: () => void): (() => void) => this.notify.subscribe(l);
}

/** All rollouts the workbench knows about, keyed by rollout id; events from any source are routed here. */
export class RolloutRegistry {
  private readonly stores = new Map<string, RolloutStore>();
  readonly changed = new Throttled(LIVE_PUBLISH_MS);
  constructor(private readonly intervalMs = LIVE_PUBLISH_MS) {}

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
