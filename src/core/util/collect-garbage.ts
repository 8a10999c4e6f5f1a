import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection on demand, for code that streams hundreds of MB of text through short-lived large strings
 * (a 1 MiB output line is a large object of its own): V8's heuristics let such garbage grow the heap by hundreds of MB
 * before a major collection, which would break a memory budget (verification of a test printing 1 GiB: < 300 MB).
 * `--expose-gc` set at run time makes `gc` available to contexts created afterwards; the flag is turned off again.
 */
let gcFn: (() => void) | undefined | null;

export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}
