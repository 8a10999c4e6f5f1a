import { z } from 'zod';

/**
 * An integer parameter published as plain `{"type": "integer"}` (what OpenHands sends), without the safe-integer
 * bounds zod adds by default.
 */
export function integer() {
  return z
    .number()
    .int()
    .meta({ type: 'integer', minimum: undefined, maximum: undefined } as Record<string, unknown>);
}
