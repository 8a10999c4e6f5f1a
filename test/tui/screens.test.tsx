import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { Home } from '../../src/tui/screens/home.js';
import { Picker, filterTasks } from '../../src/tui/screens/picker.js';
import { BatchDashboard } from '../../src/tui/screens/batch.js';
import { BestOfN } from '../../src/tui/screens/best-of-n.js';
import { RunCompare } from '../../src/tui/screens/run-compare.js';
import { HelpOverlay } from '../../src/tui/components/help-overlay.js';
import { StatusBar } from '../../src/tui/components/status-bar.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import type { RolloutSummary } from '../../src/core/session/types.js';
import { scriptedRollout, TASK, GOLD_PATCH } from './scripted-rollout.js';
import { RecordingControl, snapshot } from './scripted-backend.js';
import { sgrBefore } from './ansi.js';

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi } = helpers;
afterEach(() => cleanup());

const TASKS = [
  TASK,
  { ...TASK, instance_id: 'other__proj-7', repo: 'other/proj', version: '2.0', problem_statement: 'Parser fails on unicode input', FAIL_TO_PASS: ['a', 'b'], PASS_TO_PASS: [] },
  { ...TASK, instance_id: 'acme__calc-9', problem_statement: 'mul overflows' },
];
const sum = (id: string, over: Partial<RolloutSummary> = {}): RolloutSummary => ({ ...foldEvents(id, scriptedRollout(id)), ...over });

test('home: sessions with status, resolve rate and cost; actions; Enter opens; space + c compares', async () => {
  const calls: string[] = [];
  const sessions = [
    { dir: 's/a', name: 'run-a', status: 'done', rollouts: 4, done: 4, resolved: 3, costUsd: 1.5 },
    { dir: 's/b', name: 'run-b', status: 'partial', rollouts: 4, done: 2, resolved: 1, costUsd: 0.25 },
  ];
  const props = { sessions, datasetName: 'samples', modelHint: 'set OPENAI_API_KEY', width: 80, height: 12, onNewRun: () => calls.push('run'), onNewBatch: () => calls.push('batch'), onOpen: (d: string) => calls.push(`open:${d}`), onMark: (d: string) => calls.push(`mark:${d}`), onCompare: (a: string, b: string) => calls.push(`cmp:${a}:${b}`), onBack: () => calls.push('back') };
  const r = renderWith(<Home {...props} />);
  const f = await waitFrame(r, (p) => p.includes('run-b'));
  const plain = stripAnsi(f);
  assert.match(plain, /run-a .* done +4\/4 +3 +75% +\$1\.5000/);
  assert.match(plain, /run-b .* partial +2\/4 +1 +50% +\$0\.2500/);
  assert.match(plain, /set OPENAI_API_KEY/);
  assert.equal(rows(f).length, 12);
  // Keys are handled one per render: wait for each key's effect (the call it makes), never assert right after pressing.
  await press(r, KEYS.down, KEYS.down, KEYS.enter);
  await helpers.until(() => calls.length >= 1, 'Enter opens');
  assert.deepEqual(calls, ['open:s/a']);
  await press(r, 'n', 'b');
  await helpers.until(() => calls.length >= 3, 'n and b');
  assert.deepEqual(calls.slice(1), ['run', 'batch']);
  await press(r, ' ');
  await helpers.until(() => calls.length >= 4, 'space marks');
  r.rerender(<helpers.Wrap><Home {...props} marked="s/a" /></helpers.Wrap>);
  await press(r, KEYS.down, 'c');
  await helpers.until(() => calls.length >= 5, 'c compares');
  assert.deepEqual(calls.slice(3), ['mark:s/a', 'cmp:s/a:s/b']);
});

