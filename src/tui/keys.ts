/**
 * The one key registry: every binding the workbench knows, with its default keys and description. The help overlay
 * and the status bar hints are generated from it; users override bindings in config (`tui.keys`: id -> key(s)).
 */
import type { Key } from 'ink';

export type ScreenId = 'global' | 'home' | 'picker' | 'agent' | 'rollout' | 'batch' | 'bestofn' | 'compare';

export interface KeyDef {
  id: string;
  screen: ScreenId;
  keys: string[];
  description: string;
  /** Shown in the status bar. */
  hint?: string;
  /** A global binding this screen's binding stands in for (that one is neither listed nor active here). */
  replaces?: string;
  /** Other actions whose keys share this one's status-bar hint ("V/I/S/C/T sort"). */
  hintGroup?: string[];
}

/** The five sort keys of an instance list (k9s: one uppercase key per column; again reverses). */
function sortDefs(screen: 'picker' | 'compare'): KeyDef[] {
  const cols: Array<[string, string, string]> = [['Verdict', 'V', 'verdict, failures first'], ['Instance', 'I', 'instance id (natural order)'], ['Steps', 'S', 'steps, most first'], ['Cost', 'C', 'cost, highest first'], ['Time', 'T', 'time taken, longest first']];
  return cols.map(([name, key, what], i) => ({
    id: `${screen}.sort${name}`,
    screen,
    keys: [key],
    description: `Sort by ${what}; again reverses`,
    ...(i === 0 ? { hint: 'sort', hintGroup: cols.slice(1).map(([n]) => `${screen}.sort${n}`) } : {}),
  }));
}

