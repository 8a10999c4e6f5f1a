import { lineText, type Line } from '../components/line.js';
import type { StepView } from '../state/rollout-view-model.js';

/** A search hit: a step of the agent pane (searched in full), or a line of another pane. */
export interface SearchHit { step?: number; line?: number }

const stepText = (s: StepView): string => [s.message, s.tool?.name, s.tool?.args, ...(s.tool?.detail ?? []), s.observation].filter(Boolean).join('\n');

/**
 * Every hit of a case-insensitive search, in order. The agent pane shows steps collapsed (two lines of a message, no
 * observation), so it is searched over each step's full text: messages, calls and observations.
 */
export function searchPane(pane: string, query: string, from: { lines: Line[]; steps: StepView[] }): SearchHit[] {
  const q = query.toLowerCase();
  if (!q) return [];
  if (pane === 'actions') return from.steps.flatMap((s, i) => (stepText(s).toLowerCase().includes(q) ? [{ step: i }] : []));
  return from.lines.flatMap((l, i) => (lineText(l).toLowerCase().includes(q) ? [{ line: i }] : []));
}
