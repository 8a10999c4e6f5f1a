import React, { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { SchedulerControl, SchedulerSnapshot } from '../../core/scheduler/index.js';
import type { RolloutSummary } from '../../core/session/index.js';
import { T } from '../components/theme-context.js';
import { ProgressBar } from '../components/help-overlay.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart, clampIndex } from '../components/list-window.js';
import { LIVE_PUBLISH_MS, Throttled } from '../state/throttle.js';
import { meanScore } from '../state/compare.js';
import { scoreRole, verdictRole } from '../theme.js';
import { fmtCost, fmtDuration, naturalCompare, padEnd, padStart, safe } from '../text.js';
import { idFitter } from '../fit.js';
import { useClock } from '../state/clock.js';
import { fitLine, LineSegs, seg, type Line } from '../components/line.js';

/** Snapshot published by the scheduler, re-published to React at most 5 times a second. */
export function useSnapshot(control: SchedulerControl, intervalMs = LIVE_PUBLISH_MS): SchedulerSnapshot {
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

export function sortFinished(rows: RolloutSummary[], key: SortKey, reverse = false): RolloutSummary[] {
  const dur = (r: RolloutSummary) => (r.ended_at ?? 0) - (r.started_at ?? 0);
  // Natural order of ids (ledger-8 before ledger-15), as `swegym show` sorts them.
  const cmp: Record<SortKey, (a: RolloutSummary, b: RolloutSummary) => number> = {
    instance: (a, b) => naturalCompare(a.instance_id, b.instance_id) || a.sample - b.sample,
    verdict: (a, b) => (a.verdict ?? a.status).localeCompare(b.verdict ?? b.status) || naturalCompare(a.instance_id, b.instance_id),
    score: (a, b) => (meanScore(b) ?? -1) - (meanScore(a) ?? -1),
    cost: (a, b) => b.cost_usd - a.cost_usd,
    turns: (a, b) => b.turns - a.turns,
    duration: (a, b) => dur(b) - dur(a),
  };
  const out = [...rows].sort(cmp[key]);
  return reverse ? out.reverse() : out;
}

export const VERDICT_FILTERS = ['all', 'resolved', 'unresolved', 'failed', 'error'] as const;
export type VerdictFilter = (typeof VERDICT_FILTERS)[number];

export function filterFinished(rows: RolloutSummary[], f: VerdictFilter): RolloutSummary[] {
  if (f === 'all') return rows;
  if (f === 'resolved') return rows.filter((r) => r.resolved);
  if (f === 'unresolved') return rows.filter((r) => r.verdict === 'unresolved');
  if (f === 'failed') return rows.filter((r) => !r.resolved);
  return rows.filter((r) => r.status !== 'completed' || (r.verdict !== undefined && r.verdict !== 'resolved' && r.verdict !== 'unresolved' && r.verdict !== 'empty_patch'));
}

/** The table view kept per session while the workbench runs (leaving and coming back keeps it). */
const VIEWS = new Map<string, { sortKey: SortKey; reverse: boolean; filter: VerdictFilter }>();

/** An endpoint's in-flight limit: no limit is ∞, never Number.MAX_SAFE_INTEGER. */
export const fmtLimit = (max: number): string => (!Number.isFinite(max) || max >= Number.MAX_SAFE_INTEGER ? '∞' : String(max));

/** What the dashboard needs to know about a batch run by another process (see FollowedBatch in backend.ts). */
export interface RemoteInfo {
  readOnlyReason(): string | undefined;
  /** A process runs the batch now (its rows are alive). */
  isLive?(): boolean;
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
  /** The session's instance picker. */
  onInstances?(): void;
  /** Best-of-n of an instance of this batch. */
  onBestOfN?(instanceId: string): void;
  /** Resume the batch (stopped or crashed). */
  onResume?(): void;
  /** Run an ended rollout again (a fresh attempt of its instance and sample). */
  onRetryEnded?(rolloutId: string): void;
}

export function BatchDashboard(props: BatchProps): React.JSX.Element {
  const { control, width, height } = props;
  const snap = useSnapshot(control);
  const [table, setTable] = useState<'active' | 'finished'>('active');
  const [sel, setSel] = useState(0);
  const view = VIEWS.get(props.sessionName) ?? { sortKey: 'instance' as SortKey, reverse: false, filter: 'all' as VerdictFilter };
  const [sortKey, setSortKeyState] = useState<SortKey>(view.sortKey);
  const [reverse, setReverse] = useState(view.reverse);
  const [filter, setFilter] = useState<VerdictFilter>(view.filter);
  useEffect(() => void VIEWS.set(props.sessionName, { sortKey, reverse, filter }), [sortKey, reverse, filter, props.sessionName]);
  const setSortKey = setSortKeyState;
  const [message, setMessage] = useState<string>();
  /** A destructive key waiting for its y. */
  const [confirm, setConfirm] = useState<{ text: string; run(): void }>();
  const startRef = useRef(0);
  const allFinished = useMemo(() => props.finished.filter((r) => r.status !== 'running' && r.status !== 'queued'), [props.finished]);
  const finished = useMemo(() => sortFinished(filterFinished(allFinished, filter), sortKey, reverse), [allFinished, sortKey, reverse, filter]);
  const { remote } = props;
  const ended = snap.state === 'stopped' || snap.state === 'done';
  // A remote batch whose process is gone: its last snapshot's running rows are dead, not running.
  const alive = remote ? (remote.isLive?.() ?? !remote.readOnlyReason()) : !ended;
  const active = alive ? snap.active : [];
  const rowsOf = table === 'active' ? active.length : finished.length;
  const index = clampIndex(sel, rowsOf);
  const selectedId = table === 'active' ? active[index]?.rollout_id : finished[index]?.rollout_id;
  const selectedInstance = table === 'active' ? active[index]?.instance_id : finished[index]?.instance_id;
  const stalled = new Set(snap.stalled);
  // Heartbeats and per-row elapsed move once a second while rollouts run.
  const now = useClock(alive && active.length > 0);
  useEffect(() => remote?.onMessage((text) => setMessage(text)), [remote]);
  // In-process control acts at once and says so here; a remote batch answers through remote.onMessage instead.
  const note = (m: string) => (remote ? undefined : setMessage(m));
  const readOnly = remote?.readOnlyReason();
  // When the other process comes, goes or changes its mind, an older message no longer describes the batch.
  useEffect(() => setMessage(undefined), [readOnly]);

  useBoundInput(
    'batch',
    (action, _name, input) => {
      setMessage(undefined);
      if (confirm) {
        setConfirm(undefined);
        if (input === 'y') confirm.run();
        else setMessage('cancelled');
        return;
      }
      // Retrying an ended row runs here (a fresh attempt), not through the batch process: never read-only.
      const steers = action && CONTROL_KEYS.has(action) && !(action === 'batch.retry' && table === 'finished');
      const ro = steers ? remote?.readOnlyReason() : undefined;
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
          // lazygit asks before destructive actions: one uppercase key must not end every running rollout.
          return setConfirm({ text: `stop now: interrupt ${snap.running} running rollout(s)? y to confirm, any other key cancels`, run: () => (void control.stop('now'), note('stopping now: interrupting running rollouts')) });
        case 'batch.kill':
          if (table === 'active' && selectedId) {
            const id = selectedId;
            setConfirm({ text: `kill ${id}? y to confirm, any other key cancels (r instead kills it and runs it again)`, run: () => (control.kill(id), note(`killed ${id}`)) });
          } else setMessage('K kills a running rollout: Tab to the running table first');
          return;
        case 'batch.retry':
          // A running rollout: its scheduler retries it at once (abort, run again). An ended one (killed, interrupted,
          // failed or graded): a fresh attempt of its pair in this session, opened live.
          if (table === 'active' && selectedId && alive) {
            control.retry(selectedId);
            note(`retrying ${selectedId}: killed and queued again`);
          } else if (table === 'finished' && selectedId) {
            if (props.onRetryEnded) props.onRetryEnded(selectedId);
            else setMessage('retrying an ended rollout is not available here');
          }
          return;
        case 'batch.sort':
          setTable('finished');
          return setSortKey((k) => SORT_KEYS[(SORT_KEYS.indexOf(k) + 1) % SORT_KEYS.length]);
        case 'batch.reverse':
          setTable('finished');
          return setReverse((r) => !r);
        case 'batch.filter':
          setTable('finished');
          setSel(0);
          return setFilter((f) => VERDICT_FILTERS[(VERDICT_FILTERS.indexOf(f) + 1) % VERDICT_FILTERS.length]);
        case 'batch.instances':
          return props.onInstances?.();
        case 'batch.bestofn':
          if (selectedInstance && props.onBestOfN) props.onBestOfN(selectedInstance);
          return;
        case 'batch.resume':
          if (alive) return setMessage('the batch is running');
          if (snap.state === 'done' && snap.done >= snap.total) return setMessage('the batch is done: nothing to resume');
          return props.onResume ? props.onResume() : setMessage(`resume with: swegym resume ${props.sessionName}`);
      }
    },
    props.active ?? true,
  );

  const barW = Math.max(10, width - 30);
  const budget = snap.budget_usd !== undefined ? ` / budget ${fmtCost(snap.budget_usd)}` : '';
  const projected = snap.projected_cost_usd !== undefined ? ` (projected ${fmtCost(snap.projected_cost_usd)})` : '';
  const overBudget = snap.budget_usd !== undefined && (snap.projected_cost_usd ?? snap.cost_usd) > snap.budget_usd;
  const eps = snap.endpoints.map((e) => `${safe(e.url).replace(/^https?:\/\//, '').slice(0, 24)} ${e.in_flight}/${fmtLimit(e.max)}`).join(', ');
  // Counts that agree with the tables: once no process runs the batch, "done" is what the finished table holds.
  const done = alive ? snap.done : Math.max(snap.done, allFinished.length);
  const running = alive ? snap.running : 0;
  const total = Math.max(snap.total, done + running);
  const queued = Math.max(0, total - done - running);
  const state = alive ? snap.state : ended ? snap.state : 'stopped';
  const head = 8;
  const tableRows = Math.max(1, height - head);
  startRef.current = windowStart(index, tableRows, rowsOf, startRef.current);
  const ids = [...active.map((a) => a.instance_id), ...allFinished.map((r) => r.instance_id)];
  // Instance ids lose their shared prefix, then are cut in the middle: rows stay distinguishable at 60 columns.
  const idW = Math.max(14, Math.min(Math.max(8, ...ids.map((i) => i.length)) + 3, width - 42));
  const fitId = idFitter(ids, idW - 3);
  const stepW = Math.max(6, Math.min(16, width - idW - 5 - 8 - 22));
  const rowId = (id: string, sample: number) => padEnd(`${safe(fitId(id))}#${sample}`, idW);
  const shown = rowsOf ? `${startRef.current + 1}-${Math.min(rowsOf, startRef.current + tableRows)} of ${rowsOf}` : '0';
  const activeHeader = `${padEnd('rollout', idW)} ${padStart('turn', 4)} ${padStart('elapsed', 7)} ${padEnd('step', stepW)} heartbeat  cost`;
  const finishedHeader = `${padEnd('rollout', idW)} ${padEnd('verdict', 12)}${padStart('score', 5)} ${padStart('cost', 8)} turns duration stop`;

  // The table is one Text node of pre-cut lines (as in Pane), not a Box and a Text per row: Yoga lays out and measures
  // one node instead of one per row on every snapshot (bench/tui).
  const tableLines: Line[] =
    table === 'active'
      ? active.slice(startRef.current, startRef.current + tableRows).map((a, i) => {
          const isSel = startRef.current + i === index;
          const isStalled = stalled.has(a.rollout_id) || (props.stallMs !== undefined && a.heartbeat_age_ms > props.stallMs);
          const elapsed = a.started_at ? now - a.started_at : undefined;
          return [
            seg(`${rowId(a.instance_id, a.sample)} ${padStart(`t${a.turns}`, 4)} ${padStart(fmtDuration(elapsed), 7)} ${padEnd(safe(a.current_step ?? a.status), stepW)} `, isSel ? 'selected' : undefined),
            seg(`${isStalled ? 'STALLED ' : ''}♥ ${fmtDuration(a.heartbeat_age_ms)}`, isStalled ? 'status.stalled' : 'muted'),
            seg(` ${fmtCost(a.cost_usd)}`, 'muted'),
          ];
        })
      : finished.slice(startRef.current, startRef.current + tableRows).map((r, i) => {
          const isSel = startRef.current + i === index;
          const score = meanScore(r);
          return [
            seg(`${rowId(r.instance_id, r.sample)} `, isSel ? 'selected' : undefined),
            seg(padEnd(r.verdict ?? r.status, 12), verdictRole(r.verdict ?? (r.status === 'completed' ? undefined : 'error'))),
            seg(padStart(score !== undefined ? score.toFixed(2) : '-', 5), score !== undefined ? scoreRole(score) : 'muted'),
            seg(` ${padStart(fmtCost(r.cost_usd), 8)} ${padStart(`t${r.turns}`, 5)} ${padStart(fmtDuration((r.ended_at ?? 0) - (r.started_at ?? 0)), 8)} ${r.stop_reason ?? ''}`, 'muted'),
          ];
        });
  const tableBody = tableLines.flatMap((l, i) => [...(i ? ['\n'] : []), <LineSegs key={i} l={fitLine(l, width)} />]);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="header">batch {safe(props.sessionName)}</T>
          <T role={state === 'running' ? 'status.running' : state === 'paused' ? 'warn' : 'muted'}>{`  ${state.toUpperCase()}`}</T>
          <T role="muted">{`  ${done}/${total} done · ${running} running · ${queued} queued`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <ProgressBar done={done} total={total} width={barW} />
          <T>{` ${total ? Math.floor((100 * done) / total) : 0}%`}</T>
          <T role="muted">{` ETA ${alive && snap.state === 'running' ? fmtDuration(snap.eta_ms) : '-'}`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role="verdict.resolved">{`resolved ${snap.resolved}`}</T>
          <T role="muted">{` (${done ? ((100 * snap.resolved) / done).toFixed(0) : 0}%) · infra ${snap.infra_failures} · retries ${snap.retries} · ${snap.throughput_per_min.toFixed(1)}/min · ${snap.tokens} tok`}</T>
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role={overBudget ? 'status.error' : undefined}>{`spend ${fmtCost(snap.cost_usd)}${budget}${projected}`}</T>
          <T role="muted">{` · workers ${snap.workers.busy}/${snap.workers.max} · swept ${snap.containers_swept}`}</T>
        </Text>
      </Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{`endpoints ${eps || '-'}`}</T><T role={stalled.size ? 'status.stalled' : 'muted'}>{stalled.size && alive ? `  ${stalled.size} STALLED` : ''}</T></Text></Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          {confirm ? (
            <T role="status.stalled">{safe(confirm.text)}</T>
          ) : message !== undefined || !remote ? (
            <T role="warn">{safe(message ?? (ended || !alive ? `${state}: i instances · n best-of-n${state !== 'done' ? ' · R resume' : ''}` : ''))}</T>
          ) : readOnly ? (
            <T role="warn">{`read-only: ${safe(readOnly)}${!alive ? ' · R resumes' : ''}`}</T>
          ) : (
            <T role="muted">{`following ${safe(remote.source() ?? 'another process')} · keys act on it through control.jsonl`}</T>
          )}
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end">
          <T role={table === 'active' ? 'focus' : 'muted'}>{`[running ${active.length}]`}</T>
          <T> </T>
          <T role={table === 'finished' ? 'focus' : 'muted'}>{`[finished ${finished.length}${filter !== 'all' ? ` ${filter} of ${allFinished.length}` : ''} · sort ${sortKey}${reverse ? ' ↑' : ''}]`}</T>
          <T role="muted">{`  ${shown}`}</T>
        </Text>
      </Box>
      <Box height={1}><Text wrap="truncate-end"><T role="muted">{table === 'active' ? activeHeader : finishedHeader}</T></Text></Box>
      <Box height={tableRows} width={width} flexDirection="column" overflow="hidden">
        {rowsOf > 0 && <Text wrap="truncate-end">{tableBody}</Text>}
        {rowsOf === 0 && <Text><T role="muted">{table === 'active' ? (alive ? '  nothing running' : '  no process runs this batch') : filter !== 'all' ? `  no ${filter} rollout (f changes the filter)` : '  nothing finished yet'}</T></Text>}
      </Box>
    </Box>
  );
}
