import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { scriptedRollout, TASK } from './scripted-rollout.js';
import { sgrBefore } from './ansi.js';

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi } = helpers;
afterEach(() => cleanup());

function view(opts: { width?: number; height?: number; events?: ReturnType<typeof scriptedRollout>; extra?: Partial<React.ComponentProps<typeof RolloutView>> } = {}) {
  const store = new RolloutStore('r1', 0);
  store.pushAll(opts.events ?? scriptedRollout('r1', { steps: 3 }));
  const calls: string[] = [];
  const r = renderWith(
    <RolloutView
      store={store}
      task={TASK}
      width={opts.width ?? 80}
      height={opts.height ?? 24}
      onBack={() => calls.push('back')}
      onNextInstance={() => calls.push('next')}
      onPrevInstance={() => calls.push('prev')}
      onInterrupt={(id) => calls.push(`interrupt:${id}`)}
      attachCommand={(vm) => `docker exec -it ${vm.containerId?.slice(0, 12)} bash`}
      copy={(text) => calls.push(`copy:${text}`)}
      {...opts.extra}
    />,
  );
  return { r, store, calls };
}

test('80x24: five panes, header, exactly 24 rows, no row wider than 80', async () => {
  const { r } = view();
  const f = await waitFrame(r, (p) => p.includes('RESOLVED'));
  const lines = rows(f);
  assert.equal(lines.length, 24);
  for (const l of lines) assert.ok([...l].length <= 80, `row too wide (${[...l].length}): ${l}`);
  const plain = stripAnsi(f);
  for (const title of ['task acme__calc-1', 'agent', 'shell', 'diff 1 file(s)', 'scores']) assert.ok(plain.includes(title), `missing pane ${title}`);
  assert.match(plain, /divide\(\) truncates/);
  assert.match(plain, /#3 bash exit 0 1\.2s/);
  assert.match(plain, /F2P 1\/1 {2}P2P 2\/2/);
  assert.match(plain, /score {4}critic 0\.91/);
});

test('narrow terminal (50x20): one pane at a time with a tab strip, still exactly 20 rows', async () => {
  const { r } = view({ width: 50, height: 20 });
  let f = await waitFrame(r, (p) => p.includes('[actions]'));
  assert.equal(rows(f).length, 20);
  for (const l of rows(f)) assert.ok([...l].length <= 50);
  await press(r, KEYS.tab, KEYS.tab, KEYS.tab);
  f = await waitFrame(r, (p) => p.includes('[scores]'));
  assert.match(stripAnsi(f), /verdict {2}RESOLVED/);
  await press(r, KEYS.shiftTab);
  f = await waitFrame(r, (p) => p.includes('[diff]'));
  assert.match(stripAnsi(f), /return a \/ b/);
});

test('long lines are cut at the pane edge, never wrapped into the next row', async () => {
  const long = 'x'.repeat(500);
  const events = scriptedRollout('r1', { steps: 1 });
  const { r } = view({ events: [...events.slice(0, 8), { ...events[8], type: 'tool_output', step: 0, chunk: `${long}\n` } as never, ...events.slice(9)] });
  const f = await waitFrame(r, (p) => p.includes('RESOLVED'));
  assert.equal(rows(f).length, 24);
  for (const l of rows(f)) assert.ok([...l].length <= 80);
});

test('h/l step through the trajectory, 0 and $ jump, the shell pane shows the selected step', async () => {
  const { r } = view();
  await waitFrame(r, (p) => p.includes('3 steps'));
  await press(r, '0');
  let f = await waitFrame(r, (p) => p.includes('step 1/3'));
  assert.match(stripAnsi(f), /shell · step 1/);
  assert.match(stripAnsi(f), /observed 0/);
  await press(r, 'l');
  f = await waitFrame(r, (p) => p.includes('step 2/3'));
  assert.match(stripAnsi(f), /observed 1/);
  await press(r, 'h', 'h');
  await waitFrame(r, (p) => p.includes('step 1/3'));
  await press(r, '$');
  await waitFrame(r, (p) => p.includes('3 steps'));
});

test('z maximizes the focused pane and Esc restores; q goes back', async () => {
  const { r, calls } = view();
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  await press(r, KEYS.tab, KEYS.tab, KEYS.tab, 'z');
  const f = await waitFrame(r, (p) => p.includes('▶ scores') && !p.includes('shell'));
  assert.match(stripAnsi(f), /✓ F2P tests\/test_ops\.py::test_divide_float/);
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => p.includes('shell'));
  assert.deepEqual(calls, []);
  await press(r, 'q');
  assert.deepEqual(calls, ['back']);
});

test('g toggles the diff pane between the model, gold and test patches', async () => {
  const { r } = view();
  await waitFrame(r, (p) => p.includes('diff 1 file(s)'));
  await press(r, 'g');
  await waitFrame(r, (p) => p.includes('gold patch'));
  await press(r, 'g');
  const f = await waitFrame(r, (p) => p.includes('test patch'));
  assert.match(stripAnsi(f), /tests\/test_ops\.py/);
});

