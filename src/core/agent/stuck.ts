/**
 * Loop detection with OpenHands' rules (openhands/controller/stuck.py, headless mode), on a simplified history:
 *  1. the last 4 actions identical and the last 4 observations identical;
 *  2. the last 3 actions identical and their 3 observations all errors (needs 4 actions and 4 observations in history);
 *  3. monologue: the last 3 agent messages (replies without a tool call) identical, no observation between them;
 *  4. a repeating pattern over the last 6 steps: a0=a2=a4, a1=a3=a5 and the same for the observations.
 * User messages (the task, nudges) are not part of this history. Equality is by `key`: the caller puts in it what
 * OpenHands compared (for actions: tool, arguments and the thought; for bash observations: command and exit code;
 * for other observations: the content).
 * Not carried over: the IPython SyntaxError variant of rule 2 (no IPython tool here).
 */

export type StuckEvent =
  | { kind: 'action'; key: string; /** A reply without a tool call (OpenHands MessageAction from the agent). */ message?: boolean }
  | { kind: 'observation'; key: string; isError: boolean };

export type StuckRule = 'repeating_action_observation' | 'repeating_action_error' | 'monologue' | 'action_observation_pattern';

export const STUCK_MESSAGES: Record<StuckRule, string> = {
  repeating_action_observation: 'Agent got stuck in a loop: the same action and observation 4 times',
  repeating_action_error: 'Agent got stuck in a loop: the same action failed 3 times',
  monologue: 'Agent got stuck in a loop: the same message 3 times without an observation',
  action_observation_pattern: 'Agent got stuck in a loop: a repeating 6-step action/observation pattern',
};

type Action = Extract<StuckEvent, { kind: 'action' }>;
type Observation = Extract<StuckEvent, { kind: 'observation' }>;

function lastN(history: StuckEvent[], n: number): { actions: Action[]; observations: Observation[] } {
  const actions: Action[] = [];
  const observations: Observation[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i];
    if (e.kind === 'action' && actions.length < n) actions.push(e);
    else if (e.kind === 'observation' && observations.length < n) observations.push(e);
    if (actions.length === n && observations.length === n) break;
  }
  return { actions, observations };
}

const allSame = (xs: { key: string }[]) => xs.every((x) => x.key === xs[0].key);

export function detectStuck(history: StuckEvent[]): StuckRule | null {
  if (history.length < 3) return null;
  const { actions, observations } = lastN(history, 4);

  if (actions.length === 4 && observations.length === 4 && allSame(actions) && allSame(observations)) {
    return 'repeating_action_observation';
  }
  if (actions.length >= 4 && observations.length >= 4) {
    if (allSame(actions.slice(0, 3)) && observations.slice(0, 3).every((o) => o.isError)) return 'repeating_action_error';
  }

  const messages = history.map((e, i) => [i, e] as const).filter(([, e]) => e.kind === 'action' && e.message);
  if (messages.length >= 3) {
    const last3 = messages.slice(-3);
    if (last3.every(([, e]) => e.key === last3[0][1].key)) {
      const between = history.slice(last3[0][0] + 1, last3[2][0]);
      if (!between.some((e) => e.kind === 'observation')) return 'monologue';
    }
  }

  if (history.length < 6) return null;
  const six = lastN(history, 6);
  if (six.actions.length === 6 && six.observations.length === 6) {
    const a = six.actions.map((x) => x.key);
    const o = six.observations.map((x) => x.key);
    const pattern = (k: string[]) => k[0] === k[2] && k[0] === k[4] && k[1] === k[3] && k[1] === k[5];
    if (pattern(a) && pattern(o)) return 'action_observation_pattern';
  }
  return null;
}
