import React from 'react';
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import type { SessionListing } from '../backend.js';
import { fmtCost, padEnd, padStart, safe, truncate } from '../text.js';

export interface HomeProps {
  sessions: SessionListing[];
  datasetName: string;
  modelHint?: string;
  width: number;
  height: number;
  active?: boolean;
  batchRunning?: boolean;
  /** The batch started here has finished: its dashboard can still be opened. */
  batchEnded?: boolean;
  marked?: string;
  /** The configured model and endpoint, when there is one. */
  modelInfo?: string;
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
  onBack(): void;
}

type Value = { kind: 'run' } | { kind: 'batch' } | { kind: 'dashboard' } | { kind: 'session'; dir: string };

const cols = (status: string, resolved: string, rate: string, cost: string): string => `${padEnd(status, 10)} ${padStart(resolved, 8)} ${padStart(rate, 5)} ${padStart(cost, 9)}`;
/** The session name gets what the other columns leave (the list's pointer and the mark take 4 columns). */
const nameWidth = (width: number): number => Math.max(8, width - cols('', '', '', '').length - 6);

export function sessionRow(s: SessionListing, width: number, marked: boolean): string {
  const rate = s.done ? `${((100 * s.resolved) / s.done).toFixed(0)}%` : '-';
  return `${marked ? '*' : ' '} ${padEnd(safe(s.name), nameWidth(width))} ${cols(s.status, `${s.resolved}/${s.done}`, rate, fmtCost(s.costUsd))}`;
}

/** The column header, aligned with sessionRow under ink-select-input's two-column pointer. */
export function sessionHeader(width: number): string {
  return `    ${padEnd('session', nameWidth(width))} ${cols('status', 'resolved', 'rate', 'cost')}`;
}

export function Item({ isSelected, label }: { isSelected?: boolean; label: string }): React.JSX.Element {
  return (
    <Text wrap="truncate-end">
      <T role={isSelected ? 'focus' : label.startsWith('▸') ? 'title' : undefined}>{label}</T>
    </Text>
  );
}

export function Home(props: HomeProps): React.JSX.Element {
  const { sessions, width, height } = props;
  const items: Array<{ key: string; label: string; value: Value }> = [
    { key: 'run', label: '▸ New run: pick an instance and an agent', value: { kind: 'run' } },
    { key: 'batch', label: '▸ New batch: mark instances, run them all', value: { kind: 'batch' } },
    ...(props.batchRunning || props.batchEnded ? [{ key: 'dash', label: `▸ Batch dashboard (${props.batchRunning ? 'running' : 'finished'})`, value: { kind: 'dashboard' } as Value }] : []),
    ...sessions.map((s) => ({ key: s.dir, label: sessionRow(s, width, props.marked === s.dir), value: { kind: 'session', dir: s.dir } as Value })),
  ];
  const initialIndex = Math.max(0, items.findIndex((i) => i.key === props.cursor));
  const [hl, setHl] = React.useState<Value>(items[initialIndex].value);

  useBoundInput(
    'home',
    (action) => {
      if (action === 'home.quit') props.onBack();
      else if (action === 'home.newRun') props.onNewRun();
      else if (action === 'home.newBatch') props.onNewBatch();
      else if (action === 'home.batch') props.onDashboard?.();
      else if (action === 'home.mark') {
        if (hl.kind === 'session') props.onMark(hl.dir);
        else props.onSay?.('Space marks a session (for c, run compare): move to a session row first');
      } else if (action === 'home.compare') {
        if (!props.marked) props.onSay?.('mark one session with Space first, then press c on another to compare them');
        else if (hl.kind !== 'session' || props.marked === hl.dir) props.onSay?.('move to another session, then c compares it with the marked one');
        else props.onCompare(props.marked, hl.dir);
      }
    },
    props.active ?? true,
  );

  const hintLines = props.modelHint ? props.modelHint.split('\n') : props.modelInfo ? [`model ${props.modelInfo}`] : [];
  const listRows = Math.max(3, height - 5 - hintLines.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={1}><Text wrap="truncate-end"><T role="header">swegym workbench</T><T role="muted"> · dataset {safe(props.datasetName)}</T></Text></Box>
      {hintLines.map((l, i) => (
        <Box key={i} height={1}><Text wrap="truncate-end"><T role="warn">{truncate(l, width)}</T></Text></Box>
      ))}
      <Box height={1}><Text> </Text></Box>
      <Box height={1}>
        <Text wrap="truncate-end"><T role="muted">{sessionHeader(width)}</T></Text>
      </Box>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        <SelectInput
          items={items}
          limit={listRows}
          isFocused={props.active ?? true}
          itemComponent={Item}
          initialIndex={initialIndex}
          onHighlight={(i) => {
            setHl(i.value);
            props.onCursor?.(i.key ?? '');
          }}
          onSelect={(i) => {
            if (i.value.kind === 'run') props.onNewRun();
            else if (i.value.kind === 'batch') props.onNewBatch();
            else if (i.value.kind === 'dashboard') props.onDashboard?.();
            else props.onOpen(i.value.dir);
          }}
        />
      </Box>
      <Box height={2} flexDirection="column">
        <Text wrap="truncate-end"><T role="muted">{sessions.length ? `${sessions.length} session(s). Space marks one, c compares it with the highlighted one.` : 'No sessions yet: start a run.'}</T></Text>
      </Box>
    </Box>
  );
}
