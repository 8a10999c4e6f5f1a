import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { RolloutSummary } from '../../core/session/index.js';
import { T } from '../components/theme-context.js';
import { Pane } from '../components/pane.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import { hunkFirstLines, patchVsPatch } from '../panes/lines.js';
import { diffLines as textDiff } from 'diff';
import { middleCut } from '../fit.js';
import { equivalenceGroups, meanScore, rankCandidates } from '../state/compare.js';
import { scoreRole, verdictRole, type Role } from '../theme.js';
import { renderChart } from '../../core/verifier/index.js';
import { fmtCost, padEnd, padStart, safe } from '../text.js';

export interface BestOfNProps {
  instanceId: string;
  candidates: RolloutSummary[];
  /** Loads a candidate's final patch (from its events). */
  loadPatch(rolloutId: string): Promise<string>;
  /** Per candidate: its F2P / P2P passes and its first failing test (from its verdict; undefined until loaded). */
  testsOf?(rolloutId: string): { f2p: string; p2p: string; failing?: string } | undefined;
  /** pass@k and best@k of the whole session, k = 1..n (undefined where not enough samples). */
  curves: { passAtK: Array<number | undefined>; bestAtK: Array<number | undefined> };
  width: number;
  height: number;
  active?: boolean;
  winner?: string;
  onMarkWinner(rolloutId: string): void;
  onOpen(rolloutId: string): void;
  onBack(): void;
}

/** pass@k / best@k drawn as bars, one row per k. */
export function curveRows(curves: BestOfNProps['curves'], width: number): Array<{ k: number; pass?: number; best?: number; passBar: string; bestBar: string }> {
  const n = Math.max(curves.passAtK.length, curves.bestAtK.length);
  const w = Math.max(4, Math.floor((width - 24) / 2));
  const bar = (v: number | undefined) => (v === undefined ? ' '.repeat(w) : '█'.repeat(Math.round(v * w)).padEnd(w, '·'));
  return Array.from({ length: n }, (_, i) => ({ k: i + 1, pass: curves.passAtK[i], best: curves.bestAtK[i], passBar: bar(curves.passAtK[i]), bestBar: bar(curves.bestAtK[i]) }));
}

/** pass@k and best@k in two colours that differ in every theme (green and green would be one curve). */
const SERIES_ROLES: Role[] = ['diff.hunk', 'warn'];

/** pass@k and best@k as a braille line chart, each curve in its own colour, with the values of each k above it. */
export function CurveChart({ curves, width, height }: { curves: BestOfNProps['curves']; width: number; height: number }): React.JSX.Element {
  const pts = (v: Array<number | undefined>) => v.flatMap((y, i) => (y === undefined ? [] : [{ x: i + 1, y }]));
  const series = [
    { name: 'pass@k', points: pts(curves.passAtK) },
    { name: 'best@k', points: pts(curves.bestAtK) },
  ];
  const chart = renderChart(series, { width: Math.max(10, width - 8), height: Math.max(2, height - 4), yMin: 0, yMax: 1, yFormat: (v) => v.toFixed(1) });
  const values = curves.passAtK.map((p, i) => `k=${i + 1} ${p?.toFixed(2) ?? '-'}/${curves.bestAtK[i]?.toFixed(2) ?? '-'}`).join('  ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end"><T role="muted">{`  pass@k / best@k of the session  ${values}`}</T></Text>
      {chart.lines.map((l, r) => {
        const row = chart.cells[r];
        if (!row) return <Text key={r} wrap="truncate-end"><T role="muted">{r === chart.lines.length - 1 ? '' : l}</T>{r === chart.lines.length - 1 && <ChartLegend line={l} />}</Text>;
        return (
          <Text key={r} wrap="truncate-end">
            <T role="muted">{l.slice(0, chart.axisWidth)}</T>
            {row.map((c, x) => <T key={x} role={c.series >= 0 ? SERIES_ROLES[c.series % SERIES_ROLES.length] : undefined}>{c.ch}</T>)}
          </Text>
        );
      })}
    </Box>
  );
}

