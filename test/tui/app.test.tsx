import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings, applyOverrides } from '../../src/tui/keys.js';
import { ScriptedBackend } from './scripted-backend.js';

const { press, waitFrame, rows, KEYS, stripAnsi, tick } = helpers;
afterEach(() => cleanup());

function app(backend = new ScriptedBackend(), size = { columns: 80, rows: 24 }, bindings = defaultBindings()) {
  const exits: string[] = [];
  const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={bindings} size={size} onExit={(m) => exits.push(m)} />);
  return { r, backend, exits };
}

test('no API key: home says how to point at a model, a new run reaches a live rollout of the gold agent', async () => {
  const { r, backend } = app();
  let f = await waitFrame(r, (p) => p.includes('New run'));
  assert.match(stripAnsi(f), /OPENAI_API_KEY/);
  assert.equal(rows(f).length, 24);
  await press(r, 'n');
  await waitFrame(r, (p) => p.includes('1 of 2 instances'));
  await press(r, '/', 'c', 'a', 'l', 'c');
  await waitFrame(r, (p) => p.includes('1 of 1 (of 2) instances'));
  await press(r, KEYS.enter, KEYS.enter); // keep the filter, then open
  f = await waitFrame(r, (p) => p.includes('Run acme__calc-1 with'));
  assert.match(stripAnsi(f), /gold/);
  assert.match(stripAnsi(f), /replay/);
  assert.match(stripAnsi(f), /llm: set OPENAI_API_KEY/);
  await press(r, KEYS.enter);
  f = await waitFrame(r, (p) => p.includes('RESOLVED') && p.includes('diff --git a/calc/ops.py'));
  assert.deepEqual(backend.started, [{ instance: 'acme__calc-1', agent: 'gold' }]);
  assert.equal(rows(f).length, 24);
  assert.match(stripAnsi(f), /rollout acme__calc-1/); // status bar: where you are
  // back to the picker: the instance now shows its verdict; back home: the session is listed
  // The critic's score and rollout_ended come after the verdict: the picker's row is complete once they are written.
  await helpers.until(() => [...backend.session('sessions/tui-1').logs.values()].some((es) => es.at(-1)?.type === 'rollout_ended'), 'the rollout to end');
  await press(r, 'q');
  f = await waitFrame(r, (p) => p.includes('filter:') && /acme__calc-1 .* resolved 0\.91/.test(p));
  assert.match(stripAnsi(f), /filter: calc/, 'the filter survives the trip to the rollout and back');
  assert.match(stripAnsi(f), /acme__calc-1 .* resolved 0\.91/, 'the picker shows the new verdict');
  await press(r, KEYS.esc); // drops the filter
  await waitFrame(r, (p) => p.includes('filter: / to filter'));
  await press(r, KEYS.esc);
  // The list is re-read when the rollout ends (asynchronously): wait for the row with the final figures.
  f = await waitFrame(r, (p) => /sessions\/tui-1 +done +1\/1 +1 +100%/.test(p));
  assert.match(stripAnsi(f), /sessions\/tui-1 +done +1\/1 +1 +100%/);
});

test('a saved session reopens from home and shows the same rollout', async () => {
  const backend = new ScriptedBackend();
  const first = app(backend);
  await waitFrame(first.r, (p) => p.includes('New run'));
  await press(first.r, 'n');
  await waitFrame(first.r, (p) => p.includes('filter:'));
  await press(first.r, KEYS.enter);
  await waitFrame(first.r, (p) => p.includes('Run acme__calc-1 with'));
  await press(first.r, KEYS.enter);
  await waitFrame(first.r, (p) => p.includes('RESOLVED') && p.includes('agent 2 steps'));
  // The verdict is not the last event (the critic's score and rollout_ended follow): compare the screen after the end.
  await helpers.until(() => [...backend.session('sessions/tui-1').logs.values()].some((es) => es.at(-1)?.type === 'rollout_ended'), 'the rollout to end');
  const live = stripAnsi(await helpers.settled(first.r));
  cleanup();
  const second = app(backend);
  await waitFrame(second.r, (p) => p.includes('sessions/tui-1'));
  await press(second.r, KEYS.down, KEYS.down, KEYS.enter);
  await waitFrame(second.r, (p) => p.includes('session tui-1'));
  await press(second.r, KEYS.enter);
  await waitFrame(second.r, (p) => p.includes('RESOLVED'));
  const replayed = stripAnsi(await helpers.settled(second.r));
  // Same panes, same content (the header's elapsed time aside).
  assert.deepEqual(replayed.split('\n').slice(1, -1), live.split('\n').slice(1, -1));
});

