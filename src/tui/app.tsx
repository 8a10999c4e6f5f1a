import React, { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import type { Backend, AgentId, FollowedBatch, LiveBatch, SessionListing } from './backend.js';
import type { SessionReader, RolloutSummary } from '../core/session/types.js';
import type { TaskInfo } from './panes/lines.js';
import type { Theme } from './theme.js';
import { actionFor, helpRows, keyName, type Bindings, type ScreenId } from './keys.js';
import { ThemeContext, T } from './components/theme-context.js';
import { KeysContext } from './components/keys-context.js';
import { StatusBar } from './components/status-bar.js';
import { HelpOverlay } from './components/help-overlay.js';
import { RolloutRegistry } from './state/rollout-store.js';
import { summaryFromView } from './state/summary.js';
import { byInstance, sessionCurves } from './state/compare.js';
import { patchAtStep, type RolloutViewModel } from './state/rollout-view-model.js';
import { Home } from './screens/home.js';
import { Picker } from './screens/picker.js';
import { RolloutView, type PagerKind } from './screens/rollout-view.js';
import { LOG_EVAL_SCRIPT, LOG_INSTANCE, LOG_TEST_OUTPUT } from '../core/harness/report.js';
import { BatchDashboard } from './screens/batch.js';
import { AgentChooser, agentsForAll } from './screens/agent-chooser.js';
import { followSummaries } from './state/follow-summaries.js';
import { BestOfN } from './screens/best-of-n.js';
import { RunCompare } from './screens/run-compare.js';
import { runPager, tempFile } from './pager.js';
import { safe } from './text.js';
import { join } from 'node:path';
import { basename } from 'node:path';

type Screen =
  | { kind: 'home' }
  | { kind: 'picker'; sessionDir?: string; batch?: boolean; query?: string }
  | { kind: 'agent'; task: TaskInfo; batch?: TaskInfo[] }
  | { kind: 'rollout'; rolloutId: string; list: string[] }
  /** followDir: the dashboard of a batch another process runs in that session (else: the one started here). */
  | { kind: 'batch'; followDir?: string }
  | { kind: 'bestofn'; sessionDir?: string; instanceId: string }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'confirmQuit' };

export interface AppProps {
  backend: Backend;
  theme: Theme;
  bindings: Bindings;
  /** Fixed size (tests); default: the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** Open this session on start. */
  initialSession?: string;
  registry?: RolloutRegistry;
  onExit?(mode: 'stop' | 'detach'): void;
}

interface OpenSession { reader: SessionReader; summaries: RolloutSummary[] }

const CONFIRM_QUIT = 'Batch running: s stop it (containers removed) · k keep it running headless · Esc cancel';
const CONFIRM_QUIT_SHORT = 'Batch running: s stop it (containers removed) · k keep it headless · Esc back';

const SCREEN_ID: Record<Screen['kind'], ScreenId> = { home: 'home', picker: 'picker', agent: 'agent', rollout: 'rollout', batch: 'batch', bestofn: 'bestofn', compare: 'compare', confirmQuit: 'home' };