test('/ searches the focused pane and n finds the next match', async () => {
  const { r } = view({ height: 16 });
  await waitFrame(r, (p) => p.includes('agent'));
  await press(r, '/', 'o', 'b', 's', 'e', 'r', 'v', 'e', 'd', ' ', '1');
  await waitFrame(r, (p) => p.includes('/observed 1'));
  await press(r, KEYS.enter);
  const f = await waitFrame(r, (p) => !p.includes('/observed 1') && p.includes('observed 1'));
  assert.match(stripAnsi(f), /observed 1/);
  await press(r, '/', 'z', 'z', 'q', KEYS.enter);
  await waitFrame(r, (p) => p.includes('no match for "zzq"'));
});

test('s shows the attach command; x interrupts only a live rollout; H/L move between instances', async () => {
  const live = scriptedRollout('r1', { steps: 2 }).slice(0, 9);
  const { r, calls } = view({ events: live });
  await waitFrame(r, (p) => p.includes('RUNNING'));
  await press(r, 's');
  await waitFrame(r, (p) => p.includes('docker exec -it c0ffee123456 bash'));
  await press(r, 'x');
  await waitFrame(r, (p) => p.includes('interrupt requested'));
  await press(r, 'L', 'H');
  assert.deepEqual(calls, ['copy:docker exec -it c0ffee123456 bash', 'interrupt:r1', 'next', 'prev']);
});

test('j/k and PgDn scroll the focused pane', async () => {
  const { r } = view({ height: 14 });
  await press(r, KEYS.tab, KEYS.tab); // diff
  let f = await waitFrame(r, (p) => p.includes('▶ diff'));
  const before = stripAnsi(f).match(/▶ diff.*?(\d+)-\d+\/\d+/)?.[1];
  assert.equal(before, '1');
  await press(r, 'j', 'j');
  f = await waitFrame(r, (p) => /▶ diff.*? 3-\d+\/\d+/.test(p));
  await press(r, 'k');
  f = await waitFrame(r, (p) => /▶ diff.*? 2-\d+\/\d+/.test(p));
  await press(r, KEYS.pageDown, KEYS.pageDown);
  // Clamped at the last full window.
  f = await waitFrame(r, (p) => /▶ diff.*? 3-12\/12/.test(p));
  assert.match(stripAnsi(f), /16  def mul/);
});

test('live events render as they arrive, throttled: many events make few frames', async () => {
  const store = new RolloutStore('r1', 100);
  const r = renderWith(<RolloutView store={store} task={TASK} width={80} height={24} onBack={() => {}} />);
  const before = r.frames.length;
  const events = scriptedRollout('r1', { steps: 5, outputChunks: 40 });
  const t0 = Date.now();
  for (const e of events) store.push(e);
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  const elapsed = Date.now() - t0;
  const frames = r.frames.length - before;
  assert.ok(events.length > 200);
  assert.ok(frames <= 3 + elapsed / 100, `${frames} frames for ${events.length} events in ${elapsed}ms`);
});

test('colors: verdict, diff lines and scores carry their ANSI attributes', async () => {
  const { r } = view({ width: 100, height: 40 });
  const f = await waitFrame(r, (p) => p.includes('RESOLVED'));
  assert.ok(sgrBefore(f, 'RESOLVED').includes('32'), 'resolved is green');
  assert.ok(sgrBefore(f, 'RESOLVED').includes('1'), 'resolved is bold');
  assert.ok(sgrBefore(f, '+    return a / b').includes('32'), 'added line is green');
  assert.ok(sgrBefore(f, '-    return a // b').includes('31'), 'deleted line is red');
  assert.ok(sgrBefore(f, '@@ -10,7').includes('36'), 'hunk header is cyan');
  assert.ok(sgrBefore(f, '0.91').includes('32'), 'high score is green');

  const bad = view({ width: 100, height: 40, events: scriptedRollout('r1', { resolved: false }) });
  const g = await waitFrame(bad.r, (p) => p.includes('UNRESOLVED'));
  assert.ok(sgrBefore(g, 'UNRESOLVED').includes('31'), 'unresolved is red');
  assert.ok(sgrBefore(g, '0.12').includes('31'), 'low score is red');
  assert.ok(sgrBefore(g, 'F2P 0/1').includes('31'), 'failing F2P count is red');
});

test('a burst of keys in one read (SSH, key repeat) counts every press; search text stays whole', async () => {
  const { r } = view({ events: scriptedRollout('r1', { steps: 3 }) });
  await waitFrame(r, (p) => p.includes('3 steps'));
  await press(r, '0');
  await waitFrame(r, (p) => p.includes('step 1/3'));
  r.stdin.write('ll'); // one chunk: two presses (one press would show step 2/3; the last step reads "3 steps")
  await waitFrame(r, (p) => p.includes('3 steps') && !p.includes('step 2/3'));
  r.stdin.write('hh');
  await waitFrame(r, (p) => p.includes('step 1/3'));
  await press(r, '/');
  r.stdin.write('ll'); // typed into the search box, not two steps
  const f = await waitFrame(r, (p) => p.includes('/ll'));
  assert.match(stripAnsi(f), /step 1\/3/);
});
