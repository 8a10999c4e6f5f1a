import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { Picker } from '../../src/tui/screens/picker.js';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';
import { ScriptedBackend } from './scripted-backend.js';
import { scriptedRollout, TASK } from './scripted-rollout.js';

/** Issue 13, fault 7 (input): bursts of escape sequences, filtering only after `/`, the cursor keeps its instance. */

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi, tick } = helpers;
afterEach(() => cleanup());

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 60, rows: 20 },
];
const NAMES = ['durations-12', 'durations-19', 'ledger-8', 'ledger-15', 'ledger-21', 'ledger-30'];
const TASKS = NAMES.map((n, i) => ({ ...TASK, instance_id: `swegym-samples__${n}`, repo: 'swegym-samples/x', problem_statement: `Problem number ${i} of ${n}` }));

for (const size of SIZES) {
  test(`held arrow over SSH: three Downs in one read move three rows (picker, ${size.columns}x${size.rows})`, async () => {
    const r = renderWith(<Picker tasks={TASKS} title="pick" width={size.columns} height={size.rows - 1} onOpen={() => {}} onBatch={() => {}} onBack={() => {}} />);
    await waitFrame(r, (p) => p.includes('Problem number 0'));
    r.stdin.write(`${KEYS.down}${KEYS.down}${KEYS.down}`);
    await waitFrame(r, (p) => p.includes('Problem number 3 of ledger-15'));
    r.stdin.write(`${KEYS.up}${KEYS.up}`);
    await waitFrame(r, (p) => p.includes('Problem number 1 of durations-19'));
  });

  test(`held arrow in the rollout view: five Downs in one read scroll five lines (${size.columns}x${size.rows})`, async () => {
    const store = new RolloutStore('r1', 0);
    store.pushAll(scriptedRollout('r1', { steps: 2 }));
    const long = `diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,60 +1,60 @@\n${Array.from({ length: 60 }, (_, i) => ` line ${i}`).join('\n')}\n`;
    const r = renderWith(<RolloutView store={store} task={{ ...TASK, patch: long }} width={size.columns} height={size.rows - 1} onBack={() => {}} />);
    await waitFrame(r, (p) => p.includes('RESOLVED'));
    await press(r, KEYS.tab, KEYS.tab, 'g', 'z'); // the diff pane, the gold patch, zoomed
    await waitFrame(r, (p) => /gold patch[^\n]* 1-\d+\/64/.test(p));
    r.stdin.write(KEYS.down.repeat(5));
    await waitFrame(r, (p) => /gold patch[^\n]* 6-\d+\/64/.test(p));
  });

  test(`picker: j/k move and q goes back; letters reach the filter only after / (${size.columns}x${size.rows})`, async () => {
    const back: string[] = [];
    const r = renderWith(<Picker tasks={TASKS} title="pick" width={size.columns} height={size.rows - 1} onOpen={() => {}} onBatch={() => {}} onBack={() => back.push('back')} />);
    await waitFrame(r, (p) => p.includes('Problem number 0'));
    await press(r, 'j', 'j');
    await waitFrame(r, (p) => p.includes('Problem number 2 of ledger-8'));
    await press(r, 'k');
    await waitFrame(r, (p) => p.includes('Problem number 1'));
    assert.ok(!stripAnsi(r.lastFrame()!).includes('filter: jjk'));
    await press(r, '/', 'l', 'e', 'd', 'g', '-', '1', '5', KEYS.enter);
    await waitFrame(r, (p) => p.includes('filter: ledg-15') || p.includes('no instance matches'));
    await press(r, KEYS.esc); // clears the filter
    await waitFrame(r, (p) => p.includes('Problem number'));
    await press(r, 'q');
    await tick(30);
    assert.deepEqual(back, ['back']);
  });

  test(`the cursor keeps its instance across help, filter changes, ^U and back (${size.columns}x${size.rows})`, async () => {
    const backend = new ScriptedBackend(TASKS);
    const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={defaultBindings()} size={size} sessionsPollMs={0} />);
    await waitFrame(r, (p) => p.includes('New run'));
    await press(r, 'n');
    await waitFrame(r, (p) => p.includes('Problem number 0'));
    await press(r, '/', 'l', 'e', 'd', 'g', KEYS.enter);
    await waitFrame(r, (p) => p.includes('Problem number 2 of ledger-8'));
    await press(r, KEYS.down);
    await waitFrame(r, (p) => p.includes('Problem number 3 of ledger-15'));
    await press(r, '?');
    await waitFrame(r, (p) => p.includes('keys · picker'));
    await press(r, KEYS.esc);
    await waitFrame(r, (p) => p.includes('filter: ledg'));
    assert.match(stripAnsi(r.lastFrame()!), /Problem number 3 of ledger-15/, 'help kept the cursor');
    await press(r, '\x15'); // ^U: the filter goes, the cursor stays on ledger-15 (now row 4 of 6)
    await waitFrame(r, (p) => p.includes('4 of 6 instances'));
    assert.match(stripAnsi(r.lastFrame()!), /Problem number 3 of ledger-15/, '^U kept the instance, not the row number');
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('Run swegym-samples__ledger-15 with'));
    await press(r, KEYS.esc);
    const f = await waitFrame(r, (p) => p.includes('filter:'));
    assert.match(stripAnsi(f), /Problem number 3 of ledger-15/, 'back from the agent chooser kept the cursor');
    assert.equal(rows(f).length, size.rows);
  });
}