export function App(props: AppProps): React.JSX.Element {
  const { backend } = props;
  const app = useApp();
  const term = useWindowSize();
  const width = props.size?.columns ?? term.columns ?? 80;
  const height = props.size?.rows ?? term.rows ?? 24;
  const registry = useMemo(() => props.registry ?? new RolloutRegistry(), [props.registry]);
  useSyncExternalStore(registry.changed.subscribe, () => registry.ids().length);
  const [stack, setStack] = useState<Screen[]>([{ kind: 'home' }]);
  const [help, setHelp] = useState(false);
  const [helpOffset, setHelpOffset] = useState(0);
  const [tasks, setTasks] = useState<TaskInfo[]>([]);
  const [sessions, setSessions] = useState<SessionListing[]>([]);
  const [open, setOpen] = useState<Map<string, OpenSession>>(new Map());
  const [marked, setMarked] = useState<string>();
  const [winners, setWinners] = useState<Map<string, string>>(new Map());
  const [message, setMessage] = useState<string>();
  const [batch, setBatch] = useState<LiveBatch>();
  const [batchEnded, setBatchEnded] = useState<Set<LiveBatch>>(new Set());
  const batchRunning = !!batch && !batchEnded.has(batch);
  const live = useRef(new Map<string, { interrupt(): void; sessionDir: string }>());
  /** Rollouts started from this workbench (running or not), for the new-run picker's verdicts. */
  const started = useRef(new Map<string, string>());
  const [, setTick] = useState(0);
  const screen = stack[stack.length - 1];
  /** Session followers (file watchers): stopped when the workbench closes, or the process would stay alive. */
  const follows = useRef<Array<() => void>>([]);
  useEffect(() => () => follows.current.splice(0).forEach((off) => off()), []);
  /** Batches other processes run, by session folder (their live.json is polled while a dashboard shows them). */
  const followed = useRef(new Map<string, FollowedBatch>());
  useEffect(() => () => [...followed.current.values()].forEach((f) => f.close()), []);
  const followBatchOf = (dir: string): FollowedBatch | undefined => {
    let f = followed.current.get(dir);
    if (!f) {
      f = backend.followBatch?.(dir);
      if (f) followed.current.set(dir, f);
    }
    return f;
  };

  const push = (s: Screen) => setStack((st) => [...st, s]);
  const replaceTop = (s: Screen) => setStack((st) => [...st.slice(0, -1), s]);
  const pop = () => setStack((st) => (st.length > 1 ? st.slice(0, -1) : st));

  const refreshSessions = useCallback(() => backend.listSessions().then(setSessions).catch((e) => setMessage(String(e.message ?? e))), [backend]);
  useEffect(() => {
    backend.tasks().then(setTasks).catch((e) => setMessage(`could not load tasks: ${e.message ?? e}`));
    void refreshSessions();
  }, [backend, refreshSessions]);

  const openSession = useCallback(
    async (dir: string): Promise<OpenSession> => {
      const have = open.get(dir);
      if (have) return have;
      const reader = await backend.openSession(dir);
      // Queued rows are instances of the selection that never ran: nothing to show or open.
      const ran = () => reader.summaries().filter((r) => r.status !== 'queued');
      const entry: OpenSession = { reader, summaries: ran() };
      // Follow appends from this or another process: events to their rollouts, summaries re-read as rollouts change.
      follows.current.push(
        followSummaries(reader, {
          onEvent: (e) => registry.has(e.rollout) && registry.push(e),
          onSummaries: () => {
            entry.summaries = ran();
            setTick((t) => t + 1);
          },
          onError: (m) => setMessage(`${dir}: ${m}`),
        }),
      );
      setOpen((m) => new Map(m).set(dir, entry));
      return entry;
    },
    [backend, open, registry],
  );

  /** A session a live process is running opens on its batch dashboard; any other on its instance picker. */
  const openSessionView = (dir: string) =>
    openSession(dir).then(
      () => {
        const f = followBatchOf(dir);
        if (f?.isLive()) return push({ kind: 'batch', followDir: dir });
        push({ kind: 'picker', sessionDir: dir });
        if (f && !f.hasEnded()) setMessage(`read-only: ${f.readOnlyReason() ?? 'no live process'}`);
      },
      (e) => setMessage(String(e.message ?? e)),
    );

  useEffect(() => {
    if (props.initialSession) void openSessionView(props.initialSession);
  }, []);

  const loadRollout = async (rolloutId: string, sessionDir?: string): Promise<void> => {
    if (registry.has(rolloutId) && registry.store(rolloutId).events.length) return;
    if (!sessionDir) return;
    const s = await openSession(sessionDir);
    registry.store(rolloutId).pushAll(await s.reader.events(rolloutId));
  };

  const openRollout = async (rolloutId: string, list: string[], sessionDir?: string, replace = false) => {
    try {
      await loadRollout(rolloutId, sessionDir);
      (replace ? replaceTop : push)({ kind: 'rollout', rolloutId, list });
    } catch (err) {
      setMessage(`could not open ${rolloutId}: ${(err as Error).message}`);
    }
  };

  const sessionOfRollout = (id: string): string | undefined => {
    for (const [dir, s] of open) if (s.summaries.some((r) => r.rollout_id === id)) return dir;
    return started.current.get(id);
  };

  const liveSummaries = (): RolloutSummary[] => [...started.current.keys()].map((id) => summaryFromView(registry.store(id).get()));

  const startRollout = async (task: TaskInfo, agent: AgentId) => {
    try {
      const r = await backend.startRollout(task, agent, registry.push);
      live.current.set(r.rolloutId, { interrupt: r.interrupt, sessionDir: r.sessionDir });
      started.current.set(r.rolloutId, r.sessionDir);
      void r.done.finally(() => {
        live.current.delete(r.rolloutId);
        void refreshSessions();
      });
      replaceTop({ kind: 'rollout', rolloutId: r.rolloutId, list: [r.rolloutId] });
    } catch (err) {
      pop();
      setMessage(`could not start the rollout: ${(err as Error).message}`);
    }
  };

  const startBatch = async (chosen: TaskInfo[], agent: AgentId) => {
    if (!backend.startBatch) return setMessage('batches are not available in this build');
    try {
      const b = await backend.startBatch(chosen, agent, registry.push);
      setBatch(b);
      await openSession(b.sessionDir);
      // The finished batch's dashboard stays open (final figures, the finished table); only quitting stops asking.
      void b.done.finally(() => {
        setBatchEnded((e) => new Set(e).add(b));
        void refreshSessions();
      });
      // The batch replaces the picker it was started from: back from the dashboard is home.
      setStack((st) => [...st.slice(0, Math.max(1, st.length - 2)), { kind: 'batch' }]);
    } catch (err) {
      pop();
      setMessage(`could not start the batch: ${(err as Error).message}`);
    }
  };

  const quit = (mode: 'stop' | 'detach') => {
    props.onExit?.(mode);
    app.exit();
  };
  const requestQuit = () => (batchRunning ? push({ kind: 'confirmQuit' }) : quit('stop'));

  const bodyH = height - 1 - (message ? 1 : 0);
  useInput((input, key) => {
    const name = keyName(input, key);
    const action = actionFor(props.bindings, SCREEN_ID[screen.kind], name);
    if (action === 'global.quit') return requestQuit();
    if (help) {
      if (action === 'global.help' || name === 'escape' || name === 'q') return setHelp(false);
      const rows = helpRows(props.bindings, SCREEN_ID[screen.kind]).length;
      const page = Math.max(1, bodyH - 3);
      const d = name === 'down' || name === 'j' ? 1 : name === 'up' || name === 'k' ? -1 : name === 'pagedown' || name === 'space' ? page : name === 'pageup' ? -page : 0;
      if (d) setHelpOffset((o) => Math.max(0, Math.min(o + d, rows - (bodyH - 2))));
      return;
    }
    if (action === 'global.help' && screen.kind !== 'confirmQuit') {
      setHelpOffset(0);
      return setHelp(true);
    }
    if (message) setMessage(undefined);
    if (screen.kind === 'confirmQuit') {
      if (input === 's') quit('stop');
      else if (input === 'k') quit('detach');
      else if (name === 'escape' || input === 'q') pop();
    }
    if (screen.kind === 'agent' && action === 'global.back') pop();
  });

  const active = !help;
  const pagerFor = async (kind: PagerKind, vm: RolloutViewModel, events: unknown[]): Promise<string | undefined> => {
    let file: string | undefined;
    if (kind === 'events') file = tempFile(`${vm.rolloutId}.events.jsonl`, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    else if (!vm.verdict?.log_dir) return 'no verification logs for this rollout yet';
    else file = join(vm.verdict.log_dir, kind === 'eval' ? LOG_EVAL_SCRIPT : kind === 'testlog' ? LOG_TEST_OUTPUT : LOG_INSTANCE);
    let result: { ok: boolean; error?: string } = { ok: false };
    await app.suspendTerminal(() => {
      result = runPager(file!);
    });
    return result.ok ? undefined : result.error;
  };

  let body: React.ReactNode;
  let where = 'home';
  switch (screen.kind) {
    case 'home':
    case 'confirmQuit':
      body = (
        <Home
          sessions={sessions}
          datasetName={backend.datasetName}
          modelHint={backend.modelHint}
          width={width}
          height={bodyH}
          active={active && screen.kind === 'home'}
          batchRunning={batchRunning}
          batchEnded={!!batch && !batchRunning}
          marked={marked}
          onNewRun={() => push({ kind: 'picker' })}
          onNewBatch={() => push({ kind: 'picker', batch: true })}
          onOpen={(dir) => void openSessionView(dir)}
          onMark={(dir) => setMarked((m) => (m === dir ? undefined : dir))}
          onCompare={(a, b) => void Promise.all([openSession(a), openSession(b)]).then(() => push({ kind: 'compare', a, b }))}
          onDashboard={() => batch && push({ kind: 'batch' })}
          onBack={requestQuit}
        />
      );
      if (screen.kind === 'confirmQuit') where = 'a batch is running';
      break;
    case 'picker': {
      const s = screen.sessionDir ? open.get(screen.sessionDir) : undefined;
      const summaries = s ? s.summaries : liveSummaries();
      where = s ? `session ${basename(screen.sessionDir!)}` : screen.batch ? 'new batch' : 'new run';
      body = (
        <Picker
          tasks={tasks}
          summaries={summaries}
          title={s ? `session ${safe(basename(screen.sessionDir!))}` : `${backend.datasetName}: ${screen.batch ? 'mark instances for a batch' : 'pick an instance'}`}
          width={width}
          height={bodyH}
          active={active}
          onOpen={(task, { forceNew }) => {
            const mine = summaries.filter((r) => r.instance_id === task.instance_id).sort((a, b) => (b.started_at ?? 0) - (a.started_at ?? 0));
            if (!forceNew && mine.length && !screen.batch) {
              const list = [...byInstance(summaries).values()].map((l) => l[l.length - 1].rollout_id);
              void openRollout(mine[0].rollout_id, list, screen.sessionDir);
            } else push({ kind: 'agent', task, batch: screen.batch ? [task] : undefined });
          }}
          onBatch={(chosen) => push({ kind: 'agent', task: chosen[0], batch: chosen })}
          onBestOfN={(task) => {
            const dir = screen.sessionDir;
            // Winners marked earlier (in this or another run of the workbench) show again.
            if (dir && backend.winners) void backend.winners(dir).then((w) => setWinners((m) => { const n = new Map(m); for (const [i, r] of w) n.set(`${dir}:${i}`, r); return n; }), () => undefined);
            push({ kind: 'bestofn', sessionDir: dir, instanceId: task.instance_id });
          }}
          onBack={pop}
          initialQuery={screen.query}
          onQueryChange={(q) =>
            setStack((st) => {
              const top = st[st.length - 1];
              return top.kind === 'picker' ? [...st.slice(0, -1), { ...top, query: q }] : st;
            })
          }
        />
      );
      break;
    }
    case 'agent': {
      const choices = screen.batch ? agentsForAll(backend, screen.batch) : backend.agents(screen.task);
      where = screen.batch ? `batch of ${screen.batch.length}: choose an agent` : `${safe(screen.task.instance_id)}: choose an agent`;
      body = (
        <AgentChooser
          task={screen.task}
          batch={screen.batch}
          choices={choices}
          modelHint={backend.modelHint}
          width={width}
          height={bodyH}
          active={active}
          onChoose={(agent) => void (screen.batch ? startBatch(screen.batch, agent) : startRollout(screen.task, agent))}
        />
      );
      break;
    }
    case 'rollout': {
      const store = registry.store(screen.rolloutId);
      const vm = store.get();
      const task = tasks.find((t) => t.instance_id === vm.instanceId);
      const pos = screen.list.indexOf(screen.rolloutId);
      const move = (d: number) => {
        const next = screen.list[pos + d];
        if (next) void openRollout(next, screen.list, sessionOfRollout(next), true);
      };
      where = `rollout ${vm.instanceId || screen.rolloutId}`;
      body = (
        <RolloutView
          key={screen.rolloutId}
          store={store}
          task={task}
          width={width}
          height={bodyH}
          active={active}
          position={screen.list.length > 1 ? `${pos + 1}/${screen.list.length}` : undefined}
          onBack={pop}
          onPrevInstance={() => move(-1)}
          onNextInstance={() => move(1)}
          onInterrupt={(id) => {
            if (live.current.has(id)) return live.current.get(id)!.interrupt();
            if (batchRunning && batch!.control.snapshot().active.some((a) => a.rollout_id === id)) return batch!.control.kill(id);
            // A rollout of a batch another process runs: ask that process.
            for (const f of followed.current.values()) if (f.snapshot().active.some((a) => a.rollout_id === id)) return f.kill(id);
          }}
          attachCommand={(v) => backend.attachCommand({ ...v, patch: v.patch || patchAtStep(v, v.steps.length - 1) }, sessionOfRollout(v.rolloutId))}
          openPager={pagerFor}
        />
      );
      break;
    }
    case 'batch': {
      where = 'batch dashboard';
      const f = screen.followDir ? followed.current.get(screen.followDir) : undefined;
      if (screen.followDir && f) {
        const dir = screen.followDir;
        where = `batch ${basename(dir)} (${f.source() ?? 'another process'})`;
        body = (
          <BatchDashboard
            key={dir}
            control={f}
            remote={f}
            finished={open.get(dir)?.summaries ?? []}
            sessionName={basename(dir)}
            width={width}
            height={bodyH}
            active={active}
            onOpen={(id) => void openRollout(id, [id], dir)}
            onBack={pop}
          />
        );
        break;
      }
      const s = batch ? open.get(batch.sessionDir) : undefined;
      body = batch ? (
        <BatchDashboard
          control={batch.control}
          finished={s?.summaries ?? []}
          sessionName={basename(batch.sessionDir)}
          width={width}
          height={bodyH}
          active={active}
          onOpen={(id) => void openRollout(id, [id], batch.sessionDir)}
          onBack={pop}
        />
      ) : (
        <Text>no batch is running</Text>
      );
      break;
    }
    case 'bestofn': {
      const s = screen.sessionDir ? open.get(screen.sessionDir) : undefined;
      const all = s ? s.summaries : liveSummaries();
      const bi = byInstance(all);
      where = `best-of-n ${screen.instanceId}`;
      body = (
        <BestOfN
          instanceId={screen.instanceId}
          candidates={bi.get(screen.instanceId) ?? []}
          loadPatch={async (id) => {
            await loadRollout(id, screen.sessionDir);
            return registry.store(id).get().patch;
          }}
          curves={sessionCurves(bi)}
          width={width}
          height={bodyH}
          active={active}
          winner={winners.get(`${screen.sessionDir}:${screen.instanceId}`)}
          onMarkWinner={(id) => {
            setWinners((w) => new Map(w).set(`${screen.sessionDir}:${screen.instanceId}`, id));
            if (screen.sessionDir) void backend.markWinner?.(screen.sessionDir, screen.instanceId, id);
          }}
          onOpen={(id) => void openRollout(id, (bi.get(screen.instanceId) ?? []).map((c) => c.rollout_id), screen.sessionDir)}
          onBack={pop}
        />
      );
      break;
    }
    case 'compare': {
      const a = open.get(screen.a);
      const b = open.get(screen.b);
      where = 'run compare';
      body = (
        <RunCompare
          a={{ name: basename(screen.a), summaries: a?.summaries ?? [] }}
          b={{ name: basename(screen.b), summaries: b?.summaries ?? [] }}
          width={width}
          height={bodyH}
          active={active}
          onOpen={(side, id) => void openRollout(id, [id], side === 'a' ? screen.a : screen.b)}
          onBack={pop}
        />
      );
      break;
    }
  }

  return (
    <ThemeContext.Provider value={props.theme}>
      <KeysContext.Provider value={props.bindings}>
        <Box flexDirection="column" width={width} height={height}>
          {help ? <HelpOverlay screen={SCREEN_ID[screen.kind]} width={width} height={bodyH} offset={helpOffset} /> : body}
          {message && (
            <Box height={1} width={width}>
              <Text wrap="truncate-end"><T role="status.error">{safe(message)}</T></Text>
            </Box>
          )}
          {screen.kind === 'confirmQuit' ? (
            <Box height={1} width={width}>
              <Text wrap="truncate-end"><T role="status.stalled">{width >= 92 ? CONFIRM_QUIT : CONFIRM_QUIT_SHORT}</T></Text>
            </Box>
          ) : (
            <StatusBar where={where} screen={SCREEN_ID[screen.kind]} width={width} />
          )}
        </Box>
      </KeysContext.Provider>
    </ThemeContext.Provider>
  );
}

export { SCREEN_ID };