/** The legend line: each series' swatch in its colour. */
function ChartLegend({ line }: { line: string }): React.JSX.Element {
  const parts = line.split('⣿');
  return (
    <>
      {parts.map((p, i) => (
        <React.Fragment key={i}>
          {i > 0 && <T role={SERIES_ROLES[(i - 1) % SERIES_ROLES.length]}>⣿</T>}
          <T role="muted">{p}</T>
        </React.Fragment>
      ))}
    </>
  );
}

export function BestOfN(props: BestOfNProps): React.JSX.Element {
  const { width, height } = props;
  const ranked = useMemo(() => rankCandidates(props.candidates), [props.candidates]);
  const [sel, setSel] = useState(0);
  const [left, setLeft] = useState<string | undefined>(ranked[0]?.rollout_id);
  const [right, setRight] = useState<string | undefined>(ranked[1]?.rollout_id);
  const [patches, setPatches] = useState<Map<string, string>>(new Map());
  /** The right pane shows a against b instead of b's own patch. */
  const [versus, setVersus] = useState(false);
  /** Both diffs scroll together (PgUp / PgDn, J / K): j / k move through the candidates. */
  const [diffOffset, setDiffOffset] = useState(0);
  const startRef = useRef(0);
  const index = clampIndex(sel, ranked.length);

  useEffect(() => {
    let alive = true;
    void Promise.all(ranked.map(async (c) => [c.rollout_id, await props.loadPatch(c.rollout_id).catch(() => '')] as const)).then((pairs) => {
      if (alive) setPatches(new Map(pairs));
    });
    return () => {
      alive = false;
    };
  }, [ranked]);
  const groups = useMemo(() => equivalenceGroups(patches), [patches]);
  const groupSizes = useMemo(() => {
    const m = new Map<number, number>();
    for (const g of groups.values()) m.set(g, (m.get(g) ?? 0) + 1);
    return m;
  }, [groups]);

  useBoundInput(
    'bestofn',
    (action) => {
      const cur = ranked[index]?.rollout_id;
      if (action === 'global.back') props.onBack();
      else if (action === 'bestofn.down') setSel(index + 1);
      else if (action === 'bestofn.up') setSel(Math.max(0, index - 1));
      else if (action === 'bestofn.pickLeft' && cur) (setLeft(cur), setDiffOffset(0));
      else if (action === 'bestofn.pickRight' && cur) (setRight(cur), setDiffOffset(0));
      else if (action === 'bestofn.scrollDown') setDiffOffset((o) => Math.min(o + diffPage, maxDiffOffset));
      else if (action === 'bestofn.scrollUp') setDiffOffset((o) => Math.max(0, o - diffPage));
      else if (action === 'bestofn.winner' && cur) props.onMarkWinner(cur);
      else if (action === 'bestofn.open' && cur) props.onOpen(cur);
      else if (action === 'bestofn.versus') (setVersus((v) => !v), setDiffOffset(0));
    },
    props.active ?? true,
  );

  const curves = curveRows(props.curves, width);
  const listRows = Math.max(2, Math.min(ranked.length, Math.floor(height / 4)));
  // A braille line chart (the engine's chart, as `swegym score` draws it) when there is room; bars otherwise.
  const asChart = curves.length >= 2 && height >= 30;
  const curveH = asChart ? 9 : Math.min(curves.length + 1, Math.max(0, Math.floor(height / 5)));
  const diffH = height - 2 - listRows - curveH;
  const sideBySide = width >= 100;
  startRef.current = windowStart(index, listRows, ranked.length, startRef.current);
  const cand = (id: string | undefined) => ranked.find((c) => c.rollout_id === id);
  const title = (id: string | undefined, label: string) => {
    const c = cand(id);
    if (!c) return `${label}: (none)`;
    const s = meanScore(c);
    return `${label}: #${c.sample} ${c.verdict ?? c.status} ${s !== undefined ? s.toFixed(2) : ''}${props.winner === c.rollout_id ? ' ★ winner' : ''}`;
  };
  const verifiers = [...new Set(ranked.flatMap((c) => Object.keys(c.scores)))];
  const rankedBy = verifiers.length ? `ranked by ${verifiers.join('+')} score` : 'no verifier scores: ranked by verdict, then the smaller patch';
  const paneW = sideBySide ? Math.floor(width / 2) : width;
  const paneH = sideBySide ? diffH : Math.floor(diffH / 2);
  const lw = (id: string | undefined, w: number) => hunkFirstLines(id ? patches.get(id) ?? '' : '', w - 2);
  const leftLines = lw(left, paneW);
  const pa = left ? patches.get(left) ?? '' : '';
  const pb = right ? patches.get(right) ?? '' : '';
  const rightLines = versus ? patchVsPatch(pa, pb, textDiff(pa, pb)) : lw(right, sideBySide ? width - paneW : width);
  const diffRows = Math.max(1, paneH - 2);
  const diffPage = Math.max(1, diffRows - 1);
  const maxDiffOffset = Math.max(0, Math.max(leftLines.length, rightLines.length) - diffRows);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}><Text wrap="truncate-end"><T role="header">best-of-{ranked.length} {safe(middleCut(props.instanceId, Math.max(12, width - 60)))}</T><T role="muted">{`  ${rankedBy} · a/b left/right · d a vs b · w winner`}</T></Text></Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`   ${padEnd('sample', 7)} ${padEnd('verdict', 12)} ${padStart('score', 5)} ${padStart('F2P', 5)} ${padStart('P2P', 6)} ${padStart('lines', 5)} ${padStart('cost', 8)}  eq  failing`}</T></Text></Box>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {ranked.slice(startRef.current, startRef.current + listRows).map((c, i) => {
          const isSel = startRef.current + i === index;
          const s = meanScore(c);
          const g = groups.get(c.rollout_id);
          const t = props.testsOf?.(c.rollout_id);
          return (
            <Box key={c.rollout_id} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'selected' : undefined}>{`${props.winner === c.rollout_id ? '★' : ' '}${c.rollout_id === left ? 'a' : c.rollout_id === right ? 'b' : ' '} ${padEnd(`#${c.sample}`, 7)} `}</T>
                <T role={verdictRole(c.verdict)}>{padEnd(c.verdict ?? c.status, 12)}</T>
                <T role={s !== undefined ? scoreRole(s) : 'muted'}>{` ${padStart(s !== undefined ? s.toFixed(2) : '-', 5)}`}</T>
                <T role="muted">{` ${padStart(t?.f2p ?? '-', 5)} ${padStart(t?.p2p ?? '-', 6)} ${padStart(String(c.patch_lines ?? '-'), 5)} ${padStart(fmtCost(c.cost_usd), 8)}  ${padEnd(g && (groupSizes.get(g) ?? 0) > 1 ? `≡${g}` : '', 3)} `}</T>
                <T role="status.error">{t?.failing ? safe(t.failing) : ''}</T>
              </Text>
            </Box>
          );
        })}
      </Box>
      <Box flexDirection={sideBySide ? 'row' : 'column'} height={diffH}>
        <Pane title={title(left, 'a')} width={paneW} height={paneH} lines={leftLines} offset={diffOffset} />
        <Pane title={versus ? `a vs b: < only in #${cand(left)?.sample ?? '?'}, > only in #${cand(right)?.sample ?? '?'}` : title(right, 'b')} width={sideBySide ? width - paneW : width} height={sideBySide ? diffH : diffH - paneH} lines={rightLines} offset={diffOffset} />
      </Box>
      <Box height={curveH} flexDirection="column" overflow="hidden">
        {asChart ? (
          <CurveChart curves={props.curves} width={width} height={curveH} />
        ) : (
          <>
            <Text wrap="truncate-end"><T role="muted">{`  k  ${padEnd('pass@k (session)', Math.floor((width - 24) / 2) + 6)}best@k (session, all instances)`}</T></Text>
            {curves.slice(0, Math.max(0, curveH - 1)).map((r) => (
              <Text key={r.k} wrap="truncate-end">
                <T role="muted">{padStart(String(r.k), 3)}  </T>
                <T role={SERIES_ROLES[0]}>{r.passBar}</T>
                <T>{` ${r.pass !== undefined ? r.pass.toFixed(2) : '  - '} `}</T>
                <T role={SERIES_ROLES[1]}>{r.bestBar}</T>
                <T>{` ${r.best !== undefined ? r.best.toFixed(2) : '  - '}`}</T>
              </Text>
            ))}
          </>
        )}
      </Box>
    </Box>
  );
}
