import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart } from '../components/list-window.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutSummary } from '../../core/session/index.js';
import { bestOf, byInstance, meanScore } from '../state/compare.js';
import { verdictRole } from '../theme.js';
import { fmtCost, fmtDuration, padEnd, padStart, safe } from '../text.js';
import { durationOf, nextSort, sortBy, sortLabel, type ListSort, type ListSortKey } from '../state/sort.js';
import { idFitter } from '../fit.js';

export interface PickerProps {
  tasks: TaskInfo[];
  /** Rollouts of the open session (for each instance's best verdict and score). */
  summaries?: RolloutSummary[];
  title: string;
  width: number;
  height: number;
  active?: boolean;
  batchMode?: boolean;
  onOpen(task: TaskInfo, opts: { forceNew: boolean }): void;
  onBatch(tasks: TaskInfo[]): void;
  onBestOfN?(task: TaskInfo): void;
  onBack(): void;
  /** The filter survives leaving and coming back (the app keeps it). */
  initialQuery?: string;
  onQueryChange?(q: string): void;
  /** The instance the cursor is on (the app keeps it across navigation). */
  cursor?: string;
  onCursor?(instanceId: string): void;
}

/** Words of the filter that match an instance's best verdict (`is:resolved`, or the bare verdict). */
const VERDICT_WORDS: Record<string, (v: string | undefined) => boolean> = {
  resolved: (v) => v === 'resolved',
  unresolved: (v) => v === 'unresolved',
  empty: (v) => v === 'empty_patch',
  empty_patch: (v) => v === 'empty_patch',
  error: (v) => v === 'error' || v === 'infra_error' || v === 'patch_apply_failed' || v === 'timeout' || v === 'image_error',
  failed: (v) => v !== undefined && v !== 'resolved',
  unrun: (v) => v === undefined,
};

/**
 * Filter on instance id, repo, version and problem text; every word must match. `is:<verdict>` (resolved,
 * unresolved, empty, error, failed, unrun) matches the best verdict of the instance's rollouts.
 */
export function filterTasks(tasks: TaskInfo[], query: string, verdictOf: (id: string) => string | undefined = () => undefined): TaskInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return tasks;
  return tasks.filter((t) => {
    const hay = `${t.instance_id}\n${t.repo}\n${t.version}\n${t.problem_statement}`.toLowerCase();
    return words.every((w) => {
      const is = /^is:(.+)$/.exec(w);
      if (is) return VERDICT_WORDS[is[1]!]?.(verdictOf(t.instance_id)) ?? false;
      return hay.includes(w);
    });
  });
}

/**
 * The instance picker, k9s / lazygit style: keys navigate (j/k, arrows, g/G), `/` opens the filter and only then do
 * typed letters go into it (Enter keeps the filter, Esc drops it). The cursor follows its instance, not a row number,
 * through filtering, help and coming back.
 */
/** The sort of each picker (by title: one per session) while the workbench runs: leaving and coming back keeps it. */
const SORTS = new Map<string, ListSort>();
const SORT_ACTIONS: Record<string, ListSortKey> = { 'picker.sortVerdict': 'verdict', 'picker.sortInstance': 'instance', 'picker.sortSteps': 'steps', 'picker.sortCost': 'cost', 'picker.sortTime': 'time' };

