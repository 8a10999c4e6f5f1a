import { useEffect, useReducer } from 'react';

/** A live view is drawn again when its last frame is this old. */
export const CLOCK_PERIOD_MS = 1000;

/**
 * Now: the time of this render, and a re-render at least once a second while `live`; no timer at all while not, so an
 * idle workbench writes nothing.
 *
 * The timer is re-armed after every render, so it fires only when a second passed without one. A view that streams
 * data re-renders anyway (and shows a fresh time), so the clock adds no frame while data flows: a shared 1 Hz tick
 * would re-render the whole view once more a second for nothing (bench/tui). While the agent is silent it is the
 * clock that moves elapsed, the step timer and the heartbeat age.
 */
export function useClock(live: boolean, periodMs = CLOCK_PERIOD_MS): number {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  // No dependency list: every render re-arms the timer.
  useEffect(() => {
    if (!live) return;
    const t = setTimeout(tick, periodMs);
    // The clock alone never keeps the process alive.
    t.unref?.();
    return () => clearTimeout(t);
  });
  return Date.now();
}
