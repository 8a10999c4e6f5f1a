import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { RolloutSummary } from '../../core/session/index.js';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import { compareMatrix, meanScore } from '../state/compare.js';
import { verdictRole } from '../theme.js';
import { padEnd, safe } from '../text.js';

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
  const rows = useMemo(() => compareMatrix(props.a.summaries, props.b.summaries), [props.a.summaries, props.b.summaries]);
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
    },
    props.active ?? true,
  );
  const rate = (s: RolloutSummary[]) => {
    const inst = new Set(s.map((x) => x.instance_id));
    const res = new Set(s.filter((x) => x.resolved).map((x) => x.instance_id));
    return `${res.size}/${inst.size}`;
  };
  const differing = rows.filter((r) => r.differs).length;
  // Marker, id, two 16-column cells and their separators fill the row exactly; the id column is no wider than the ids.
  const idW = Math.max(12, Math.min(rows.reduce((m, r) => Math.max(m, r.instanceId.length), 8), width - 37));
  const listRows = Math.max(1, height - 3);
  startRef.current = windowStart(index, listRows, rows.length, startRef.current);
  const cell = (s: RolloutSummary | undefined) => {
    const sc = s ? meanScore(s) : undefined;
    return { text: padEnd(s ? `${s.verdict ?? s.status}${sc !== undefined ? ` ${sc.toFixed(2)}` : ''}` : '—', 16), role: s ? verdictRole(s.verdict ?? (s.status === 'running' ? undefined : 'error')) : ('muted' as const) };
  };
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}><Text wrap="truncate-end"><T role="header">compare</T><T role="muted">{`  A ${safe(props.a.name)} (${rate(props.a.summaries)})  vs  B ${safe(props.b.name)} (${rate(props.b.summaries)}) · ${differing} differ`}</T></Text></Box>
      <Box height={1}><Text> </Text></Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`  ${padEnd('instance', idW)} ${padEnd('A', 16)} ${padEnd('B', 16)}`}</T></Text></Box>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {rows.slice(startRef.current, startRef.current + listRows).map((r, i) => {
          const isSel = startRef.current + i === index;
          const ca = cell(r.a);
          const cb = cell(r.b);
          return (
            <Box key={r.instanceId} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'selected' : undefined}>{`${r.differs ? '≠' : ' '} ${padEnd(safe(r.instanceId), idW)} `}</T>
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