test('picker: type-to-filter on id, repo and text; counts; best verdict; Enter opens; space marks; ^B batches', async () => {
  const opened: string[] = [];
  const batches: string[][] = [];
  const r = renderWith(
    <Picker tasks={TASKS} summaries={[sum('r1'), sum('r2', { sample: 1, verdict: 'unresolved', resolved: false })]} title="pick" width={80} height={10}
      onOpen={(t, o) => opened.push(`${t.instance_id}${o.forceNew ? ':new' : ''}`)} onBatch={(ts) => batches.push(ts.map((t) => t.instance_id))} onBack={() => opened.push('back')} />,
  );
  let f = await waitFrame(r, (p) => p.includes('1 of 3 instances'));
  // best verdict, its mean score, and k/n: 1 of the 2 rollouts resolved
  assert.match(stripAnsi(f), /acme__calc-1 +acme\/calc +0\.1 +1 +2 +resolved 0\.91 1\/2/);
  assert.ok(sgrBefore(f, 'resolved').includes('32'), 'best verdict is colored');
  await press(r, '/', 'u', 'n', 'i', 'c', 'o', KEYS.enter);
  f = await waitFrame(r, (p) => p.includes('1 of 1 (of 3) instances'));
  assert.match(stripAnsi(f), /other__proj-7 +other\/proj +2\.0 +2 +0/);
  await press(r, KEYS.enter);
  await helpers.until(() => opened.length === 1, 'open');
  assert.deepEqual(opened, ['other__proj-7']);
  await press(r, KEYS.esc); // clears the filter first
  await waitFrame(r, (p) => p.includes('of 3 instances') && !p.includes('(of 3)'));
  await press(r, '/', 'a', 'c', 'm', 'e', KEYS.enter);
  await waitFrame(r, (p) => p.includes('(of 3) instances'));
  await press(r, 'g', ' ', ' ');
  await waitFrame(r, (p) => p.includes('2 marked'));
  await press(r, '\x02'); // ctrl+b
  await helpers.until(() => batches.length === 1, 'batch');
  assert.deepEqual(batches, [['acme__calc-1', 'acme__calc-9']]);
  await press(r, '\x12'); // ctrl+r: new rollout even though one exists
  await helpers.until(() => opened.length === 2, 'new run');
  assert.deepEqual(opened.slice(1), ['acme__calc-9:new']);
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => !p.includes('(of 3)'));
  await press(r, 'q');
  await helpers.until(() => opened.at(-1) === 'back', 'back');
});

test('picker filter matches every word, in id, repo or problem text', () => {
  assert.deepEqual(filterTasks(TASKS, 'other unicode').map((t) => t.instance_id), ['other__proj-7']);
  assert.deepEqual(filterTasks(TASKS, 'ACME').length, 2);
  assert.deepEqual(filterTasks(TASKS, 'nothing-like-this'), []);
});

test('picker at 40 columns with long ids: rows stay one line each', async () => {
  const long = { ...TASK, instance_id: 'a'.repeat(120), repo: 'b/' + 'c'.repeat(80) };
  const r = renderWith(<Picker tasks={[long, ...TASKS]} title="pick" width={40} height={8} onOpen={() => {}} onBatch={() => {}} onBack={() => {}} />);
  const f = await waitFrame(r, (p) => p.includes('1 of 4'));
  assert.equal(rows(f).length, 8);
  for (const l of rows(f)) assert.ok([...l].length <= 40, l);
});

