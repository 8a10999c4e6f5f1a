import React, { useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { RolloutStore } from '../state/rollout-store.js';
import { isLive, patchAtStep, type RolloutViewModel } from '../state/rollout-view-model.js';
import { Pane, paneRows, clampOffset } from '../components/pane.js';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { lineText, type Line } from '../components/line.js';
import { actionLines, diffLines, scoreLines, shellLines, taskLines, verdictLabel, type PatchKind, type TaskInfo } from '../panes/lines.js';
import { PANES, rolloutLayout, type PaneId } from './rollout-layout.js';
import { findLine, fmtCost, fmtDuration, safe, wrapLines } from '../text.js';
import { copyToClipboard } from '../clipboard.js';

export type PagerKind = 'events' | 'eval' | 'testlog' | 'applylog';

export interface RolloutViewProps {
  store: RolloutStore;
  task?: TaskInfo;
  width: number;
  height: number;
  active?: boolean;
  /** e.g. "2/5" when the rollout is one of a list (H/L move through it). */
  position?: string;
  onBack(): void;
  onPrevInstance?(): void;
  onNextInstance?(): void;
  onInterrupt?(rolloutId: string): void;
  attachCommand?(vm: RolloutViewModel): string;
  /** Clipboard writer (OSC 52 by default); tests pass their own. */
  copy?(text: string): void;
  /** Opens raw events / eval.sh / test log in $PAGER; returns a message to show (e.g. what was missing). */
  openPager?(kind: PagerKind, vm: RolloutViewModel, events: unknown[]): Promise<string | undefined> | string | undefined;
}

const PATCH_KINDS: PatchKind[] = ['model', 'gold', 'test'];

export function RolloutView(props: RolloutViewProps): React.JSX.Element {
  const { store, task, width, height } = props;
  const vm = useSyncExternalStore(store.subscribe, store.get);
  const [focus, setFocus] = useState<PaneId>('actions');
  const [maximized, setMaximized] = useState(false);
  /** null = follow the last step (live). */
  const [sel, setSel] = useState<number | null>(null);
  const [offsets, setOffsets] = useState<Record<PaneId, number | null>>({ task: 0, actions: null, shell: null, diff: 0, scores: 0 });
  const [patchKind, setPatchKind] = useState<PatchKind>('model');
  const [search, setSearch] = useState<{ query: string; editing: boolean; match?: number; pane?: PaneId }>({ query: '', editing: false });
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
  const acts = useMemo(() => actionLines(vm, innerW('actions'), selected), [vm.steps, vm.streaming, vm.streamingTool, vm.phase, innerW('actions'), selected]);
  const content: Record<PaneId, Line[]> = {
    task: useMemo(() => taskLines(task, innerW('task')), [task, innerW('task')]),
    actions: acts.lines,
    shell: useMemo(() => shellLines(vm, innerW('shell'), selected, following), [vm.shell, vm.steps, vm.containerId, innerW('shell'), selected, following]),
    diff: useMemo(() => diffLines(patch, innerW('diff')), [patch, innerW('diff')]),
    scores: useMemo(() => scoreLines(vm, innerW('scores')), [vm.verdict, vm.tests, vm.scores, vm.stopReason, vm.promptTokens, vm.completionTokens, vm.costUsd, vm.phase, vm.error, innerW('scores')]),
  };

  const rowsOf = (id: PaneId): number => paneRows(boxes.get(id)?.height ?? bodyH);
  /** Offsets: null means "stick to the natural position" (the selected step, the shell's tail). */
  const offsetOf = (id: PaneId): number => {
    const o = offsets[id];
    if (o !== null) return o;
    if (id === 'actions') return Math.max(0, Math.min(acts.selectedStart, acts.lines.length - rowsOf(id)));
    if (id === 'shell') return Math.max(0, content.shell.length - rowsOf(id));
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

  const runSearch = (query: string, from: number): void => {
    const lines = content[focus].map(lineText);
    const at = findLine(lines, query, from);
    if (at < 0) {
      setSearch({ query, editing: false });
      setMessage(`no match for "${query}" in ${focus}`);
      return;
    }
    setSearch({ query, editing: false, match: at, pane: focus });
    setMessage(undefined);
    setOffsets((o) => ({ ...o, [focus]: clampOffset(at - 1, lines.length, rowsOf(focus)) }));
  };

  useBoundInput(
    'rollout',
    (action, name, input) => {
      if (search.editing) {
        if (name === 'escape') setSearch({ query: '', editing: false });
        else if (name === 'return') runSearch(search.query, offsetOf(focus));
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
          props.onNextInstance?.();
          return;
        case 'rollout.prevInstance':
          props.onPrevInstance?.();
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
          if (search.query) runSearch(search.query, (search.match ?? offsetOf(focus)) + 1);
          return;
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
          const r = props.openPager?.(kind, vm, store.events);
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

  const v = verdictLabel(vm);
  const elapsed = vm.startedTs ? (vm.endedTs ?? Date.now()) - vm.startedTs : undefined;
  const titleOf: Record<PaneId, string> = {
    task: `task ${safe(task?.instance_id ?? vm.instanceId)}`,
    actions: `agent ${following ? (isLive(vm) ? '(live)' : `${vm.steps.length} steps`) : `step ${selected + 1}/${lastIndex + 1}`}`,
    shell: following ? 'shell' : `shell · step ${selected + 1}`,
    diff: patchKind === 'model' ? `diff${vm.patchFiles.length ? ` ${vm.patchFiles.length} file(s)` : ''}` : `${patchKind} patch`,
    scores: 'scores',
  };

  const topLine = search.editing ? (
    <Text wrap="truncate-end">
      <T role="title">/{search.query}</T>
      <T role="muted">  (Enter search {focus}, Esc cancel)</T>
    </Text>
  ) : message ? (
    <Text wrap="truncate-end">
      <T role="warn">{messageLines.join('\n')}</T>
    </Text>
  ) : (
    <Text wrap="truncate-end">
      <T role="header">{safe(vm.instanceId || task?.instance_id || vm.rolloutId)}</T>
      <T role="muted">{props.position ? ` [${props.position}]` : ''} · {vm.agent.kind}{vm.agent.model ? `:${safe(vm.agent.model)}` : ''} · sample {vm.sample} · </T>
      <T role={v.role}>{v.text}</T>
      <T role="muted"> · {vm.phase} · {fmtDuration(elapsed)} · {fmtCost(vm.costUsd)}</T>
    </Text>
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={topH} width={width} overflow="hidden">{topLine}</Box>
      {layout.tabs && (
        <Box height={1} width={width} overflow="hidden">
          <Text wrap="truncate-end">
            {PANES.map((p) => (
              <T key={p} role={p === focus ? 'focus' : 'muted'}>{p === focus ? `[${p}] ` : ` ${p}  `}</T>
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
