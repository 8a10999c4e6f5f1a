import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { RolloutSummary } from '../../core/session/index.js';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import { compareMatrix, sessionRates, type MatrixRow } from '../state/compare.js';
import { idFitter } from '../fit.js';
import { verdictRole } from '../theme.js';
import { padEnd, safe } from '../text.js';
import { failureRank, nextSort, sortBy, sortLabel, type ListSort, type ListSortKey } from '../state/sort.js';

const SORT_ACTIONS: Record<string, ListSortKey> = { 'compare.sortVerdict': 'verdict', 'compare.sortInstance': 'instance', 'compare.sortSteps': 'steps', 'compare.sortCost': 'cost', 'compare.sortTime': 'time' };

/** A row's representative rollout for steps, cost and time: B's best (the run being judged against A), else A's. */
const rowOf = (r: MatrixRow): RolloutSummary | undefined => r.b ?? r.a;
/** Failure first: the lower of the two resolve rates, then B's best outcome (an instance both runs fail comes first). */
const failureOf = (r: MatrixRow): number => Math.min(r.na ? r.ka / r.na : 0, r.nb ? r.kb / r.nb : 0) * 100 + failureRank(r.b ?? r.a);

export interface RunCompareProps {
  a: { name: string; summaries: RolloutSummary[] };
  b: { name: string; summaries: RolloutSummary[] };
  width: number;
  height: number;
  active?: boolean;
  onOpen(side: 'a' | 'b', rolloutId: string): void;
  onBack(): void;
}

export function RunCompare(props: RunCompareProps): React.JSX.Element {
  const { width, height } = props;
  const all = useMemo(() => compareMatrix(props.a.summaries, props.b.summaries), [props.a.summaries, props.b.summaries]);
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  /** undefined: the instances that differ first (compareMatrix's order). */
  const [sort, setSort] = useState<ListSort>();
  const rows = useMemo(() => sortBy(onlyDiffering ? all.filter((r) => r.differs) : all, sort, (r) => r.instanceId, rowOf, failureOf), [all, onlyDiffering, sort]);
  const [sel, setSel] = useState(0);
  const startRef = useRef(0);
  const index = clampIndex(sel, rows.length);
  useBoundInput(
    'compare',
    (action) => {
      const r = rows[index];
      if (action === 'global.back') props.onBack();
      else if (action === 'compare.down') setSel(index + 1);
      else if (action === 'compare.up') setSel(Math.max(0, index - 1));
      else if (action === 'compare.openA' && r?.a) props.onOpen('a', r.a.rollout_id);
      else if (action === 'compare.openB' && r?.b) props.onOpen('b', r.b.rollout_id);
      else if (action === 'compare.filter') (setOnlyDiffering((v) => !v), setSel(0));
      else if (action && SORT_ACTIONS[action]) {
        // The cursor stays on its instance.
        const at = r?.instanceId;
        const next = nextSort(sort, SORT_ACTIONS[action]);
        setSort(next);
        const sorted = sortBy(onlyDiffering ? all.filter((x) => x.differs) : all, next, (x) => x.instanceId, rowOf, failureOf);
        setSel(Math.max(0, sorted.findIndex((x) => x.instanceId === at)));
      }
    },
    props.active ?? true,
  );
  const rate = (s: RolloutSummary[]) => {
    const r = sessionRates(s);
    return `${r.resolved}/${r.rollouts} rollouts ${r.rollouts ? Math.round((100 * r.resolved) / r.rollouts) : 0}% · any ${r.anyResolved}/${r.instances}`;
  };
  const differing = all.filter((r) => r.differs).length;
  // Marker, id, two cells and their separators fill the row; ids lose their shared prefix first.
  const cellW = 18;
  const idW = Math.max(12, Math.min(all.reduce((m, r) => Math.max(m, r.instanceId.length), 8), width - 4 - 2 * (cellW + 1)));
  const fitId = idFitter(all.map((r) => r.instanceId), idW);
  const listRows = Math.max(1, height - 3);
  startRef.current = windowStart(index, listRows, rows.length, startRef.current);
  const cell = (s: RolloutSummary | undefined, k: number, n: number) => {
    if (!s || !n) return { text: padEnd('—', cellW), role: 'muted' as const };
    return { text: padEnd(`${k}/${n} ${s.verdict ?? s.status}`, cellW), role: verdictRole(k > 0 ? 'resolved' : (s.verdict ?? (s.status === 'running' ? undefined : 'error'))) };
  };
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}><Text wrap="truncate-end"><T role="header">compare</T>{sort && <T role="title">{` · ${sortLabel(sort)}`}</T>}<T role="muted">{`  A ${safe(props.a.name)}: ${rate(props.a.summaries)}`}</T></Text></Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`         B ${safe(props.b.name)}: ${rate(props.b.summaries)} · ${differing} differ`}</T></Text></Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`  ${padEnd('instance', idW)} ${padEnd('A k/n best', cellW)} ${padEnd('B k/n best', cellW)} ${onlyDiffering ? '≠ only' : ''}`}</T></Text></Box>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {rows.slice(startRef.current, startRef.current + listRows).map((r, i) => {
          const isSel = startRef.current + i === index;
          const ca = cell(r.a, r.ka, r.na);
          const cb = cell(r.b, r.kb, r.nb);
          return (
            <Box key={r.instanceId} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'selected' : undefined}>{`${r.differs ? '≠' : ' '} ${padEnd(safe(fitId(r.instanceId)), idW)} `}</T>
                <T role={ca.role}>{ca.text}</T>
                <T> </T>
                <T role={cb.role}>{cb.text}</T>
              </Text>
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}