test('? shows the help of the current screen; Esc closes it', async () => {
  const { r } = app();
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, '?');
  let f = await waitFrame(r, (p) => p.includes('keys · home'));
  assert.match(stripAnsi(f), /New batch: mark instances, then start/);
  await press(r, KEYS.esc);
  // Home shows "New run" behind the overlay too: wait for the overlay to go, or `n` would reach the help.
  f = await waitFrame(r, (p) => p.includes('New run') && !p.includes('keys · home'));
  // In the picker `?` is always help (as the status bar says), even with text in the filter.
  await press(r, 'n');
  await waitFrame(r, (p) => p.includes('filter:'));
  await press(r, '?');
  await waitFrame(r, (p) => p.includes('keys · picker'));
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => p.includes('filter:'));
  await press(r, '/', 'a', '?');
  f = await waitFrame(r, (p) => p.includes('keys · picker'));
  await press(r, KEYS.esc);
  f = await waitFrame(r, (p) => p.includes('filter: a'));
  assert.ok(!stripAnsi(f).includes('filter: a?'));
});

test('status bar: each screen lists the keys that work there (picker: q back, / filter, q is text only after /; home: q quit)', async () => {
  const { r, exits } = app();
  let f = await waitFrame(r, (p) => p.includes('New run'));
  assert.match(rows(f).at(-1)!, / q quit /);
  assert.ok(!rows(f).at(-1)!.includes('back'));
  await press(r, 'n');
  f = await waitFrame(r, (p) => p.includes('filter:'));
  const bar = rows(f).at(-1)!;
  assert.match(bar, / q back .* \/ filter /);
  await press(r, '/', 'q', 'j', 'k');
  f = await waitFrame(r, (p) => p.includes('filter: qjk'));
  assert.deepEqual(exits, []);
  await press(r, KEYS.esc); // drops the filter
  await waitFrame(r, (p) => p.includes('filter: / to filter'));
  await press(r, KEYS.enter);
  f = await waitFrame(r, (p) => p.includes('Run acme__calc-1 with'));
  assert.match(rows(f).at(-1)!, / q back .*Enter run/);
  await press(r, '?');
  f = await waitFrame(r, (p) => p.includes('keys · agent'));
  assert.match(stripAnsi(f), /Start with the highlighted agent/);
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => p.includes('Run acme__calc-1 with'));
  await press(r, 'q');
  await waitFrame(r, (p) => p.includes('filter:'));
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, 'q');
  // Keys are handled one per render: wait for the exit the key makes, never assert right after pressing.
  await helpers.until(() => exits.length > 0, 'the exit');
  assert.deepEqual(exits, ['stop']);
});