export const KEY_DEFS: KeyDef[] = [
  { id: 'global.help', screen: 'global', keys: ['?'], description: 'Show or hide this help', hint: 'help' },
  { id: 'global.back', screen: 'global', keys: ['q', 'escape'], description: 'Back (quit on the home screen)', hint: 'back' },
  { id: 'global.quit', screen: 'global', keys: ['ctrl+c'], description: 'Quit (stops running rollouts and their containers)' },

  { id: 'home.quit', screen: 'home', keys: ['q', 'escape'], description: 'Quit (asks first while a batch runs)', hint: 'quit', replaces: 'global.back' },
  { id: 'home.open', screen: 'home', keys: ['return'], description: 'Open the selected session', hint: 'open' },
  { id: 'home.newRun', screen: 'home', keys: ['n'], description: 'New run: pick an instance and an agent', hint: 'new run' },
  { id: 'home.newBatch', screen: 'home', keys: ['b'], description: 'New batch: mark instances, then start', hint: 'batch' },
  { id: 'home.compare', screen: 'home', keys: ['c'], description: 'Compare the selected session with the one marked by space' },
  { id: 'home.mark', screen: 'home', keys: ['space'], description: 'Mark a session for run compare' },
  { id: 'home.batch', screen: 'home', keys: ['d'], description: 'Open the dashboard of the batch started in this workbench' },
  { id: 'home.resume', screen: 'home', keys: ['R'], description: 'Resume the highlighted stopped or crashed batch (swegym resume, followed here)', hint: 'resume' },
  { id: 'home.down', screen: 'home', keys: ['j', 'down'], description: 'Next row' },
  { id: 'home.up', screen: 'home', keys: ['k', 'up'], description: 'Previous row' },
  { id: 'home.pageDown', screen: 'home', keys: ['pagedown', 'ctrl+d'], description: 'Page down' },
  { id: 'home.pageUp', screen: 'home', keys: ['pageup'], description: 'Page up' },
  { id: 'home.first', screen: 'home', keys: ['g', 'home'], description: 'First row' },
  { id: 'home.last', screen: 'home', keys: ['G', 'end'], description: 'Last row' },

  // Filtering starts with `/` (k9s, lazygit): outside the filter, q, j and k mean what they mean everywhere.
  { id: 'picker.back', screen: 'picker', keys: ['q', 'escape'], description: 'Clear the filter, or go back when there is none', hint: 'back', replaces: 'global.back' },
  { id: 'picker.filter', screen: 'picker', keys: ['/'], description: 'Filter: type words (id, repo, text) or is:resolved / is:failed / is:error / is:unrun; Enter keeps it, Esc drops it', hint: 'filter' },
  // Before open: at 60 columns the status bar keeps the sort keys (Enter is the obvious one to drop).
  ...sortDefs('picker'),
  { id: 'picker.open', screen: 'picker', keys: ['return'], description: 'Open the instance (its best rollout, or start one)', hint: 'open/run' },
  { id: 'picker.down', screen: 'picker', keys: ['j', 'down'], description: 'Next instance' },
  { id: 'picker.up', screen: 'picker', keys: ['k', 'up'], description: 'Previous instance' },
  { id: 'picker.pageDown', screen: 'picker', keys: ['pagedown', 'ctrl+d'], description: 'Page down' },
  { id: 'picker.pageUp', screen: 'picker', keys: ['pageup'], description: 'Page up' },
  { id: 'picker.first', screen: 'picker', keys: ['g', 'home'], description: 'First instance' },
  { id: 'picker.last', screen: 'picker', keys: ['G', 'end'], description: 'Last instance' },
  { id: 'picker.mark', screen: 'picker', keys: ['space'], description: 'Mark / unmark for a batch, and move to the next row', hint: 'mark' },
  { id: 'picker.run', screen: 'picker', keys: ['ctrl+r'], description: 'Start a new rollout of the selected instance' },
  { id: 'picker.batch', screen: 'picker', keys: ['ctrl+b'], description: 'Start a batch over the marked instances', hint: 'batch' },
  { id: 'picker.bestofn', screen: 'picker', keys: ['ctrl+n'], description: 'Best-of-n compare of the selected instance' },
  { id: 'picker.clear', screen: 'picker', keys: ['ctrl+u'], description: 'Clear the filter' },

  { id: 'agent.run', screen: 'agent', keys: ['return'], description: 'Start with the highlighted agent', hint: 'run' },
  { id: 'agent.move', screen: 'agent', keys: ['up', 'down', 'j', 'k'], description: 'Highlight another agent' },

  { id: 'rollout.nextStep', screen: 'rollout', keys: ['l', 'right'], description: 'Next step', hint: 'step' },
  { id: 'rollout.prevStep', screen: 'rollout', keys: ['h', 'left'], description: 'Previous step' },
  { id: 'rollout.firstStep', screen: 'rollout', keys: ['0'], description: 'First step' },
  { id: 'rollout.lastStep', screen: 'rollout', keys: ['$'], description: 'Last step (follow live)' },
  { id: 'rollout.nextInstance', screen: 'rollout', keys: ['L'], description: "Next instance of the session (its best sample)" },
  { id: 'rollout.prevInstance', screen: 'rollout', keys: ['H'], description: "Previous instance of the session (its best sample)" },
  { id: 'rollout.nextSample', screen: 'rollout', keys: [']'], description: 'Next sample of this instance', hint: 'sample' },
  { id: 'rollout.prevSample', screen: 'rollout', keys: ['['], description: 'Previous sample of this instance' },
  { id: 'rollout.bestOfN', screen: 'rollout', keys: ['B'], description: "Best-of-n: compare this instance's samples" },
  { id: 'rollout.yankPatch', screen: 'rollout', keys: ['y'], description: 'Copy the patch shown (OSC 52) and save it to a file' },
  { id: 'rollout.focusNext', screen: 'rollout', keys: ['tab'], description: 'Focus the next pane', hint: 'pane' },
  { id: 'rollout.focusPrev', screen: 'rollout', keys: ['shift+tab'], description: 'Focus the previous pane' },
  { id: 'rollout.maximize', screen: 'rollout', keys: ['z'], description: 'Maximize / restore the focused pane', hint: 'zoom' },
  { id: 'rollout.scrollDown', screen: 'rollout', keys: ['j', 'down'], description: 'Scroll down' },
  { id: 'rollout.scrollUp', screen: 'rollout', keys: ['k', 'up'], description: 'Scroll up' },
  { id: 'rollout.pageDown', screen: 'rollout', keys: ['pagedown', 'ctrl+d'], description: 'Page down' },
  { id: 'rollout.pageUp', screen: 'rollout', keys: ['pageup', 'ctrl+u'], description: 'Page up' },
  { id: 'rollout.search', screen: 'rollout', keys: ['/'], description: 'Search the focused pane (the agent pane: every step in full, observations too)', hint: 'search' },
  { id: 'rollout.searchNext', screen: 'rollout', keys: ['n'], description: 'Next search match (with its number of all matches)' },
  { id: 'rollout.togglePatch', screen: 'rollout', keys: ['g'], description: 'Diff pane: model patch / gold patch / test patch', hint: 'gold' },
  { id: 'rollout.attach', screen: 'rollout', keys: ['s'], description: 'Show the command that opens a shell in the environment', hint: 'shell' },
  { id: 'rollout.rawEvents', screen: 'rollout', keys: ['e'], description: 'Open the raw events in $PAGER' },
  { id: 'rollout.evalScript', screen: 'rollout', keys: ['E'], description: "Open the verification's eval.sh in $PAGER" },
  { id: 'rollout.testLog', screen: 'rollout', keys: ['t'], description: 'Open the test log in $PAGER, at the first failing test' },
  { id: 'rollout.applyLog', screen: 'rollout', keys: ['A'], description: "Open the verification's run log (patch-apply output) in $PAGER" },
  { id: 'rollout.interrupt', screen: 'rollout', keys: ['x'], description: 'Interrupt the running rollout' },

  { id: 'batch.open', screen: 'batch', keys: ['return'], description: 'Open the selected rollout', hint: 'open' },
  { id: 'batch.down', screen: 'batch', keys: ['j', 'down'], description: 'Next row' },
  { id: 'batch.up', screen: 'batch', keys: ['k', 'up'], description: 'Previous row' },
  { id: 'batch.pause', screen: 'batch', keys: ['p'], description: 'Pause / resume the scheduler', hint: 'pause' },
  { id: 'batch.stop', screen: 'batch', keys: ['S'], description: 'Stop: take no new work, let running rollouts finish', hint: 'stop' },
  { id: 'batch.stopNow', screen: 'batch', keys: ['X'], description: 'Stop now: interrupt running rollouts (asks first)' },
  { id: 'batch.kill', screen: 'batch', keys: ['K'], description: 'Kill the selected running rollout (asks first)', hint: 'kill' },
  { id: 'batch.retry', screen: 'batch', keys: ['r'], description: 'Retry the selected rollout: a running one is killed and run again; an ended one gets a fresh attempt' },
  { id: 'batch.sort', screen: 'batch', keys: ['o'], description: 'Sort the finished table by the next column (kept per session)', hint: 'sort' },
  { id: 'batch.reverse', screen: 'batch', keys: ['O'], description: 'Reverse the sort' },
  { id: 'batch.filter', screen: 'batch', keys: ['f'], description: 'Filter the finished table: all, resolved, unresolved, failed, error', hint: 'filter' },
  { id: 'batch.instances', screen: 'batch', keys: ['i'], description: "The session's instances (picker)" },
  { id: 'batch.bestofn', screen: 'batch', keys: ['n'], description: 'Best-of-n of the selected instance' },
  { id: 'batch.resume', screen: 'batch', keys: ['R'], description: 'Resume a stopped or crashed batch' },
  { id: 'batch.switch', screen: 'batch', keys: ['tab'], description: 'Switch between running and finished tables' },

  { id: 'bestofn.down', screen: 'bestofn', keys: ['j', 'down'], description: 'Next candidate' },
  { id: 'bestofn.up', screen: 'bestofn', keys: ['k', 'up'], description: 'Previous candidate' },
  { id: 'bestofn.pickLeft', screen: 'bestofn', keys: ['a'], description: 'Show the selected candidate on the left', hint: 'left' },
  { id: 'bestofn.pickRight', screen: 'bestofn', keys: ['b'], description: 'Show the selected candidate on the right', hint: 'right' },
  { id: 'bestofn.winner', screen: 'bestofn', keys: ['w'], description: 'Mark the selected candidate as the winner', hint: 'winner' },
  { id: 'bestofn.scrollDown', screen: 'bestofn', keys: ['pagedown', 'J'], description: 'Scroll both diffs down' },
  { id: 'bestofn.scrollUp', screen: 'bestofn', keys: ['pageup', 'K'], description: 'Scroll both diffs up' },
  { id: 'bestofn.open', screen: 'bestofn', keys: ['return'], description: 'Open the selected candidate' },
  { id: 'bestofn.versus', screen: 'bestofn', keys: ['d'], description: 'Right pane: candidate a against candidate b (the lines that differ)', hint: 'a vs b' },

  { id: 'compare.down', screen: 'compare', keys: ['j', 'down'], description: 'Next instance' },
  { id: 'compare.up', screen: 'compare', keys: ['k', 'up'], description: 'Previous instance' },
  ...sortDefs('compare'),
  { id: 'compare.openA', screen: 'compare', keys: ['a', 'return'], description: "Open the left session's rollout", hint: 'open A' },
  { id: 'compare.openB', screen: 'compare', keys: ['b'], description: "Open the right session's rollout", hint: 'open B' },
  { id: 'compare.filter', screen: 'compare', keys: ['f'], description: 'Show only the instances whose resolve rate differs', hint: 'differing' },
];

