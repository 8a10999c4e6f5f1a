import React, { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { SchedulerControl, SchedulerSnapshot } from '../../core/scheduler/index.js';
import type { RolloutSummary } from '../../core/session/index.js';
import { T } from '../components/theme-context.js';
import { ProgressBar } from '../components/help-overlay.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import { Throttled } from '../state/throttle.js';
import { meanScore } from '../state/compare.js';
import { scoreRole, verdictRole } from '../theme.js';
import { fmtCost, fmtDuration, padEnd, padStart, safe } from '../text.js';

/** Snapshot published by the scheduler, re-published to React at most ~10 times a second. */
export function useSnapshot(control: SchedulerControl, intervalMs = 100): SchedulerSnapshot {
  const ref = useRef<{ snap: SchedulerSnapshot; t: Throttled } | null>(null);
  if (!ref.current) ref.current = { snap: control.snapshot(), t: new Throttled(intervalMs) };
  const box = ref.current;
  useEffect(() => {
    const off = control.onSnapshot((s) => {
      box.snap = s;
      box.t.changed();
    });
    return () => {
      off();
      box.t.dispose();
    };
  }, [control, box]);
  return useSyncExternalStore(box.t.subscribe, () => box.snap);
}

export const SORT_KEYS = ['instance', 'verdict', 'score', 'cost', 'turns', 'duration'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function sortFinished(rows: RolloutSummary[], key: SortKey): RolloutSummary[] {
  const dur = (r: RolloutSummary) => (r.ended_at ?? 0) - (r.started_at ?? 0);
  const cmp: Record<SortKey, (a: RolloutSummary, b: RolloutSummary) => number> = {
    instance: (a, b) => a.instance_id.localeCompare(b.instance_id) || a.sample - b.sample,
    verdict: (a, b) => (a.verdict ?? a.status).localeCompare(b.verdict ?? b.status),
    score: (a, b) => (meanScore(b) ?? -1) - (meanScore(a) ?? -1),
    cost: (a, b) => b.cost_usd - a.cost_usd,
    turns: (a, b) => b.turns - a.turns,
    duration: (a, b) => dur(b) - dur(a),
  };
  return [...rows].sort(cmp[key]);
}

/** What the dashboard needs to know about a batch run by another process (see FollowedBatch in backend.ts). */
export interface RemoteInfo {
  readOnlyReason(): string | undefined;
  source(): string | undefined;
  onMessage(cb: (text: string, ok: boolean) => void): () => void;
}

const CONTROL_KEYS = new Set(['batch.pause', 'batch.stop', 'batch.stopNow', 'batch.kill', 'batch.retry']);

export interface BatchProps {
  control: SchedulerControl;
  /** Set when `control` steers another process's batch: answers arrive as messages; keys may be read-only. */
  remote?: RemoteInfo;
  finished: RolloutSummary[];
  sessionName: string;
  width: number;
  height: number;
  active?: boolean;
  stallMs?: number;
  onOpen(rolloutId: string): void;
  onBack(): void;
}

export function BatchDashboard(props: BatchProps): React.JSX.Element {
  const { control, width, height } = props;
  const snap = useSnapshot(control);
  const [table, setTable] = useState<'active' | 'finished'>('active');
  const [sel, setSel] = useState(0);
  const [sortKey, setSortKey] = useState<SortKey>('instance');
  const [message, setMessage] = useState<string>();
  const startRef = useRef(0);
  const finished = useMemo(() => sortFinished(props.finished.filter((r) => r.status !== 'running' && r.status !== 'queued'), sortKey), [props.finished, sortKey]);
  const rowsOf = table === 'active' ? snap.active.length : finished.length;
  const index = clampIndex(sel, rowsOf);
  const selectedId = table === 'active' ? snap.active[index]?.rollout_id : finished[index]?.rollout_id;
  const stalled = new Set(snap.stalled);
  const ended = snap.state === 'stopped' || snap.state === 'done';
  const { remote } = props;
  useEffect(() => remote?.onMessage((text) => setMessage(text)), [remote]);
  // In-process control acts at once and says so here; a remote batch answers through remote.onMessage instead.
  const note = (m: string) => (remote ? undefined : setMessage(m));
  const readOnly = remote?.readOnlyReason();
  // When the other process comes, goes or changes its mind, an older message no longer describes the batch.
  useEffect(() => setMessage(undefined), [readOnly]);

  useBoundInput(
    'batch',
    (action) => {
      setMessage(undefined);
      const ro = action && CONTROL_KEYS.has(action) ? remote?.readOnlyReason() : undefined;
      if (ro) return setMessage(`read-only: ${ro}`);
      if (ended && (action === 'batch.pause' || action === 'batch.stop' || action === 'batch.stopNow' || action === 'batch.kill')) {
        return setMessage(`the batch has ${snap.state === 'done' ? 'finished' : 'stopped'}`);
      }
      switch (action) {
        case 'global.back':
          return props.onBack();
        case 'batch.down':
          return setSel(index + 1);
        case 'batch.up':
          return setSel(Math.max(0, index - 1));
        case 'batch.switch':
          setTable((t) => (t === 'active' ? 'finished' : 'active'));
          return setSel(0);
        case 'batch.open':
          if (selectedId) props.onOpen(selectedId);
          return;
        case 'batch.pause':
          if (snap.state === 'paused') control.resume();
          else control.pause();
          return;
        case 'batch.stop':
          void control.stop('graceful');
          return note('stopping: no new work; running rollouts finish');
        case 'batch.stopNow':
          void control.stop('now');
          return note('stopping now: interrupting running rollouts');
        case 'batch.kill':
          if (table === 'active' && selectedId) {
            control.kill(selectedId);
            note(`killed ${selectedId}`);
          }
          return;
        case 'batch.retry':
          // The scheduler retries a running rollout (abort, run again); finished ones are resume's job.
          if (table === 'active' && selectedId && !ended) {
            control.retry(selectedId);
            note(`retrying ${selectedId}`);
          } else if (selectedId) setMessage(`only running rollouts are retried here; \`swegym resume ${props.sessionName}\` starts interrupted ones over`);
          return;
        case 'batch.sort':
          setTable('finished');
          return setSortKey((k) => SORT_KEYS[(SORT_KEYS.indexOf(k) + 1) % SORT_KEYS.length]);
      }
    },
    props.active ?? true,
  );

  const barW = Math.max(10, width - 30);
  const budget = snap.budget_usd !== undefined ? ` / budget ${fmtCost(snap.budget_usd)}` : '';
  const projected = snap.projected_cost_usd !== undefined ? ` (projected ${fmtCost(snap.projected_cost_usd)})` : '';
  const overBudget = snap.budget_usd !== undefined && (snap.projected_cost_usd ?? snap.cost_usd) > snap.budget_usd;
  const eps = snap.endpoints.map((e) => `${safe(e.url).replace(/^https?:\/\//, '').slice(0, 24)} ${e.in_flight}/${e.max}`).join(', ');
  const head = 7;
  const tableRows = Math.max(2, height - head);
  startRef.current = windowStart(index, tableRows, rowsOf, startRef.current);
  // Instance ids with their "#sample" in full where the row allows (the rest of a row takes about 44 columns).
  const idW = Math.max(12, Math.min(Math.max(8, ...snap.active.map((a) => a.instance_id.length), ...finished.map((r) => r.instance_id.length)) + 4, width - 44));

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="header">batch {safe(props.sessionName)}</T>
          <T role={snap.state === 'running' ? 'status.running' : snap.state === 'paused' ? 'warn' : 'muted'}>{`  ${snap.state.toUpperCase()}`}</T>
          <T role="muted">{`  ${snap.done}/${snap.total} done · ${snap.running} running · ${snap.queued} queued`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <ProgressBar done={snap.done} total={snap.total} width={barW} />
          <T>{` ${snap.total ? Math.floor((100 * snap.done) / snap.total) : 0}%`}</T>
          <T role="muted">{` ETA ${snap.state === 'running' ? fmtDuration(snap.eta_ms) : '-'}`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="verdict.resolved">{`resolved ${snap.resolved}`}</T>
          <T role="muted">{` (${snap.done ? ((100 * snap.resolved) / snap.done).toFixed(0) : 0}%) · infra ${snap.infra_failures} · retries ${snap.retries} · ${snap.throughput_per_min.toFixed(1)}/min · ${snap.tokens} tok`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role={overBudget ? 'status.error' : undefined}>{`spend ${fmtCost(snap.cost_usd)}${budget}${projected}`}</T>
          <T role="muted">{` · workers ${snap.workers.busy}/${snap.workers.max} · swept ${snap.containers_swept}`}</T>
        </Text>
      </Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`endpoints ${eps || '-'}`}</T><T role={stalled.size ? 'status.stalled' : 'muted'}>{stalled.size ? `  ${stalled.size} STALLED` : ''}</T></Text></Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          {message !== undefined || !remote ? (
            <T role="warn">{safe(message ?? '')}</T>
          ) : readOnly ? (
            <T role="warn">{`read-only: ${safe(readOnly)}`}</T>
          ) : (
            <T role="muted">{`following ${safe(remote.source() ?? 'another process')} · keys act on it through control.jsonl`}</T>
          )}
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role={table === 'active' ? 'focus' : 'muted'}>{`[running ${snap.active.length}]`}</T>
          <T> </T>
          <T role={table === 'finished' ? 'focus' : 'muted'}>{`[finished ${finished.length} · sort ${sortKey}]`}</T>
        </Text>
      </Box>
      <Box height={tableRows} flexDirection="column" overflow="hidden">
        {table === 'active'
          ? snap.active.slice(startRef.current, startRef.current + tableRows).map((a, i) => {
              const isSel = startRef.current + i === index;
              const isStalled = stalled.has(a.rollout_id) || (props.stallMs !== undefined && a.heartbeat_age_ms > props.stallMs);
              return (
                <Box key={a.rollout_id} height={1}>
                  <Text wrap="truncate-end">
                    <T role={isSel ? 'selected' : undefined}>{`${padEnd(`${safe(a.instance_id)}#${a.sample}`, idW)} ${padStart(`t${a.turns}`, 4)} ${padEnd(safe(a.current_step ?? a.status), 20)} `}</T>
                    <T role={isStalled ? 'status.stalled' : 'muted'}>{`${isStalled ? 'STALLED ' : ''}♥ ${fmtDuration(a.heartbeat_age_ms)}`}</T>
                    <T role="muted">{` ${fmtCost(a.cost_usd)}`}</T>
                  </Text>
                </Box>
              );
            })
          : finished.slice(startRef.current, startRef.current + tableRows).map((r, i) => {
              const isSel = startRef.current + i === index;
              const score = meanScore(r);
              return (
                <Box key={r.rollout_id} height={1}>
                  <Text wrap="truncate-end">
                    <T role={isSel ? 'selected' : undefined}>{`${padEnd(`${safe(r.instance_id)}#${r.sample}`, idW)} `}</T>
                    <T role={verdictRole(r.verdict ?? (r.status === 'completed' ? undefined : 'error'))}>{padEnd(r.verdict ?? r.status, 12)}</T>
                    <T role={score !== undefined ? scoreRole(score) : 'muted'}>{padStart(score !== undefined ? score.toFixed(2) : '-', 5)}</T>
                    <T role="muted">{` ${padStart(fmtCost(r.cost_usd), 8)} t${r.turns} ${fmtDuration((r.ended_at ?? 0) - (r.started_at ?? 0))} ${r.stop_reason ?? ''}`}</T>
                  </Text>
                </Box>
              );
            })}
        {rowsOf === 0 && <Text><T role="muted">{table === 'active' ? '  nothing running' : '  nothing finished yet'}</T></Text>}
      </Box>
    </Box>
  );
}