export function Picker(props: PickerProps): React.JSX.Element {
  const { tasks, width, height } = props;
  const [sort, setSortState] = useState<ListSort | undefined>(SORTS.get(props.title));
  const setSort = (s: ListSort) => {
    SORTS.set(props.title, s);
    setSortState(s);
  };
  const [query, setQueryState] = useState(props.initialQuery ?? '');
  const [editing, setEditing] = useState(false);
  const [cursorId, setCursorId] = useState<string | undefined>(props.cursor);
  const [marked, setMarked] = useState<Set<string>>(new Set());
  const start = useRef(0);
  const best = useMemo(() => byInstance(props.summaries ?? []), [props.summaries]);
  const verdictOf = (id: string) => bestOf(best.get(id))?.verdict;
  // Sorted on the instance's best sample (the row shows it): its verdict failure first, its steps, cost or time.
  const filtered = useMemo(() => sortBy(filterTasks(tasks, query, verdictOf), sort, (t) => t.instance_id, (t) => bestOf(best.get(t.instance_id))), [tasks, query, best, sort]);
  const found = cursorId === undefined ? -1 : filtered.findIndex((t) => t.instance_id === cursorId);
  const sel = found >= 0 ? found : 0;
  const current = filtered[sel];

  const setQuery = (q: string) => {
    setQueryState(q);
    props.onQueryChange?.(q);
  };
  const moveTo = (i: number) => {
    const t = filtered[Math.max(0, Math.min(i, filtered.length - 1))];
    if (!t) return;
    setCursorId(t.instance_id);
    props.onCursor?.(t.instance_id);
  };

  useBoundInput(
    'picker',
    (action, name, input) => {
      if (editing) {
        // `?` is always the help key (the app opens it), so the status bar's "? help" holds in the filter too.
        if (action === 'global.help') return;
        if (name === 'escape') {
          setEditing(false);
          return setQuery('');
        }
        if (name === 'return') return setEditing(false);
        if (name === 'backspace') return setQuery(query.slice(0, -1));
        if (name === 'up' || name === 'down') return moveTo(sel + (name === 'up' ? -1 : 1));
        if (action === 'picker.clear') return setQuery('');
        if (name === 'space') return setQuery(`${query} `);
        if (input && !/^ctrl\+/.test(name) && !/[\x00-\x1f\x7f]/.test(input)) return setQuery(query + input);
        return;
      }
      const sortKey = action ? SORT_ACTIONS[action] : undefined;
      if (sortKey) {
        // The cursor keeps its instance, wherever the sort puts it.
        if (current) setCursorId(current.instance_id);
        return setSort(nextSort(sort, sortKey));
      }
      switch (action) {
        case 'picker.back':
          if (query) return setQuery('');
          return props.onBack();
        case 'picker.filter':
          return setEditing(true);
        case 'picker.open':
          return current && props.onOpen(current, { forceNew: false });
        case 'picker.run':
          return current && props.onOpen(current, { forceNew: true });
        case 'picker.mark':
          if (!current) return;
          setMarked((m) => {
            const n = new Set(m);
            if (n.has(current.instance_id)) n.delete(current.instance_id);
            else n.add(current.instance_id);
            return n;
          });
          return moveTo(sel + 1);
        case 'picker.batch': {
          const chosen = tasks.filter((t) => marked.has(t.instance_id));
          if (chosen.length) props.onBatch(chosen);
          return;
        }
        case 'picker.bestofn':
          return current && props.onBestOfN?.(current);
        case 'picker.clear':
          return setQuery('');
        case 'picker.down':
          return moveTo(sel + 1);
        case 'picker.up':
          return moveTo(sel - 1);
        case 'picker.pageDown':
          return moveTo(sel + Math.max(1, rows - 1));
        case 'picker.pageUp':
          return moveTo(sel - Math.max(1, rows - 1));
        case 'picker.first':
          return moveTo(0);
        case 'picker.last':
          return moveTo(filtered.length - 1);
      }
    },
    props.active ?? true,
    { textEntry: editing },
  );

  const rows = Math.max(1, height - 4);
  start.current = windowStart(sel, rows, filtered.length, start.current);
  const visible = filtered.slice(start.current, start.current + rows);
  // Columns by priority: the id (whole when it fits), the best outcome, F2P, P2P, version, then the repo with what is
  // left. Narrow terminals drop version and P2P before an id is ever cut.
  const showVer = width >= 64;
  const showP2P = width >= 52;
  const bestW = width >= 64 ? 18 : 12;
  // Sorted by steps, cost or time: that figure of the best sample gets a column before "best", so the order can be read.
  const figW = sort && ['steps', 'cost', 'time'].includes(sort.key) ? 9 : 0;
  const fixed = 2 + (showVer ? 7 : 0) + 5 + (showP2P ? 5 : 0) + figW + 2 + bestW;
  const longestRepo = tasks.reduce((m, t) => Math.max(m, t.repo.length), 4);
  const longestId = tasks.reduce((m, t) => Math.max(m, t.instance_id.length), 8);
  const idW = Math.max(8, Math.min(longestId, width - fixed));
  const repoRoom = width - fixed - idW - 1;
  const repoW = repoRoom >= 8 ? Math.min(longestRepo, repoRoom) : 0;
  const fitId = useMemo(() => idFitter(tasks.map((t) => t.instance_id), idW), [tasks, idW]);
  const fitRepo = useMemo(() => idFitter(tasks.map((t) => t.repo), repoW), [tasks, repoW]);
  const cols = (id: string, repo: string, ver: string, f2p: string, p2p: string, fig = '') =>
    `${padEnd(id, idW)} ${repoW ? `${padEnd(repo, repoW)} ` : ''}${showVer ? `${padEnd(ver, 6)} ` : ''}${padStart(f2p, 4)} ${showP2P ? `${padStart(p2p, 4)} ` : ''}${figW ? `${padStart(fig, figW - 1)} ` : ''} `;
  const figureOf = (r: RolloutSummary | undefined): string => {
    if (!r || !figW || !sort) return '';
    if (sort.key === 'steps') return String(r.turns);
    if (sort.key === 'cost') return fmtCost(r.cost_usd);
    return fmtDuration(durationOf(r));
  };
  const header = `  ${cols('instance', 'repo', 'ver', 'F2P', 'P2P', figW ? sort!.key : '')}best${width >= 64 ? '   k/n' : ''}`;
  const position = filtered.length ? `${sel + 1} of ${filtered.length}` : '0';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="header">{props.title}</T>
          {marked.size > 0 && <T role="title">{`  ${marked.size} marked (^B batch)`}</T>}
          <T role="muted">{`  ${position}${filtered.length !== tasks.length ? ` (of ${tasks.length})` : ''} instances`}</T>
          {sort && <T role="title">{`  ${sortLabel(sort)}`}</T>}
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="title">filter: </T>
          <T>{query}</T>
          {editing && <T role="focus">▏</T>}
          <T role="muted">{editing ? '  Enter keep · Esc drop · is:resolved is:failed …' : query ? '  / edit · Esc clear' : '/ to filter (id, repo, text, is:<verdict>) · Enter open · Space mark, move down'}</T>
        </Text>
      </Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{header}</T></Text></Box>
      <Box height={rows} flexDirection="column" overflow="hidden">
        {visible.length === 0 && <Text><T role="muted">  no instance matches "{query}"</T></Text>}
        {visible.map((t, i) => {
          const isSel = start.current + i === sel;
          const cands = best.get(t.instance_id);
          const b = bestOf(cands);
          const score = b ? meanScore(b) : undefined;
          const k = cands?.filter((c) => c.resolved).length ?? 0;
          const row = `${marked.has(t.instance_id) ? '*' : ' '} ${cols(safe(fitId(t.instance_id)), safe(fitRepo(t.repo)), safe(t.version), String(t.FAIL_TO_PASS.length), String(t.PASS_TO_PASS.length), figureOf(b))}`;
          return (
            <Box key={t.instance_id} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'selected' : undefined}>{row}</T>
                <T role={b ? verdictRole(b.verdict ?? (b.status === 'running' ? undefined : 'error')) : 'muted'}>{b ? (b.verdict ?? b.status) : '-'}</T>
                <T role="muted">{score !== undefined ? ` ${score.toFixed(2)}` : ''}{cands?.length ? ` ${k}/${cands.length}` : ''}</T>
              </Text>
            </Box>
          );
        })}
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end"><T role="muted">{current ? safe(current.problem_statement.split('\n')[0]) : ''}</T></Text>
      </Box>
    </Box>
  );
}
