import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutSummary } from '../../core/session/types.js';
import { bestOf, byInstance, meanScore } from '../state/compare.js';
import { verdictRole } from '../theme.js';
import { padEnd, padStart, safe } from '../text.js';

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
}

/** Type-to-filter on instance id, repo and problem text; every word must match. */
export function filterTasks(tasks: TaskInfo[], query: string): TaskInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return tasks;
  return tasks.filter((t) => {
    const hay = `${t.instance_id}\n${t.repo}\n${t.version}\n${t.problem_statement}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/**
 * The instance picker. A windowed list of our own rather than ink-select-input: type-to-filter needs every printable
 * key, and ink-select-input reserves j, k and the digits for navigation.
 */
export function Picker(props: PickerProps): React.JSX.Element {
  const { tasks, width, height } = props;
  const [query, setQueryState] = useState(props.initialQuery ?? '');
  // A ref as well: several keys can arrive before the next render.
  const queryRef = useRef(query);
  const setQuery = (q: string | ((prev: string) => string)) => {
    const next = typeof q === 'function' ? q(queryRef.current) : q;
    queryRef.current = next;
    setQueryState(next);
    props.onQueryChange?.(next);
  };
  const [index, setIndex] = useState(0);
  const [marked, setMarked] = useState<Set<string>>(new Set());
  const start = useRef(0);
  const filtered = useMemo(() => filterTasks(tasks, query), [tasks, query]);
  const best = useMemo(() => byInstance(props.summaries ?? []), [props.summaries]);
  const sel = clampIndex(index, filtered.length);
  const current = filtered[sel];

  useBoundInput(
    'picker',
    (action, name, input) => {
      if (action === 'picker.back') {
        if (query) setQuery('');
        else props.onBack();
        return;
      }
      if (action === 'picker.open' && current) return props.onOpen(current, { forceNew: false });
      if (action === 'picker.run' && current) return props.onOpen(current, { forceNew: true });
      if (action === 'picker.mark' && current) {
        setMarked((m) => {
          const n = new Set(m);
          if (n.has(current.instance_id)) n.delete(current.instance_id);
          else n.add(current.instance_id);
          return n;
        });
        setIndex(sel + 1);
        return;
      }
      if (action === 'picker.batch') {
        const chosen = tasks.filter((t) => marked.has(t.instance_id));
        if (chosen.length) props.onBatch(chosen);
        return;
      }
      if (action === 'picker.bestofn' && current) return props.onBestOfN?.(current);
      if (action === 'picker.clear') return setQuery('');
      if (name === 'up') return setIndex(Math.max(0, sel - 1));
      if (name === 'down') return setIndex(sel + 1);
      if (name === 'pageup') return setIndex(Math.max(0, sel - 10));
      if (name === 'pagedown') return setIndex(sel + 10);
      if (name === 'backspace') return setQuery((q) => q.slice(0, -1));
      // `?` is always the help key (handled by the app), so the status bar's "? help" holds here too.
      if (action === 'global.help') return;
      // Typed text may arrive in one chunk (fast typing, tmux send-keys, paste).
      if (input && (name.length === 1 || name === input) && !/[\x00-\x1f\x7f]/.test(input)) {
        setQuery((q) => q + input);
        setIndex(0);
      }
    },
    props.active ?? true,
    { textEntry: true },
  );

  const rows = Math.max(1, height - 4);
  start.current = windowStart(sel, rows, filtered.length, start.current);
  const visible = filtered.slice(start.current, start.current + rows);
  // The instance id is what people look for: it gets its full length first, the repo what is left.
  const fixed = 38; // marker, version, F2P, P2P, separators and room for "resolved 1.00 ×3"
  const longest = (f: (t: TaskInfo) => string) => tasks.reduce((m, t) => Math.max(m, f(t).length), 8);
  const idW = Math.min(longest((t) => t.instance_id), Math.max(12, width - fixed - 8));
  const repoW = Math.max(8, Math.min(longest((t) => t.repo), width - fixed - idW));
  const header = `  ${padEnd('instance', idW)} ${padEnd('repo', repoW)} ${padEnd('ver', 6)} ${padStart('F2P', 4)} ${padStart('P2P', 4)}  best`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="header">{props.title}</T>
          <T role="muted">{`  ${filtered.length}/${tasks.length} instances${marked.size ? ` · ${marked.size} marked (^B starts the batch)` : ''}`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="title">filter: </T>
          <T>{query}</T>
          <T role="focus">▏</T>
          <T role="muted">{query ? '' : '  type to filter on id, repo, text · Enter open/run · Space mark'}</T>
        </Text>
      </Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{header}</T></Text></Box>
      <Box height={rows} flexDirection="column" overflow="hidden">
        {visible.length === 0 && <Text><T role="muted">  no instance matches "{query}"</T></Text>}
        {visible.map((t, i) => {
          const isSel = start.current + i === sel;
          const b = bestOf(best.get(t.instance_id));
          const score = b ? meanScore(b) : undefined;
          const row = `${marked.has(t.instance_id) ? '*' : ' '} ${padEnd(safe(t.instance_id), idW)} ${padEnd(safe(t.repo), repoW)} ${padEnd(safe(t.version), 6)} ${padStart(String(t.FAIL_TO_PASS.length), 4)} ${padStart(String(t.PASS_TO_PASS.length), 4)}  `;
          return (
            <Box key={t.instance_id} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'selected' : undefined}>{row}</T>
                <T role={b ? verdictRole(b.verdict ?? (b.status === 'running' ? undefined : 'error')) : 'muted'}>{b ? (b.verdict ?? b.status) : '-'}</T>
                <T role="muted">{score !== undefined ? ` ${score.toFixed(2)}` : ''}{best.get(t.instance_id)?.length ? ` ×${best.get(t.instance_id)!.length}` : ''}</T>
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