test('batch dashboard: progress, spend vs budget, workers, endpoints, stalled rows stand out, keys drive the scheduler', async () => {
  const control = new RecordingControl(
    snapshot({
      stalled: ['x-1'],
      active: [
        { ...sum('x-1', { instance_id: 'inst-stalled', status: 'running' }), current_step: 'bash: pytest', heartbeat_age_ms: 400_000 },
        { ...sum('x-2', { instance_id: 'inst-fine', status: 'running' }), current_step: 'model', heartbeat_age_ms: 1_000 },
      ],
    }),
  );
  const opened: string[] = [];
  const finished = [sum('f-1', { instance_id: 'b-inst', cost_usd: 0.5 }), sum('f-2', { instance_id: 'a-inst', verdict: 'unresolved', resolved: false, cost_usd: 0.9, scores: { critic: 0.1 } })];
  const r = renderWith(<BatchDashboard control={control} finished={finished} sessionName="batch-1" width={80} height={20} onOpen={(id) => opened.push(id)} onBack={() => opened.push('back')} />);
  let f = await waitFrame(r, (p) => p.includes('inst-stalled'));
  const plain = stripAnsi(f);
  assert.equal(rows(f).length, 20);
  assert.match(plain, /4\/10 done · 2 running · 4 queued/);
  assert.match(plain, /40%/);
  assert.match(plain, /ETA 2m24s/);
  assert.match(plain, /spend \$1\.2000 \/ budget \$5\.0000 \(projected \$3\.0000\)/);
  assert.match(plain, /workers 2\/4 · swept 3/);
  assert.match(plain, /127\.0\.0\.1:8000\/v1 2\/8/);
  assert.match(plain, /retries 2/);
  assert.match(plain, /STALLED ♥ 6m40s/);
  assert.ok(sgrBefore(f, 'STALLED ♥').includes('41'), 'stalled rows have a red background');
  assert.ok(!/STALLED ♥ 1\.0s/.test(plain));
  // K and X ask first: any key but y cancels, y confirms.
  await press(r, 'K');
  await waitFrame(r, (p) => p.includes('kill x-1? y to confirm'));
  await press(r, 'n');
  await waitFrame(r, (p) => p.includes('cancelled'));
  assert.deepEqual(control.calls, []);
  await press(r, 'K');
  await waitFrame(r, (p) => p.includes('kill x-1? y to confirm'));
  await press(r, 'y', 'r', 'p');
  await waitFrame(r, (p) => p.includes('PAUSED'));
  await press(r, 'p', 'S', 'X');
  await waitFrame(r, (p) => p.includes('stop now: interrupt'));
  await press(r, 'y');
  await helpers.until(() => control.calls.length >= 6, 'six control calls');
  assert.deepEqual(control.calls, ['kill:x-1', 'retry:x-1', 'pause', 'resume', 'stop:graceful', 'stop:now']);
  await press(r, KEYS.down, KEYS.enter);
  await helpers.until(() => opened.length > 0, 'open');
  assert.deepEqual(opened, ['x-2']);
  // Finished table, sortable.
  await press(r, KEYS.tab);
  // The tab bar names the finished table while the running one shows: wait for its rows.
  f = await waitFrame(r, (p) => p.includes('[finished 2 · sort instance]') && p.includes('a-inst') && p.includes('b-inst'));
  assert.ok(stripAnsi(f).indexOf('a-inst') < stripAnsi(f).indexOf('b-inst'));
  await press(r, 'o', 'o', 'o');
  f = await waitFrame(r, (p) => p.includes('sort cost'));
  assert.ok(stripAnsi(f).indexOf('a-inst') < stripAnsi(f).indexOf('b-inst'), 'most expensive first');
  assert.ok(sgrBefore(f, 'unresolved').includes('31'));
  // Over budget shows in red.
  control.publish(snapshot({ projected_cost_usd: 9 }));
  f = await waitFrame(r, (p) => p.includes('projected $9.0000'));
  assert.ok(sgrBefore(f, 'spend $1.2000').includes('31'));
});

