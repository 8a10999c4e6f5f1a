import React, { useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { Role } from '../theme.js';
import type { RolloutStore } from '../state/rollout-store.js';
import { isLive, patchAtStep, type RolloutViewModel } from '../state/rollout-view-model.js';
import { Pane, paneRows, clampOffset } from '../components/pane.js';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { lineText, type Line } from '../components/line.js';
import { actionLines, diffLines, scoreLines, shellLines, taskLines, verdictLabel, type PatchKind, type TaskInfo } from '../panes/lines.js';
import { PANES, rolloutLayout, type PaneId } from './rollout-layout.js';
import { fmtCost, fmtDuration, safe, wrapLines } from '../text.js';
import { copyToClipboard } from '../clipboard.js';
import { failingTests } from '../panes/lines.js';
import { fitParts, middleCut, type Part } from '../fit.js';
import { useClock } from '../state/clock.js';
import { searchPane, type SearchHit } from '../panes/search.js';
import { moatlessLines } from '../panes/moatless.js';

export type PagerKind = 'events' | 'eval' | 'testlog' | 'applylog';

export interface RolloutViewProps {
  store: RolloutStore;
  task?: TaskInfo;
  width: number;
  height: number;
  active?: boolean;
  /** Where this rollout stands: its instance among the session's ("3/5", H/L) and its sample among the instance's ("2/4", [ ]). */
  position?: { instance?: string; sample?: string };
  /** A live rollout whose last event is older than this is STALLED (the scheduler's --stall-after; default 600 s). */
  stallMs?: number;
  onBack(): void;
  onPrevInstance?(): void;
  onNextInstance?(): void;
  onPrevSample?(): void;
  onNextSample?(): void;
  /** Best-of-n of this rollout's instance. */
  onBestOfN?(): void;
  /** Saves the patch where the user can apply it; returns the path. */
  savePatch?(vm: RolloutViewModel, patch: string): string | undefined;
  onInterrupt?(rolloutId: string): void;
  attachCommand?(vm: RolloutViewModel): string;
  /** Clipboard writer (OSC 52 by default); tests pass their own. */
  copy?(text: string): void;
  /** Opens raw events / eval.sh / test log in $PAGER; returns a message to show (e.g. what was missing). */
  openPager?(kind: PagerKind, vm: RolloutViewModel, events: unknown[], search?: string): Promise<string | undefined> | string | undefined;
}

const PATCH_KINDS: PatchKind[] = ['model', 'gold', 'test'];

export function RolloutView(props: RolloutViewProps): React.JSX.Element {
  const { store, task, width, height } = props;
  const vm = useSyncExternalStore(store.subscribe, store.get);
  // Elapsed, the running step's timer and the heartbeat age move once a second while the rollout runs.
  const now = useClock(isLive(vm));
  const [focus, setFocus] = useState<PaneId>('actions');
  const [maximized, setMaximized] = useState(false);
  /** null = follow the last step (live). */
  const [sel, setSel] = useState<number | null>(null);
  const [offsets, setOffsets] = useState<Record<PaneId, number | null>>({ task: 0, actions: null, shell: null, diff: 0, scores: 0 });
  const [patchKind, setPatchKind] = useState<PatchKind>('model');
  const [search, setSearch] = useState<{ query: string; editing: boolean; match?: number; pane?: PaneId; hits?: SearchHit[]; at?: number }>({ query: '', editing: false });
  const [message, setMessage] = useState<string | undefined>();

  const lastIndex = Math.max(0, vm.steps.length - 1 + (vm.streaming ? 1 : 0));
  const selected = sel === null ? lastIndex : Math.min(sel, lastIndex);
  const following = sel === null;
  // A long message (the attach / recreate command) wraps over up to 4 rows instead of being cut off.
  const messageLines = message && !search.editing ? wrapLines(safe(message), width).slice(0, 4) : [];
  const topH = Math.max(1, messageLines.length);
  const bodyH = height - topH;
  const layout = rolloutLayout(width, bodyH, focus, maximized);
  const boxes = new Map(layout.columns.flatMap((c) => c.panes.map((p) => [p.id, p] as const)));
  const inner = (id: PaneId): number => Math.max(10, (boxes.get(id)?.width ?? width) - 2);
  const innerW = (id: PaneId): number => (boxes.has(id) ? inner(id) : Math.max(10, width - 2));

  const patch = patchKind === 'gold' ? task?.patch ?? '' : patchKind === 'test' ? task?.test_patch ?? '' : following ? vm.patch : patchAtStep(vm, selected);
  const runningStep = vm.steps.some((st) => st.status === 'running');
  // The running step's timer shows whole seconds: its lines (and the agent pane) are laid out again once a second, not
  // on every frame of streaming shell output.
  const tickSec = runningStep ? Math.floor(now / 1000) : 0;
  const acts = useMemo(() => actionLines(vm, innerW('actions'), selected, tickSec ? tickSec * 1000 : now), [vm.steps, vm.streaming, vm.streamingTool, vm.phase, innerW('actions'), selected, tickSec]);
  const content: Record<PaneId, Line[]> = {
    task: useMemo(() => taskLines(task, innerW('task')), [task, innerW('task')]),
    actions: acts.lines,
    // A Moatless rollout runs no commands: its pane takes the shell's place.
    shell: useMemo(
      () => (vm.moatless ? moatlessLines(vm.moatless, innerW('shell')) : shellLines(vm, innerW('shell'), selected, following)),
      [vm.moatless, vm.shell, vm.steps, vm.containerId, innerW('shell'), selected, following],
    ),
    diff: useMemo(() => diffLines(patch, innerW('diff')), [patch, innerW('diff')]),
    scores: useMemo(() => scoreLines(vm, innerW('scores')), [vm.verdict, vm.tests, vm.scores, vm.stopReason, vm.promptTokens, vm.completionTokens, vm.costUsd, vm.phase, vm.error, innerW('scores')]),
  };

  const rowsOf = (id: PaneId): number => paneRows(boxes.get(id)?.height ?? bodyH);
  /** Offsets: null means "stick to the natural position" (the selected step, the shell's tail). */
  const offsetOf = (id: PaneId): number => {
    const o = offsets[id];
    if (o !== null) return o;
    if (id === 'actions') return Math.max(0, Math.min(acts.selectedStart, acts.lines.length - rowsOf(id)));
    if (id === 'shell') return vm.moatless ? 0 : Math.max(0, content.shell.length - rowsOf(id));
    return 0;
  };
  const scroll = (id: PaneId, delta: number): void => {
    const rows = rowsOf(id);
    setOffsets((o) => ({ ...o, [id]: clampOffset(offsetOf(id) + delta, content[id].length, rows) }));
  };
  const stepTo = (i: number | null): void => {
    setSel(i);
    setOffsets((o) => ({ ...o, actions: null, shell: null }));
  };

  /** Shows hit `k` of a search: the agent pane selects (and so expands) the step, other panes scroll to the line. */
  const showHit = (hits: SearchHit[], k: number, query: string, pane: PaneId): void => {
    const hit = hits[k]!;
    if (hit.step !== undefined) {
      setSel(hit.step >= lastIndex && isLive(vm) ? null : hit.step);
      setOffsets((o) => ({ ...o, actions: null, shell: null }));
      setSearch({ query, editing: false, hits, at: k, pane });
    } else {
      setSearch({ query, editing: false, match: hit.line, hits, at: k, pane });
      setOffsets((o) => ({ ...o, [pane]: clampOffset(hit.line! - 1, content[pane].length, rowsOf(pane)) }));
    }
    setMessage(`match ${k + 1}/${hits.length}${hit.step !== undefined ? ` · step ${hit.step + 1}` : ''} for "${query}" in ${pane === 'actions' ? 'agent' : pane}`);
  };
  const runSearch = (query: string): void => {
    // The agent pane searches every step in full (messages, calls and their observations), collapsed or not.
    const hits = searchPane(focus, query, { lines: content[focus], steps: vm.steps });
    if (!hits.length) {
      setSearch({ query, editing: false });
      setMessage(`no match for "${query}" in ${focus === 'actions' ? 'agent' : focus}`);
      return;
    }
    const from = focus === 'actions' ? selected : offsetOf(focus);
    const k = Math.max(0, hits.findIndex((h) => (h.step ?? h.line!) >= from));
    showHit(hits, k, query, focus);
  };

  useBoundInput(
    'rollout',
    (action, name, input) => {
      if (search.editing) {
        if (name === 'escape') setSearch({ query: '', editing: false });
        else if (name === 'return') runSearch(search.query);
        else if (name === 'backspace') setSearch((s) => ({ ...s, query: s.query.slice(0, -1) }));
        else if (name === 'space') setSearch((s) => ({ ...s, query: `${s.query} ` }));
        else if (input && !/^ctrl\+/.test(name) && (name.length === 1 || name === input) && !/[\x00-\x1f\x7f]/.test(input)) setSearch((s) => ({ ...s, query: s.query + input }));
        return;
      }
      if (message && action !== 'global.help') setMessage(undefined);
      const page = Math.max(1, rowsOf(focus) - 1);
      switch (action) {
        case 'global.back':
          if (maximized) setMaximized(false);
          else props.onBack();
          return;
        case 'rollout.nextStep':
          stepTo(selected + 1 >= lastIndex ? null : selected + 1);
          return;
        case 'rollout.prevStep':
          stepTo(Math.max(0, selected - 1));
          return;
        case 'rollout.firstStep':
          stepTo(0);
          return;
        case 'rollout.lastStep':
          stepTo(null);
          return;
        case 'rollout.nextInstance':
          if (props.onNextInstance) props.onNextInstance();
          else setMessage('no other instance to move to');
          return;
        case 'rollout.prevInstance':
          if (props.onPrevInstance) props.onPrevInstance();
          else setMessage('no other instance to move to');
          return;
        case 'rollout.focusNext':
          setFocus((f) => PANES[(PANES.indexOf(f) + 1) % PANES.length]);
          return;
        case 'rollout.focusPrev':
          setFocus((f) => PANES[(PANES.indexOf(f) + PANES.length - 1) % PANES.length]);
          return;
        case 'rollout.maximize':
          setMaximized((m) => !m);
          return;
        case 'rollout.scrollDown':
          scroll(focus, 1);
          return;
        case 'rollout.scrollUp':
          scroll(focus, -1);
          return;
        case 'rollout.pageDown':
          scroll(focus, page);
          return;
        case 'rollout.pageUp':
          scroll(focus, -page);
          return;
        case 'rollout.search':
          setSearch({ query: '', editing: true });
          return;
        case 'rollout.searchNext':
          if (search.hits?.length && search.pane) showHit(search.hits, ((search.at ?? -1) + 1) % search.hits.length, search.query, search.pane);
          else if (search.query) runSearch(search.query);
          return;
        case 'rollout.nextSample':
          if (props.onNextSample) props.onNextSample();
          else setMessage('no other sample of this instance');
          return;
        case 'rollout.prevSample':
          if (props.onPrevSample) props.onPrevSample();
          else setMessage('no other sample of this instance');
          return;
        case 'rollout.bestOfN':
          if (props.onBestOfN) props.onBestOfN();
          else setMessage('best-of-n needs the rollout\'s session');
          return;
        case 'rollout.yankPatch': {
          const p = patch || vm.patch;
          if (!p.trim()) return setMessage('the patch is empty: nothing to copy');
          (props.copy ?? copyToClipboard)(p);
          const file = props.savePatch?.(vm, p);
          setMessage(`patch (${p.split('\n').length} lines) copied via OSC 52${file ? `; saved to ${file}` : ''}`);
          return;
        }
        case 'rollout.togglePatch':
          setPatchKind((k) => PATCH_KINDS[(PATCH_KINDS.indexOf(k) + 1) % PATCH_KINDS.length]);
          setOffsets((o) => ({ ...o, diff: 0 }));
          return;
        case 'rollout.attach': {
          const cmd = props.attachCommand?.(vm);
          if (cmd) (props.copy ?? copyToClipboard)(cmd);
          setMessage(cmd ? `${cmd}   (copied to the clipboard via OSC 52 where the terminal allows)` : 'no environment to attach to');
          return;
        }
        case 'rollout.rawEvents':
        case 'rollout.evalScript':
        case 'rollout.testLog':
        case 'rollout.applyLog': {
          const kinds: Record<string, PagerKind> = { 'rollout.rawEvents': 'events', 'rollout.evalScript': 'eval', 'rollout.testLog': 'testlog', 'rollout.applyLog': 'applylog' };
          const kind = kinds[action];
          // The test log opens at the first failing test (F2P first), where the reason is.
          const at = kind === 'testlog' ? failingTests(vm)[0]?.name : undefined;
          const r = props.openPager?.(kind, vm, store.events, at);
          Promise.resolve(r).then((m) => m && setMessage(m));
          return;
        }
        case 'rollout.interrupt':
          if (isLive(vm) && props.onInterrupt) {
            props.onInterrupt(vm.rolloutId);
            setMessage('interrupt requested');
          } else setMessage('the rollout is not running');
          return;
      }
    },
    props.active ?? true,
    { textEntry: search.editing },
  );

  const tabName = (p: PaneId): string => (p === 'shell' && vm.moatless ? 'moatless' : p);
  const v = verdictLabel(vm);
  const elapsed = vm.startedTs ? (vm.endedTs ?? now) - vm.startedTs : undefined;
  const titleOf: Record<PaneId, string> = {
    task: `task ${safe(task?.instance_id ?? vm.instanceId)}`,
    actions: `agent ${following ? (isLive(vm) ? '(live)' : `${vm.steps.length} steps`) : `step ${selected + 1}/${lastIndex + 1}`}`,
    shell: vm.moatless ? `moatless${vm.moatless.state ? ` · ${vm.moatless.state}` : ''}` : following ? 'shell' : `shell · step ${selected + 1}`,
    diff: patchKind === 'model' ? (patch.trim() ? `diff${vm.patchFiles.length ? ` ${vm.patchFiles.length} file(s)` : ''}` : 'diff (empty)') : `${patchKind} patch`,
    scores: 'scores',
  };

  const topLine = search.editing ? (
    <Text wrap="truncate-end">
      <T role="title">/{search.query}</T>
      <T role="muted">  (Enter search {focus === 'actions' ? 'agent' : focus}, Esc cancel)</T>
    </Text>
  ) : message ? (
    <Text wrap="truncate-end">
      <T role="warn">{messageLines.join('\n')}</T>
    </Text>
  ) : (
    <HeaderLine vm={vm} verdict={v} now={now} elapsed={elapsed} step={vm.steps.length ? `step ${Math.min(selected + 1, vm.steps.length)}/${vm.steps.length}` : ''} stallMs={props.stallMs ?? DEFAULT_STALL_MS} position={props.position} width={width} fallbackId={task?.instance_id ?? vm.rolloutId} />
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={topH} width={width} overflow="hidden">{topLine}</Box>
      {layout.tabs && (
        <Box height={1} width={width} overflow="hidden">
          <Text wrap="truncate-end">
            {PANES.map((p) => (
              <T key={p} role={p === focus ? 'focus' : 'muted'}>{p === focus ? `[${tabName(p)}] ` : ` ${tabName(p)}  `}</T>
            ))}
          </Text>
        </Box>
      )}
      <Box flexDirection="row" width={width} height={bodyH - (layout.tabs ? 1 : 0)}>
        {layout.columns.map((c, ci) => (
          <Box key={ci} flexDirection="column" width={c.width} flexShrink={0}>
            {c.panes.map((p) => (
              <Pane
                key={p.id}
                title={titleOf[p.id]}
                width={p.width}
                height={p.height}
                focused={p.id === focus}
                lines={content[p.id]}
                offset={offsetOf(p.id)}
                highlightIndex={search.pane === p.id ? search.match : undefined}
                highlightRole="search.match"
              />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

/** The scheduler's default --stall-after. */
export const DEFAULT_STALL_MS = 600_000;
/** A live rollout silent for this long shows its heartbeat age (before it counts as stalled). */
const QUIET_MS = 5_000;

/**
 * The header by priority (fit.ts): verdict, STALLED, step n/m, elapsed and cost are never dropped; the instance id
 * takes what is left (cut in the middle); sample, phase and agent go first.
 */
function HeaderLine(props: {
  vm: RolloutViewModel;
  verdict: { text: string; role: Role };
  now: number;
  elapsed?: number;
  step: string;
  stallMs: number;
  position?: RolloutViewProps['position'];
  width: number;
  fallbackId: string;
}): React.JSX.Element {
  const { vm, now } = props;
  const age = isLive(vm) && vm.lastEventTs ? now - vm.lastEventTs : undefined;
  const stalled = age !== undefined && age > props.stallMs;
  const parts: Array<Part & { role?: Role; id?: boolean }> = [
    { text: props.verdict.text, rank: 100, role: props.verdict.role },
    { text: stalled ? `STALLED ♥ ${fmtDuration(age)}` : age !== undefined && age >= QUIET_MS ? `♥ ${fmtDuration(age)}` : '', rank: stalled ? 99 : 40, role: stalled ? 'status.stalled' : 'muted' },
    { text: vm.verdict?.tamper ? 'TAMPER' : '', rank: 96, role: 'status.error' },
    { text: vm.verdict?.env_partial ? 'ENV PARTIAL' : '', rank: 60, role: 'warn' },
    { text: props.step, rank: 90 },
    { text: fmtDuration(props.elapsed), rank: 85 },
    { text: fmtCost(vm.costUsd), rank: 80 },
    { text: '\0id', rank: 70, id: true, role: 'header' },
    { text: props.position?.sample ? `sample ${vm.sample} [${props.position.sample}]` : `sample ${vm.sample}`, rank: 30 },
    { text: vm.phase === 'completed' ? '' : vm.phase, rank: 20 },
    { text: `${vm.agent.kind}${vm.agent.model ? `:${safe(vm.agent.model)}` : ''}`, rank: 10 },
  ];
  const idText = safe(vm.instanceId || props.fallbackId) + (props.position?.instance ? ` [${props.position.instance}]` : '');
  const minId = Math.min(Array.from(idText).length, 14);
  // Fit with the id at its shortest readable width, then give the id whatever room the kept parts leave.
  const kept = fitParts(parts.map((p) => (p.id ? { ...p, text: 'x'.repeat(minId) } : p)), props.width);
  const used = kept.reduce((n, p, i) => n + (p.id ? 0 : Array.from(p.text).length) + (i ? 3 : 0), 0);
  return (
    <Text wrap="truncate-end">
      {kept.map((p, i) => (
        <React.Fragment key={i}>
          {i > 0 && <T role="muted"> · </T>}
          <T role={(p.role as Role | undefined) ?? (p.rank >= 80 ? undefined : 'muted')}>{p.id ? middleCut(idText, Math.max(minId, props.width - used)) : p.text}</T>
        </React.Fragment>
      ))}
    </Text>
  );
}
