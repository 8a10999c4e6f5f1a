import type { StopReason } from '../events.js';

/** The abort reason runRollout uses when the per-rollout wall-clock limit fires. */
export class WallClockExceeded extends Error {
  constructor(readonly limitSec: number) {
    super(`rollout wall-clock limit of ${limitSec} s reached`);
    this.name = 'WallClockExceeded';
  }
}

/** The stop reason an agent reports when its signal was aborted. */
export function stopReasonForAbort(signal: AbortSignal): StopReason {
  return signal.reason instanceof WallClockExceeded ? 'wall_clock' : 'interrupted';
}
