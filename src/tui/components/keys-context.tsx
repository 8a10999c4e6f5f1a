import { createContext, useContext, useLayoutEffect, useRef } from 'react';
import { useInput, type Key } from 'ink';
import { actionFor, defaultBindings, keyName, type Bindings, type ScreenId } from '../keys.js';

export const KeysContext = createContext<Bindings>(defaultBindings());
export const useBindings = (): Bindings => useContext(KeysContext);

/**
 * Over SSH, or from a held-down key, several keystrokes can arrive in one read ("jjj", "\t\t"): Ink hands them over
 * as one input. Outside text entry we split such a burst into single keys, so every press counts.
 */
export function splitBurst(input: string, key: Key): Array<[string, Key]> {
  if (input.length < 2 || key.ctrl || key.meta || !/^[\x20-\x7e\t\r]+$/.test(input)) return [[input, key]];
  return [...input].map((c) => [c, { ...key, tab: c === '\t', return: c === '\r', shift: c >= 'A' && c <= 'Z' }]);
}

/**
 * Routes key presses through the registry: the handler gets the binding id (or undefined), the normalised key name
 * and the raw input (for text entry). `textEntry` says when typed text must stay whole (a filter, a search box).
 *
 * Keys are handled one per macrotask: a burst read at once (a held arrow over SSH sends `ESC[B ESC[B ESC[B` in one
 * read, which Ink splits into separate events delivered synchronously) would otherwise reach the handler before
 * React re-rendered, and every key would act on the same stale state (three Downs moving one row).
 */
export function useBoundInput(
  screen: ScreenId,
  handler: (action: string | undefined, name: string, input: string) => void,
  active = true,
  opts: { textEntry?: boolean } = {},
): void {
  const bindings = useBindings();
  // The latest handler: keys after the first of a burst are dispatched after React has re-rendered.
  const latest = useRef(handler);
  latest.current = handler;
  const queue = useRef<{ keys: Array<[string, Key]>; draining: boolean }>({ keys: [], draining: false });
  const activeRef = useRef(active);
  activeRef.current = active;
  // Commits of this component: the next key of a burst waits for the render the previous one caused.
  const commits = useRef(0);
  useLayoutEffect(() => {
    commits.current++;
  });
  useInput(
    (input, key) => {
      const q = queue.current;
      q.keys.push(...(opts.textEntry ? [[input, key] as [string, Key]] : splitBurst(input, key)));
      if (q.draining) return;
      q.draining = true;
      const next = () => {
        const k = q.keys.shift();
        if (!k) {
          q.draining = false;
          return;
        }
        // A key earlier in the burst may have left this screen or opened an overlay: the rest is not ours.
        if (!activeRef.current) {
          q.keys.length = 0;
          q.draining = false;
          return;
        }
        const name = keyName(k[0], k[1]);
        const before = commits.current;
        latest.current(actionFor(bindings, screen, name), name, k[0]);
        // Wait for the re-render (a key that changed nothing causes none: give up after a few turns of the loop).
        let turns = 0;
        const settle = () => (commits.current !== before || ++turns > 8 ? setTimeout(next, 0) : setImmediate(settle));
        settle();
      };
      next();
    },
    { isActive: active },
  );
}
