import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { Picker } from '../../src/tui/screens/picker.js';
import { Home } from '../../src/tui/screens/home.js';
import { BestOfN } from '../../src/tui/screens/best-of-n.js';
import { RunCompare } from '../../src/tui/screens/run-compare.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { scriptedRollout, TASK, EVIL, GOLD_PATCH } from './scripted-rollout.js';
import { onlySgr } from './ansi.js';

const { renderWith, press, waitFrame, KEYS } = helpers;
afterEach(() => cleanup());

/** Nothing but SGR color codes may reach the terminal, and the OSC title payload must be gone. */
function assertClean(frames: string[], where: string): void {
  assert.ok(frames.length > 0);
  for (const f of frames) {
    const r = onlySgr(f);
    assert.ok(r.ok, `${where}: control characters reached the frame: ${r.offending.join(' ')}`);
    assert.ok(!f.includes('pwned'), `${where}: OSC title payload reached the frame`);
    assert.ok(!f.includes('http://x'), `${where}: OSC 8 hyperlink target reached the frame`);
  }
}

const EVIL_TASK = {
  ...TASK,
  instance_id: `evil${EVIL}`,
  repo: `ev/il${EVIL}`,
  problem_statement: `Problem ${EVIL}\n${EVIL} second line`,
  hints_text: `hint ${EVIL}`,
  patch: GOLD_PATCH.replace('+    return a / b', `+    return a / b ${EVIL}`),
  test_patch: `diff --git a/t.py b/t.py\n--- a/t.py\n+++ b/t.py\n@@ -1,1 +1,2 @@\n x\n+${EVIL}\n`,
};

test('escape sequences in every untrusted pane of the rollout view never reach the terminal', async () => {
  const store = new RolloutStore('r1', 0);
  // model messages, tool args, shell output, observations, patch, verdict reason, verifier explanation, stop message
  store.pushAll(scriptedRollout('r1', { text: EVIL, steps: 2 }));
  const r = renderWith(<RolloutView store={store} task={EVIL_TASK} width={100} height={30} onBack={() => {}} attachCommand={() => `cmd ${EVIL}`} />);
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  // Visit every pane maximized, step through history (per-step shell output), and show gold and test patches.
  for (let i = 0; i < 5; i++) await press(r, 'z', 'z', KEYS.tab);
  await press(r, '0', 'l', 'g', 'g', '$', 's');
  await waitFrame(r, (p) => p.includes('cmd '));
  assertClean(r.frames, 'rollout view');
  assert.ok(r.frames.join('').includes('RED'), 'the visible text around the escapes is kept');
});

test('escape sequences in instance ids, repos, problem statements and session names are stripped in lists', async () => {
  const summ = foldEvents('r1', scriptedRollout('r1', { text: EVIL }));
  const p = renderWith(<Picker tasks={[EVIL_TASK]} summaries={[{ ...summ, instance_id: EVIL_TASK.instance_id }]} title="t" width={80} height={10} onOpen={() => {}} onBatch={() => {}} onBack={() => {}} />);
  await waitFrame(p, (x) => x.includes('evil'));
  assertClean(p.frames, 'picker');

  const h = renderWith(<Home sessions={[{ dir: 'd', name: `sess${EVIL}`, status: 'done', rollouts: 1, done: 1, resolved: 1, costUsd: 0 }]} datasetName={`ds${EVIL}`} width={80} height={12} onNewRun={() => {}} onNewBatch={() => {}} onOpen={() => {}} onMark={() => {}} onCompare={() => {}} onBack={() => {}} />);
  await waitFrame(h, (x) => x.includes('sess'));
  assertClean(h.frames, 'home');

  const b = renderWith(
    <BestOfN instanceId={`evil${EVIL}`} candidates={[summ, { ...summ, rollout_id: 'r2', sample: 1 }]} loadPatch={async () => EVIL_TASK.patch} curves={{ passAtK: [1], bestAtK: [1] }} width={120} height={30} onMarkWinner={() => {}} onOpen={() => {}} onBack={() => {}} />,
  );
  await waitFrame(b, (x) => x.includes('return a / b'));
  assertClean(b.frames, 'best-of-n');

  const c = renderWith(<RunCompare a={{ name: `a${EVIL}`, summaries: [summ] }} b={{ name: 'b', summaries: [] }} width={80} height={10} onOpen={() => {}} onBack={() => {}} />);
  await waitFrame(c, (x) => x.includes('compare'));
  assertClean(c.frames, 'run compare');
});
