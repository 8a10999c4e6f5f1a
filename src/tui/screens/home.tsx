import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import { windowStart } from '../components/list-window.js';
import type { SessionListing } from '../backend.js';
import type { Role } from '../theme.js';
import { fmtCost, fmtDuration, padEnd, padStart, safe, truncate } from '../text.js';
import { middleCut, wordWrap } from '../fit.js';

export interface HomeProps {
  sessions: SessionListing[];
  datasetName: string;
  modelHint?: string;
  /** The configured model and endpoint, when there is one. */
  modelInfo?: string;
  width: number;
  height: number;
  active?: boolean;
  batchRunning?: boolean;
  /** The batch started here has finished: its dashboard can still be opened. */
  batchEnded?: boolean;
  marked?: string;
  /** The key of the highlighted row (kept by the app across navigation). */
  cursor?: string;
  onCursor?(key: string): void;
  /** Feedback for keys that cannot act now. */
  onSay?(message: string): void;
  onNewRun(): void;
  onNewBatch(): void;
  onOpen(dir: string): void;
  onMark(dir: string): void;
  onCompare(a: string, b: string): void;
  onDashboard?(): void;
  onResume?(dir: string): void;
  onBack(): void;
  /** For ages ("3m ago"); tests pass a fixed one. */
  now?: number;
}

type Row = { key: string; kind: 'run' | 'batch' | 'dashboard' } | { key: string; kind: 'session'; s: SessionListing };

const STATE_ROLE: Record<string, Role> = { running: 'status.running', done: 'status.ok', stopped: 'warn', crashed: 'status.error', unreadable: 'status.error', runs: 'muted' };

/**
 * Columns after the name, by priority: state, done/planned, rate and cost always; resolved, age and agent only when
 * the terminal is wide enough. The name takes the rest and is cut in the middle (its end tells sessions apart).
 */
function columns(width: number): { resolved: boolean; age: boolean; agent: boolean; agentW: number } {
  const agent = width >= 100;
  return { resolved: width >= 72, age: width >= 72, agent, agentW: agent ? Math.min(22, width - 94) + 6 : 0 };
}
const nameWidth = (width: number): number => {
  const c = columns(width);
  const fixed = 2 + 1 + 8 + 1 + 9 + 1 + 4 + 1 + 9 + (c.resolved ? 9 : 0) + (c.age ? 7 : 0) + (c.agent ? c.agentW + 1 : 0);
  return Math.max(8, width - fixed - 2);
};

function cells(width: number, name: string, state: string, done: string, resolved: string, rate: string, cost: string, age: string, agent: string): string {
  const c = columns(width);
  const w = nameWidth(width);
  return `${padEnd(middleCut(name, w), w)} ${padEnd(state, 8)} ${padStart(done, 9)}${c.resolved ? ` ${padStart(resolved, 8)}` : ''} ${padStart(rate, 4)} ${padStart(cost, 9)}${c.age ? ` ${padStart(age, 6)}` : ''}${c.agent ? ` ${padEnd(agent, c.agentW)}` : ''}`;
}

export function sessionRow(s: SessionListing, width: number, marked: boolean, now = Date.now()): string {
  const rate = s.done ? `${((100 * s.resolved) / s.done).toFixed(0)}%` : '-';
  const age = s.createdAt ? `${fmtDuration(Math.max(0, now - s.createdAt)).replace(/\.\d+s$/, 's')}` : '-';
  const n = s.samples && s.samples > 1 ? `${s.instances ?? '?'}×${s.samples}` : '';
  return `${marked ? '*' : ' '} ${cells(width, safe(s.name), s.state ?? s.status, `${s.done}/${s.rollouts}`, String(s.resolved), rate, fmtCost(s.costUsd), age, `${safe(s.agent ?? '')}${n ? ` ${n}` : ''}`)}`;
}

/** The column header, aligned with sessionRow. */
export function sessionHeader(width: number): string {
  return `  ${cells(width, 'session', 'state', 'done', 'resolved', 'rate', 'cost', 'age', 'agent')}`;
}

/**
 * Home: new run / new batch, then every session of the folder, live (the app re-lists the folder), with its honest
 * state: running, done, stopped or crashed (R resumes those), runs (the workbench's single runs).
 */