test('the help overlay scrolls when the keys of a screen do not fit (rollout view at 80x24)', async () => {
  const backend = new ScriptedBackend();
  const { r } = app(backend, { columns: 80, rows: 24 });
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, 'n');
  await waitFrame(r, (p) => p.includes('filter:'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('Run acme__calc-1 with'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  await press(r, '?');
  let f = await waitFrame(r, (p) => p.includes('keys · rollout'));
  assert.match(stripAnsi(f), /j\/k scroll/);
  assert.ok(!stripAnsi(f).includes('Interrupt the running rollout'), 'the last key is below the fold');
  for (let i = 0; i < 12; i++) await press(r, 'j');
  f = await waitFrame(r, (p) => p.includes('Interrupt the running rollout'));
  assert.equal(rows(f).length, 24);
});

test('user key overrides change behaviour, help and status bar', async () => {
  const bindings = applyOverrides(defaultBindings(), { 'home.newRun': 'r' });
  const { r } = app(new ScriptedBackend(), { columns: 80, rows: 24 }, bindings);
  let f = await waitFrame(r, (p) => p.includes('New run'));
  assert.match(stripAnsi(f), / r new run /);
  await press(r, 'n');
  await tick(50); // a grace period for a negative check: nothing may open
  assert.ok(!stripAnsi(r.lastFrame()!).includes('filter:'));
  await press(r, 'r');
  f = await waitFrame(r, (p) => p.includes('filter:'));
});

test('x interrupts a running rollout through the backend', async () => {
  const backend = new ScriptedBackend(undefined, 200);
  const { r } = app(backend);
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, 'n');
  await waitFrame(r, (p) => p.includes('filter:'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('Run acme__calc-1 with'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('RUNNING'));
  await press(r, 'x');
  await waitFrame(r, () => backend.interrupted.length === 1);
  assert.deepEqual(backend.interrupted, ['acme__calc-1-1']);
});

test('leaving while a batch runs asks: stop it or keep it running headless', async () => {
  const backend = new ScriptedBackend();
  const { r, exits } = app(backend);
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, 'b');
  // Home's own menu says "mark instances" too: wait for the picker's title.
  await waitFrame(r, (p) => p.includes('mark instances for a batch'));
  await press(r, ' ');
  await waitFrame(r, (p) => p.includes('1 marked'));
  await press(r, ' ');
  await waitFrame(r, (p) => p.includes('2 marked'));
  await press(r, '\x02');
  await waitFrame(r, (p) => p.includes('Run 2 instance(s) with'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('options (as swegym batch)'));
  await press(r, KEYS.enter);
  let f = await waitFrame(r, (p) => p.includes('batch batch-1'));
  assert.match(stripAnsi(f), /4\/10 done/);
  await press(r, 'q');
  await waitFrame(r, (p) => p.includes('Batch dashboard (running)'));
  await press(r, KEYS.ctrlC);
  f = await waitFrame(r, (p) => p.includes('Batch running: s stop it'));
  assert.ok(rows(f).at(-1)!.includes('Esc back'), 'the whole question fits 80 columns');
  assert.deepEqual(exits, []);
  await press(r, KEYS.esc);
  await waitFrame(r, (p) => !p.includes('Batch running: s stop it'));
  await press(r, 'q');
  await waitFrame(r, (p) => p.includes('Batch running: s stop it'));
  await press(r, 'k');
  // Keys are handled one per render: wait for the exit the key makes, never assert right after pressing.
  await helpers.until(() => exits.length > 0, 'the exit');
  assert.deepEqual(exits, ['detach']);
});

test('Ctrl-C without a batch quits at once (and the command then stops containers)', async () => {
  const { r, exits } = app();
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, KEYS.ctrlC);
  // Keys are handled one per render: wait for the exit the key makes, never assert right after pressing.
  await helpers.until(() => exits.length > 0, 'the exit');
  assert.deepEqual(exits, ['stop']);
});

test('40x15: every screen fills exactly the rows it has', async () => {
  const { r } = app(new ScriptedBackend(), { columns: 40, rows: 15 });
  let f = await waitFrame(r, (p) => p.includes('New run'));
  assert.equal(rows(f).length, 15);
  await press(r, 'n');
  f = await waitFrame(r, (p) => p.includes('filter:'));
  assert.equal(rows(f).length, 15);
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('with'));
  await press(r, KEYS.enter);
  f = await waitFrame(r, (p) => p.includes('2 steps'));
  assert.equal(rows(f).length, 15);
  for (const l of rows(f)) assert.ok([...l].length <= 40, l);
});

test('e opens the raw events in $PAGER; E says when there are no verification logs', async () => {
  const { mkdtempSync, readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const out = mkdtempSync(join(tmpdir(), 'swegym-pager-'));
  const saved = process.env.PAGER;
  process.env.PAGER = `cp -t ${out}`;
  try {
    const { r } = app();
    await waitFrame(r, (p) => p.includes('New run'));
    await press(r, 'n');
    await waitFrame(r, (p) => p.includes('filter:'));
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('with'));
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('RESOLVED') && p.includes('agent 2 steps'));
    await press(r, 'e');
    await waitFrame(r, () => readdirSync(out).length === 1);
    const lines = readFileSync(join(out, readdirSync(out)[0]), 'utf8').trim().split('\n');
    assert.equal(JSON.parse(lines[0]).type, 'rollout_started');
    assert.equal(JSON.parse(lines.at(-1)!).type, 'rollout_ended');
    await press(r, 'E');
    await waitFrame(r, (p) => p.includes('no verification logs for this rollout yet'));
  } finally {
    if (saved === undefined) delete process.env.PAGER;
    else process.env.PAGER = saved;
  }
});
