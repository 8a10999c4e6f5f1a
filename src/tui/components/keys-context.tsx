import { createContext, useContext, useRef } from 'react';
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
  useInput(
    (input, key) => {
      const dispatch = ([i, k]: [string, Key]) => {
        const name = keyName(i, k);
        latest.current(actionFor(bindings, screen, name), name, i);
      };
      const keys = opts.textEntry ? [[input, key] as [string, Key]] : splitBurst(input, key);
      dispatch(keys[0]!);
      const rest = keys.slice(1);
      const next = () => {
        const k = rest.shift();
        if (!k) return;
        dispatch(k);
        setTimeout(next, 0);
      };
      if (rest.length) setTimeout(next, 0);
    },
    { isActive: active },
  );
}
