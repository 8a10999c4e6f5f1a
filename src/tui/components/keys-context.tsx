import { createContext, useContext } from 'react';
import { useInput } from 'ink';
import { actionFor, defaultBindings, keyName, type Bindings, type ScreenId } from '../keys.js';

export const KeysContext = createContext<Bindings>(defaultBindings());
export const useBindings = (): Bindings => useContext(KeysContext);

/**
 * Routes key presses through the registry: the handler gets the binding id (or undefined), the normalised key name
 * and the raw input (for text entry).
 */
export function useBoundInput(screen: ScreenId, handler: (action: string | undefined, name: string, input: string) => void, active = true): void {
  const bindings = useBindings();
  useInput(
    (input, key) => {
      const name = keyName(input, key);
      handler(actionFor(bindings, screen, name), name, input);
    },
    { isActive: active },
  );
}