test('best-of-n: ranked candidates, equivalent patches marked, two diffs side by side or stacked, winner, curves', async () => {
  const cands = [
    sum('c0', { sample: 0, verdict: 'unresolved', resolved: false, scores: { critic: 0.2 }, patch_lines: 4 }),
    sum('c1', { sample: 1, scores: { critic: 0.9 }, patch_lines: 2 }),
    sum('c2', { sample: 2, scores: { critic: 0.7 }, patch_lines: 2 }),
  ];
  const patches: Record<string, string> = { c0: GOLD_PATCH.replace('a / b', 'float(a) / b'), c1: GOLD_PATCH, c2: GOLD_PATCH + '\n' };
  const won: string[] = [];
  const el = (width: number) => (
    <BestOfN instanceId="acme__calc-1" candidates={cands} loadPatch={async (id) => patches[id]} curves={{ passAtK: [0.67, 1, 1], bestAtK: [0.5, 1, undefined] }} width={width} height={30} onMarkWinner={(id) => won.push(id)} onOpen={() => {}} onBack={() => {}} />
  );
  const r = renderWith(el(100));
  let f = await waitFrame(r, (p) => p.includes('≡1'));
  const plain = stripAnsi(f);
  const order = ['#1', '#2', '#0'].map((s) => plain.indexOf(` ${s} `));
  assert.ok(order[0] < order[1] && order[1] < order[2], 'ranked by verifier score');
  assert.equal((plain.match(/≡1/g) ?? []).length, 2, 'c1 and c2 are equivalent');
  assert.match(plain, /a: #1 resolved 0\.90/);
  assert.match(plain, /b: #2 resolved 0\.70/);
  assert.match(plain, /k=1 0\.67\/0\.50 {2}k=2 1\.00\/1\.00 {2}k=3 1\.00\/-/);
  // side by side: both pane titles on one row
  assert.ok(rows(f).some((l) => l.includes('a: #1') && l.includes('b: #2')));
  await press(r, KEYS.down, KEYS.down, 'b');
  f = await waitFrame(r, (p) => p.includes('b: #0 unresolved'));
  assert.match(stripAnsi(f), /float\(a\)/);
  await press(r, 'w');
  assert.deepEqual(won, ['c0']);
  cleanup();
  const n = renderWith(el(70));
  f = await waitFrame(n, (p) => p.includes('a: #1') && p.includes('b: #2'));
  assert.ok(!rows(f).some((l) => l.includes('a: #1') && l.includes('b: #2')), 'stacked when narrow');
  assert.equal(rows(f).length, 30);
});

test('run compare: instance x session matrix, differing instances first, drill-down into either side', async () => {
  const a = [sum('a1', { instance_id: 'i-1' }), sum('a2', { instance_id: 'i-2' })];
  const b = [sum('b1', { instance_id: 'i-1' }), sum('b2', { instance_id: 'i-2', verdict: 'unresolved', resolved: false })];
  const opened: string[] = [];
  const r = renderWith(<RunCompare a={{ name: 'model-a', summaries: a }} b={{ name: 'model-b', summaries: b }} width={80} height={8} onOpen={(s, id) => opened.push(`${s}:${id}`)} onBack={() => {}} />);
  const f = await waitFrame(r, (p) => p.includes('i-1'));
  const plain = stripAnsi(f);
  assert.match(plain, /A model-a: 2\/2 rollouts 100%[^]*B model-b: 1\/2 rollouts 50% · any 1\/2 · 1 differ/);
  assert.ok(plain.indexOf('≠ i-2') < plain.indexOf('  i-1'), 'differing first');
  assert.ok(sgrBefore(f, '0/1 unresolved').includes('31'));
  await press(r, KEYS.enter, 'b', KEYS.down, 'a');
  assert.deepEqual(opened, ['a:a2', 'b:b2', 'a:a1']);
});

test('help overlay and status bar are generated from the key registry', async () => {
  const h = renderWith(<HelpOverlay screen="rollout" width={100} height={50} />);
  const f = stripAnsi(await waitFrame(h, (p) => p.includes('keys · rollout')));
  assert.match(f, /l →\s+Next step/);
  assert.match(f, /S-Tab\s+Focus the previous pane/);
  assert.match(f, /\?\s+Show or hide this help\s+\(everywhere\)/);
  assert.ok(!f.includes('Pause / resume'), 'other screens not listed');
  const s = renderWith(<StatusBar where="rollout x" screen="rollout" width={80} />);
  const sf = await waitFrame(s, (p) => p.includes('rollout x'));
  assert.equal([...stripAnsi(sf)].length, 80);
  assert.match(stripAnsi(sf), /\? help +q back +l step/);
});
