import { createContext, useContext, type Dispatch } from 'react';
import type { Backend } from '../backend.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutRegistry } from '../state/rollout-store.js';
import type { NavAction, NavState } from './nav.js';
import type { Sessions } from './use-sessions.js';
import type { Batches } from './use-batches.js';
import type { Rollouts } from './use-rollouts.js';
import type { Actions } from './actions.js';

/** What every route (screen host) of the workbench reads: state from the hooks, actions that change it. */
export interface Workbench {
  backend: Backend;
  registry: RolloutRegistry;
  nav: NavState;
  dispatch: Dispatch<NavAction>;
  tasks: TaskInfo[];
  sessions: Sessions;
  batches: Batches;
  rollouts: Rollouts;
  actions: Actions;
  /** Winners marked in best-of-n, by `${sessionDir}:${instanceId}`. */
  winners: Map<string, string>;
  /** The body's size (the terminal minus the status bar and the message row). */
  width: number;
  height: number;
  /** False while an overlay (help, a confirmation) takes the keys. */
  active: boolean;
}

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const w = useContext(WorkbenchContext);
  if (!w) throw new Error('useWorkbench outside the workbench');
  return w;
}
