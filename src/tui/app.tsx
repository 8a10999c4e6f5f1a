import React, { useMemo, useReducer, useState, useEffect, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useWindowSize } from 'ink';
import type { Backend } from './backend.js';
import type { TaskInfo } from './panes/lines.js';
import type { Theme } from './theme.js';
import { helpRows, type Bindings } from './keys.js';
import { ThemeContext, T } from './components/theme-context.js';
import { KeysContext, useBoundInput } from './components/keys-context.js';
import { StatusBar } from './components/status-bar.js';
import { HelpOverlay } from './components/help-overlay.js';
import { RolloutRegistry } from './state/rollout-store.js';
import { safe } from './text.js';
import { initialNav, navReducer, SCREEN_ID, top, type Screen } from './app/nav.js';
import { WorkbenchContext, type Workbench } from './app/context.js';
import { useSessions } from './app/use-sessions.js';
import { useBatches } from './app/use-batches.js';
import { useRollouts } from './app/use-rollouts.js';
import { makeActions } from './app/actions.js';
import { HomeRoute } from './app/routes/home.js';
import { PickerRoute, pickerWhere } from './app/routes/picker.js';
import { AgentRoute, agentWhere } from './app/routes/agent.js';
import { RolloutRoute, rolloutWhere } from './app/routes/rollout.js';
import { BatchRoute, batchWhere } from './app/routes/batch.js';
import { BestOfNRoute } from './app/routes/best-of-n.js';
import { CompareRoute } from './app/routes/compare.js';

export interface AppProps {
  backend: Backend;
  theme: Theme;
  bindings: Bindings;
  /** Fixed size (tests); default: the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** Open this session on start. */
  initialSession?: string;
  registry?: RolloutRegistry;
  /** How often Home re-reads the sessions folder (ms; 0: only when the backend says it changed). */
  sessionsPollMs?: number;
  onExit?(mode: 'stop' | 'detach'): void;
}

/**
 * The workbench: state in hooks (sessions, batches, rollouts) and one navigation reducer, actions built over them,
 * rendering in one small route per screen. This component only wires them together and draws the chrome (message
 * row, status bar, help and confirmation overlays).
 */
