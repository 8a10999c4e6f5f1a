import type { ChatMessage } from '../../events.js';

/**
 * After a context-window error: keep the system message and the first user message (the task), drop the older half
 * of the rest, and start the kept part at an assistant message so no tool result loses its call.
 * Returns undefined when nothing can be dropped.
 */
export function dropOlderHalf(messages: ChatMessage[]): ChatMessage[] | undefined {
  const headLen = messages[0]?.role === 'system' ? 2 : 1;
  const head = messages.slice(0, headLen);
  const rest = messages.slice(headLen);
  if (rest.length === 0) return undefined;
  let keep = rest.slice(Math.floor(rest.length / 2));
  const firstAssistant = keep.findIndex((m) => m.role === 'assistant');
  keep = firstAssistant < 0 ? [] : keep.slice(firstAssistant);
  return [...head, ...keep];
}

/** `diff --git a/X b/Y` -> Y, in order. */
export function patchFiles(patch: string): string[] {
  return [...patch.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)].map((m) => m[2]);
}