export function Home(props: HomeProps): React.JSX.Element {
  const { sessions, width, height } = props;
  const rowsAll: Row[] = [
    { key: 'run', kind: 'run' },
    { key: 'batch', kind: 'batch' },
    ...(props.batchRunning || props.batchEnded ? [{ key: 'dash', kind: 'dashboard' } as Row] : []),
    ...sessions.map((s) => ({ key: s.dir, kind: 'session', s }) as Row),
  ];
  const [cursor, setCursor] = useState(props.cursor ?? 'run');
  const [start, setStart] = useState(0);
  const found = rowsAll.findIndex((r) => r.key === cursor);
  const sel = found >= 0 ? found : 0;
  const cur = rowsAll[sel]!;
  const moveTo = (i: number) => {
    const r = rowsAll[Math.max(0, Math.min(i, rowsAll.length - 1))]!;
    setCursor(r.key);
    props.onCursor?.(r.key);
  };

  const open = (r: Row) => {
    if (r.kind === 'run') props.onNewRun();
    else if (r.kind === 'batch') props.onNewBatch();
    else if (r.kind === 'dashboard') props.onDashboard?.();
    else if (r.kind === 'session') props.onOpen(r.s.dir);
  };

  const hintLines = props.modelHint ? props.modelHint.split('\n').flatMap((l) => wordWrap(l, width)) : props.modelInfo ? [`model ${props.modelInfo}`] : [];
  const listRows = Math.max(3, height - 4 - hintLines.length);

  useBoundInput(
    'home',
    (action) => {
      switch (action) {
        case 'home.quit':
          return props.onBack();
        case 'home.newRun':
          return props.onNewRun();
        case 'home.newBatch':
          return props.onNewBatch();
        case 'home.batch':
          return props.onDashboard?.();
        case 'home.open':
          return open(cur);
        case 'home.down':
          return moveTo(sel + 1);
        case 'home.up':
          return moveTo(sel - 1);
        case 'home.pageDown':
          return moveTo(sel + listRows - 1);
        case 'home.pageUp':
          return moveTo(sel - listRows + 1);
        case 'home.first':
          return moveTo(0);
        case 'home.last':
          return moveTo(rowsAll.length - 1);
        case 'home.mark':
          if (cur.kind === 'session') props.onMark(cur.s.dir);
          else props.onSay?.('Space marks a session (for c, run compare): move to a session row first');
          return;
        case 'home.compare':
          if (!props.marked) props.onSay?.('mark one session with Space first, then press c on another to compare them');
          else if (cur.kind !== 'session' || props.marked === cur.s.dir) props.onSay?.('move to another session, then c compares it with the marked one');
          else props.onCompare(props.marked, cur.s.dir);
          return;
        case 'home.resume':
          if (cur.kind === 'session' && (cur.s.state === 'stopped' || cur.s.state === 'crashed')) props.onResume?.(cur.s.dir);
          else props.onSay?.(cur.kind === 'session' ? `${cur.s.name} is ${cur.s.state ?? cur.s.status}: only stopped or crashed batches resume` : 'R resumes the highlighted stopped or crashed batch');
          return;
      }
    },
    props.active ?? true,
  );

  const top = windowStart(sel, listRows, rowsAll.length, start);
  if (top !== start) setStart(top);
  const now = props.now ?? Date.now();
  const label = (r: Row): string =>
    r.kind === 'session' ? sessionRow(r.s, width - 2, props.marked === r.s.dir, now) : r.kind === 'run' ? '▸ New run: pick an instance and an agent' : r.kind === 'batch' ? '▸ New batch: mark instances, run them all' : `▸ Batch dashboard (${props.batchRunning ? 'running' : 'finished'})`;
  const curNote = cur.kind === 'session' && cur.s.state && cur.s.state !== 'running' && cur.s.state !== 'done' && cur.s.state !== 'runs' ? `${cur.s.state} · R resumes it · ${cur.s.note ?? ''}` : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}><Text wrap="truncate-end"><T role="header">swegym workbench</T><T role="muted"> · dataset {safe(props.datasetName)}</T></Text></Box>
      {hintLines.map((l, i) => (
        <Box key={i} height={1}><Text wrap="truncate-end"><T role={props.modelHint ? 'warn' : 'muted'}>{truncate(l, width)}</T></Text></Box>
      ))}
      <Box height={1}>
        <Text wrap="truncate-end"><T role="muted">{`  ${sessionHeader(width - 2)}`}</T></Text>
      </Box>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {rowsAll.slice(top, top + listRows).map((r, i) => {
          const isSel = top + i === sel;
          const text = label(r);
          const st = r.kind === 'session' ? (r.s.state ?? r.s.status) : undefined;
          return (
            <Box key={r.key} height={1}>
              <Text wrap="truncate-end">
                <T role={isSel ? 'focus' : undefined}>{isSel ? '❯ ' : '  '}</T>
                {st ? (
                  <>
                    <T role={isSel ? 'selected' : undefined}>{text.slice(0, 2 + nameWidth(width - 2) + 1)}</T>
                    <T role={STATE_ROLE[st] ?? 'muted'}>{text.slice(2 + nameWidth(width - 2) + 1, 2 + nameWidth(width - 2) + 1 + 8)}</T>
                    <T role={isSel ? 'selected' : undefined}>{text.slice(2 + nameWidth(width - 2) + 1 + 8)}</T>
                  </>
                ) : (
                  <T role={isSel ? 'focus' : 'title'}>{text}</T>
                )}
              </Text>
            </Box>
          );
        })}
      </Box>
      <Box height={2} flexDirection="column">
        <Text wrap="truncate-end"><T role="muted">{sessions.length ? `${sel + 1} of ${rowsAll.length} · ${sessions.length} session(s) · Space marks one, c compares it with the highlighted one` : 'No sessions yet: start a run.'}</T></Text>
        <Text wrap="truncate-end"><T role="warn">{safe(curNote)}</T></Text>
      </Box>
    </Box>
  );
}

/** Kept for screens that list choices with ink-select-input (the agent chooser). */
export function Item({ isSelected, label }: { isSelected?: boolean; label: string }): React.JSX.Element {
  return (
    <Text wrap="truncate-end">
      <T role={isSelected ? 'focus' : label.startsWith('▸') ? 'title' : undefined}>{label}</T>
    </Text>
  );
}
