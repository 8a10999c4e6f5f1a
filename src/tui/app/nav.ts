import type { ScreenId } from '../keys.js';
import type { TaskInfo } from '../panes/lines.js';

/**
 * The workbench's navigation as data: a stack of screens and the overlays above it, changed only by `navReducer`.
 * Each screen entry also keeps what must survive leaving it and coming back (the picker's filter, the item the cursor
 * was on), so back-navigation, help and filter changes never lose the user's place.
 */
export type Screen =
  | { kind: 'home'; cursor?: string }
  | { kind: 'picker'; sessionDir?: string; batch?: boolean; query?: string; cursor?: string }
  | { kind: 'agent'; task: TaskInfo; batch?: TaskInfo[] }
  | { kind: 'rollout'; rolloutId: string; sessionDir?: string }
  /** followDir: the dashboard of a batch another process runs in that session (else: the one started here). */
  | { kind: 'batch'; followDir?: string; cursor?: string }
  | { kind: 'bestofn'; sessionDir?: string; instanceId: string; cursor?: string }
  | { kind: 'compare'; a: string; b: string; cursor?: string };

export type ScreenKind = Screen['kind'];

/** A question that blocks every key but its answers (quit while work runs, a destructive key). */
export interface Confirm {
  /** The prompt line, long and short forms (the short one below 92 columns). */
  text: string;
  short?: string;
  /** key -> what it does; Esc (and q) always cancel. */
  answers: Record<string, () => void>;
}

export interface NavState {
  stack: Screen[];
  help: { open: boolean; offset: number };
  /** A one-line notice above the status bar; any key clears it. */
  message?: string;
  /** The session marked on Home for run compare. */
  marked?: string;
  confirm?: Confirm;
}

export type NavAction =
  | { type: 'push'; screen: Screen }
  | { type: 'pop' }
  | { type: 'replaceTop'; screen: Screen }
  /** Drops the top `drop` screens (never the root) and pushes `screen`. */
  | { type: 'replaceFrom'; drop: number; screen: Screen }
  /** Updates fields of the top screen when it is of this kind (the picker's filter, a cursor). */
  | { type: 'patchTop'; kind: ScreenKind; patch: Partial<Screen> }
  | { type: 'message'; text?: string }
  | { type: 'help'; open: boolean }
  | { type: 'helpScroll'; delta: number; max: number }
  | { type: 'mark'; dir: string }
  | { type: 'confirm'; confirm?: Confirm };

export const initialNav = (): NavState => ({ stack: [{ kind: 'home' }], help: { open: false, offset: 0 } });

export function navReducer(s: NavState, a: NavAction): NavState {
  switch (a.type) {
    case 'push':
      return { ...s, stack: [...s.stack, a.screen] };
    case 'pop':
      return s.stack.length > 1 ? { ...s, stack: s.stack.slice(0, -1) } : s;
    case 'replaceTop':
      return { ...s, stack: [...s.stack.slice(0, -1), a.screen] };
    case 'replaceFrom':
      return { ...s, stack: [...s.stack.slice(0, Math.max(1, s.stack.length - a.drop)), a.screen] };
    case 'patchTop': {
      const top = s.stack[s.stack.length - 1];
      if (top.kind !== a.kind) return s;
      return { ...s, stack: [...s.stack.slice(0, -1), { ...top, ...a.patch } as Screen] };
    }
    case 'message':
      return s.message === a.text ? s : { ...s, message: a.text };
    case 'help':
      return { ...s, help: { open: a.open, offset: 0 } };
    case 'helpScroll':
      return { ...s, help: { ...s.help, offset: Math.max(0, Math.min(s.help.offset + a.delta, a.max)) } };
    case 'mark':
      return { ...s, marked: s.marked === a.dir ? undefined : a.dir };
    case 'confirm':
      return { ...s, confirm: a.confirm };
  }
}

export const top = (s: NavState): Screen => s.stack[s.stack.length - 1];

export const SCREEN_ID: Record<ScreenKind, ScreenId> = { home: 'home', picker: 'picker', agent: 'agent', rollout: 'rollout', batch: 'batch', bestofn: 'bestofn', compare: 'compare' };