export function App(props: AppProps): React.JSX.Element {
  const { backend } = props;
  const app = useApp();
  const term = useWindowSize();
  const width = props.size?.columns ?? term.columns ?? 80;
  const height = props.size?.rows ?? term.rows ?? 24;
  const registry = useMemo(() => props.registry ?? new RolloutRegistry(), [props.registry]);
  useSyncExternalStore(registry.changed.subscribe, () => registry.ids().length);
  const [nav, dispatch] = useReducer(navReducer, undefined, initialNav);
  const say = (text?: string) => dispatch({ type: 'message', text });
  const [tasks, setTasks] = useState<TaskInfo[]>([]);
  const [winners, setWinners] = useState<Map<string, string>>(new Map());
  const sessions = useSessions(backend, registry, say, props.sessionsPollMs);
  const batches = useBatches(backend, registry, () => void sessions.refresh());
  const rollouts = useRollouts(backend, registry, sessions, () => void sessions.refresh());
  const actions = makeActions({
    backend,
    dispatch,
    sessions,
    batches,
    rollouts,
    exit: () => app.exit(),
    suspend: (run) => app.suspendTerminal(run),
    onExit: props.onExit,
  });
  const screen = top(nav);
  const screenId = SCREEN_ID[screen.kind];

  useEffect(() => {
    backend.tasks().then(setTasks).catch((e) => say(`could not load tasks: ${e.message ?? e}`));
    if (props.initialSession) void actions.openSessionView(props.initialSession);
  }, [backend]);

  const bodyH = height - 1 - (nav.message ? 1 : 0);
  // The chrome's keys: quit, help (and its scrolling), the confirmation's answers. Screens get the rest.
  useBoundInput(screenId, (action, name, input) => {
    if (action === 'global.quit') return actions.requestQuit();
    if (nav.confirm) {
      const answer: (() => void) | undefined = Object.hasOwn(nav.confirm.answers, input) ? nav.confirm.answers[input] : undefined;
      if (answer || name === 'escape' || input === 'q' || input === 'n') dispatch({ type: 'confirm' });
      answer?.();
      return;
    }
    if (nav.help.open) {
      if (action === 'global.help' || name === 'escape' || name === 'q') return dispatch({ type: 'help', open: false });
      const rows = helpRows(props.bindings, screenId).length;
      const page = Math.max(1, bodyH - 3);
      const d = name === 'down' || name === 'j' ? 1 : name === 'up' || name === 'k' ? -1 : name === 'pagedown' || name === 'space' ? page : name === 'pageup' ? -page : 0;
      if (d) dispatch({ type: 'helpScroll', delta: d, max: Math.max(0, rows - (bodyH - 2)) });
      return;
    }
    if (action === 'global.help') return dispatch({ type: 'help', open: true });
    if (nav.message) say(undefined);
  });

  const overlay = nav.help.open || !!nav.confirm;
  const wb: Workbench = { backend, registry, nav, dispatch, tasks, sessions, batches, rollouts, actions, winners, width, height: bodyH, active: !overlay };
  const onWinners = (dir: string, m: Map<string, string>) =>
    setWinners((old) => {
      const n = new Map(old);
      for (const [i, r] of m) n.set(`${dir}:${i}`, r);
      return n;
    });

  let where = 'home';
  if (screen.kind === 'picker') where = pickerWhere(screen);
  else if (screen.kind === 'agent') where = agentWhere(screen);
  else if (screen.kind === 'rollout') where = rolloutWhere(wb, screen);
  else if (screen.kind === 'batch') where = batchWhere(wb, screen);
  else if (screen.kind === 'bestofn') where = `best-of-n ${screen.instanceId}`;
  else if (screen.kind === 'compare') where = 'run compare';

  return (
    <ThemeContext.Provider value={props.theme}>
      <KeysContext.Provider value={props.bindings}>
        <WorkbenchContext.Provider value={wb}>
          <Box flexDirection="column" width={width} height={height}>
            {/* The screen stays mounted under the help overlay, so it keeps its cursor and scroll position. */}
            <Box display={nav.help.open ? 'none' : 'flex'} flexDirection="column" width={width} height={bodyH}>
              <Route screen={screen} onWinners={onWinners} />
            </Box>
            {nav.help.open && <HelpOverlay screen={screenId} width={width} height={bodyH} offset={nav.help.offset} />}
            {nav.message && (
              <Box height={1} width={width}>
                <Text wrap="truncate-end"><T role="status.error">{safe(nav.message)}</T></Text>
              </Box>
            )}
            {nav.confirm ? (
              <Box height={1} width={width}>
                <Text wrap="truncate-end"><T role="status.stalled">{width >= 92 || !nav.confirm.short ? nav.confirm.text : nav.confirm.short}</T></Text>
              </Box>
            ) : (
              <StatusBar where={where} screen={screenId} width={width} />
            )}
          </Box>
        </WorkbenchContext.Provider>
      </KeysContext.Provider>
    </ThemeContext.Provider>
  );
}

function Route({ screen, onWinners }: { screen: Screen; onWinners(dir: string, m: Map<string, string>): void }): React.JSX.Element {
  switch (screen.kind) {
    case 'home':
      return <HomeRoute screen={screen} />;
    case 'picker':
      return <PickerRoute screen={screen} />;
    case 'agent':
      return <AgentRoute screen={screen} />;
    case 'rollout':
      return <RolloutRoute screen={screen} />;
    case 'batch':
      return <BatchRoute screen={screen} />;
    case 'bestofn':
      return <BestOfNRoute screen={screen} onWinners={onWinners} />;
    case 'compare':
      return <CompareRoute screen={screen} />;
  }
}

export { SCREEN_ID };