export type Bindings = Map<string, string[]>;

export function defaultBindings(): Bindings {
  return new Map(KEY_DEFS.map((d) => [d.id, d.keys]));
}

/** Applies user overrides; an unknown id is an error naming it. */
export function applyOverrides(base: Bindings, overrides: Record<string, string | string[]> | undefined, source = 'config'): Bindings {
  const out = new Map(base);
  for (const [id, keys] of Object.entries(overrides ?? {})) {
    if (!out.has(id)) throw new Error(`${source}: field "tui.keys.${id}": unknown key binding id`);
    out.set(id, Array.isArray(keys) ? keys : [keys]);
  }
  return out;
}

/** Normalises Ink's (input, key) into one name: 'a', 'A', 'return', 'shift+tab', 'ctrl+c', 'pagedown', 'space'. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

/** The binding id for a key on a screen (screen bindings win over global ones), or undefined. */
export function actionFor(bindings: Bindings, screen: ScreenId, name: string): string | undefined {
  const replaced = replacedOn(screen);
  for (const scope of [screen, 'global'] as const) {
    for (const d of KEY_DEFS) {
      if (d.screen !== scope || replaced.has(d.id)) continue;
      if (bindings.get(d.id)?.includes(name)) return d.id;
    }
  }
  return undefined;
}

