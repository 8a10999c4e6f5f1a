import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { Box } from 'ink';
import { cleanup } from 'ink-testing-library';
import type { RolloutSummary } from '../../src/core/session/types.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { Picker } from '../../src/tui/screens/picker.js';
import { RunCompare } from '../../src/tui/screens/run-compare.js';
import { StatusBar } from '../../src/tui/components/status-bar.js';
import { TASK, scriptedBodies, stamp } from './scripted-rollout.js';

/** Issue 13: picker and run-compare sorting (k9s style: V verdict, I instance, S steps, C cost, T time; again reverses). */

const { renderWith, press, waitFrame, rows, stripAnsi } = helpers;
afterEach(() => cleanup());

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 60, rows: 20 },
];

// Dataset order on purpose unlike any sort: natural id order is ledger-8, ledger-15, ledger-21, parse-3.
const IDS = ['swegym-samples__ledger-15', 'swegym-samples__parse-3', 'swegym-samples__ledger-8', 'swegym-samples__ledger-21'];
const TASKS = IDS.map((id, i) => ({ ...TASK, instance_id: id, repo: 'swegym-samples/x', problem_statement: `Problem ${i}` }));

/** One rollout of an instance: its verdict, steps (turns), cost and time taken. */
function sum(id: string, inst: string, verdict: 'resolved' | 'unresolved' | 'error' | 'empty_patch', turns: number, cost: number, seconds: number): RolloutSummary {
  const base = foldEvents(id, stamp(id, scriptedBodies({ steps: 1 })));
  return { ...base, rollout_id: id, instance_id: inst, sample: 0, verdict, resolved: verdict === 'resolved', turns, cost_usd: cost, started_at: 1_000_000, ended_at: 1_000_000 + seconds * 1000 };
}
// ledger-15 resolved (3 steps, $0.30, 20 s); parse-3 error (9 steps, $0.10, 50 s); ledger-8 unresolved (5, $0.90, 10 s);
// ledger-21 never ran.
const SUMS = [sum('a', IDS[0]!, 'resolved', 3, 0.3, 20), sum('b', IDS[1]!, 'error', 9, 0.1, 50), sum('c', IDS[2]!, 'unresolved', 5, 0.9, 10)];

/** Instance names of the picker's rows, top to bottom. */
const order = (frame: string) => rows(frame).flatMap((l) => /(ledger-\d+|parse-\d+)/.exec(l)?.[0] ?? []).filter((x, i, a) => a.indexOf(x) === i);

for (const size of SIZES) {
  const { columns: width, rows: height } = size;

  test(`picker sorting: V failure first, I natural id, S/C/T largest first, the same key again reverses; the status bar shows the keys (${width}x${height})`, async () => {
    const title = `sorting-${width}`;
    const r = renderWith(
      <Box flexDirection="column">
        <Picker tasks={TASKS} summaries={SUMS} title={title} width={width} height={height - 1} onOpen={() => {}} onBatch={() => {}} onBack={() => {}} />
        <StatusBar where={title} screen="picker" width={width} />
      </Box>,
    );
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('Problem 0')));
    assert.deepEqual(order(f), ['ledger-15', 'parse-3', 'ledger-8', 'ledger-21'], 'dataset order until a sort key');
    assert.match(rows(f).at(-1)!, /V\/I\/S\/C\/T sort/, `the sort keys in the status bar:\n${rows(f).at(-1)}`);
    await press(r, 'V');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort verdict')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-8', 'ledger-15', 'ledger-21'], 'error, unresolved, resolved, never run');
    assert.match(stripAnsi(r.lastFrame()!.split('\n').find((l) => l.includes('\x1b[7m')) ?? ''), /ledger-15/, 'the cursor stayed on ledger-15, now the third row');
    await press(r, 'V');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort verdict ↑')));
    assert.deepEqual(order(f), ['ledger-21', 'ledger-15', 'ledger-8', 'parse-3']);
    await press(r, 'I');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort instance') && !p.includes('↑')));
    assert.deepEqual(order(f), ['ledger-8', 'ledger-15', 'ledger-21', 'parse-3'], 'natural order: ledger-8 before ledger-15');
    await press(r, 'S');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort steps')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-8', 'ledger-15', 'ledger-21']);
    assert.match(f, /steps +best/, 'a steps column');
    assert.ok(rows(f).some((l) => /parse-3 .* 9 +error/.test(l)), `the steps are shown:\n${f}`);
    await press(r, 'C');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort cost')));
    assert.deepEqual(order(f), ['ledger-8', 'ledger-15', 'parse-3', 'ledger-21']);
    await press(r, 'T');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort time')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-15', 'ledger-8', 'ledger-21']);
    // The cursor keeps its instance through every sort: it was on ledger-15 (the first row) when V was pressed.
    const selected = (raw: string) => stripAnsi(raw.split('\n').find((l) => l.includes('\x1b[7m')) ?? '');
    assert.match(selected(r.lastFrame()!), /ledger-15/);
    assert.equal(order(f).indexOf('ledger-15'), 1);
  });

  test(`run compare sorting: V failure first, I natural id, S/C/T largest first, again reverses; the status bar shows the keys (${width}x${height})`, async () => {
    // A: every instance resolved. B: parse-3 fails, ledger-8 half, ledger-15 resolved.
    const a = IDS.slice(0, 3).map((inst, i) => sum(`a${i}`, inst, 'resolved', 2, 0.05, 5));
    const b = [sum('b0', IDS[0]!, 'resolved', 4, 0.2, 30), sum('b1', IDS[1]!, 'unresolved', 8, 0.4, 60), { ...sum('b2', IDS[2]!, 'resolved', 6, 0.6, 15), sample: 0 }, { ...sum('b3', IDS[2]!, 'unresolved', 1, 0.01, 1), sample: 1 }];
    const r = renderWith(
      <Box flexDirection="column">
        <RunCompare a={{ name: 'A', summaries: a }} b={{ name: 'B', summaries: b }} width={width} height={height - 1} onOpen={() => {}} onBack={() => {}} />
        <StatusBar where="compare" screen="compare" width={width} />
      </Box>,
    );
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('differ')));
    assert.match(rows(f).at(-1)!, /V\/I\/S\/C\/T sort/, `the sort keys in the status bar:\n${rows(f).at(-1)}`);
    assert.deepEqual(order(f), ['ledger-8', 'parse-3', 'ledger-15'], 'differing first, until a sort key');
    await press(r, 'I');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort instance')));
    assert.deepEqual(order(f), ['ledger-8', 'ledger-15', 'parse-3']);
    await press(r, 'I');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort instance ↑')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-15', 'ledger-8']);
    await press(r, 'V');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort verdict')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-8', 'ledger-15'], 'B 0/1, then 1/2, then 1/1');
    await press(r, 'C');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort cost')));
    // B's best sample: ledger-8 $0.60, parse-3 $0.40, ledger-15 $0.20.
    assert.deepEqual(order(f), ['ledger-8', 'parse-3', 'ledger-15']);
    await press(r, 'T');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort time')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-15', 'ledger-8']);
    await press(r, 'S');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort steps')));
    assert.deepEqual(order(f), ['parse-3', 'ledger-8', 'ledger-15']);
  });
}