export function displayKey(k: string): string {
  const names: Record<string, string> = { return: 'Enter', escape: 'Esc', space: 'Space', 'shift+tab': 'S-Tab', tab: 'Tab', pagedown: 'PgDn', pageup: 'PgUp', up: '↑', down: '↓', left: '←', right: '→' };
  return names[k] ?? (k.startsWith('ctrl+') ? `^${k.slice(5).toUpperCase()}` : k);
}

export interface HelpRow { keys: string; description: string; screen: ScreenId }

/** Global bindings that a screen's own binding stands in for. */
function replacedOn(screen: ScreenId): Set<string> {
  return new Set(KEY_DEFS.filter((d) => d.screen === screen && d.replaces).map((d) => d.replaces!));
}

/** The bindings in force on a screen: its own, then the global ones it does not replace. */
function defsOn(screen: ScreenId): KeyDef[] {
  const replaced = replacedOn(screen);
  const own = KEY_DEFS.filter((d) => d.screen === screen);
  const global = KEY_DEFS.filter((d) => d.screen === 'global' && !replaced.has(d.id));
  // Globals first (help, back), in the slot of the one a screen binding replaces.
  return [...global.slice(0, 1), ...own.filter((d) => d.replaces), ...global.slice(1), ...own.filter((d) => !d.replaces)];
}

export function helpRows(bindings: Bindings, screen: ScreenId): HelpRow[] {
  return defsOn(screen).map((d) => ({
    keys: (bindings.get(d.id) ?? []).map(displayKey).join(' '),
    description: d.description,
    screen: d.screen,
  }));
}

export function hints(bindings: Bindings, screen: ScreenId): Array<{ key: string; label: string }> {
  return defsOn(screen).filter((d) => d.hint).map((d) => ({
    key: [d.id, ...(d.hintGroup ?? [])].map((id) => displayKey((bindings.get(id) ?? [])[0] ?? '')).join('/'),
    label: d.hint!,
  }));
}
