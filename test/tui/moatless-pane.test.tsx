/**
 * The Moatless pane of the rollout view (in the shell pane's place for a Moatless rollout): state-machine position,
 * re-asks, retrieval backend, the last search, the file context, the plan and the edits, at 80x24 and 60x20, updated
 * live by new events; control sequences from the model or repository never reach the screen.
 */
import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { RolloutEvent } from '../../src/core/events.js';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { TASK } from './scripted-rollout.js';

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi } = helpers;
afterEach(() => cleanup());

const usage = { prompt_tokens: 10, completion_tokens: 2 };
const call = (turn: number, content: string) => [
  { type: 'model_request', turn, new_messages: [{ role: 'user', content: 'u' }], total_messages: 1, history_reset: true },
  { type: 'model_response', turn, content, usage, latency_ms: 1 },
];
const BODIES = [
  { type: 'rollout_started', instance_id: TASK.instance_id, agent: { kind: 'moatless', model: 'm' } },
  { type: 'moatless_setup', retrieval_backend: 'bm25', indexed_files: 12, quirks: {} },
  { type: 'moatless_transition', transition: 1, state: 'SearchCode' },
  { type: 'moatless_search', transition: 1, kind: 'initial_context', hits: [{ file_path: 'calc/ops.py', span_ids: ['divide'] }], backend: 'bm25' },
  ...call(0, '{"scratch_pad": "look"}'),
  { type: 'moatless_search', transition: 1, kind: 'search', requests: [{ query: 'integer division' }], hits: [{ file_path: 'calc/ops.py', span_ids: ['divide', 'multiply'] }], backend: 'bm25' },
  { type: 'moatless_action', transition: 1, state: 'SearchCode', action_name: 'Search', action: { scratch_pad: 'look' }, trigger: 'did_search', attempts: 2 },
  { type: 'moatless_transition', transition: 2, state: 'IdentifyCode', from: 'SearchCode', trigger: 'did_search' },
  ...call(1, '{"scratch_pad": "found"}'),
  { type: 'moatless_spans', transition: 2, identified: [{ file_path: 'calc/\u001b[31mops.py', span_ids: ['divide'] }] },
  { type: 'moatless_action', transition: 2, state: 'IdentifyCode', action_name: 'Identify', action: { scratch_pad: 'found' }, trigger: 'finish' },
  { type: 'moatless_transition', transition: 3, state: 'PlanToCode', from: 'IdentifyCode', trigger: 'finish' },
  ...call(2, '{"scratch_pad": "plan"}'),
  { type: 'moatless_plan', transition: 3, action: 'modify', instructions: 'Use true division in divide.', file_path: 'calc/ops.py', span_id: 'divide', start_line: 4, end_line: 6, next: 'EditCode' },
  { type: 'moatless_action', transition: 3, state: 'PlanToCode', action_name: 'ApplyChange', action: { scratch_pad: 'plan' }, trigger: 'edit_code' },
  { type: 'moatless_transition', transition: 4, state: 'EditCode', from: 'PlanToCode', trigger: 'edit_code' },
  ...call(3, '<replace>\nx'),
  { type: 'moatless_edit', transition: 4, file_path: 'calc/ops.py', start_line: 4, end_line: 6, applied: true, diff: '--- a/calc/ops.py\n+++ b/calc/ops.py\n-    return a // b\n+    return a / b\n', lint: null },
];

function events(bodies: Record<string, unknown>[], from = 0): RolloutEvent[] {
  return bodies.map((b, i) => RolloutEvent.parse({ v: 1, ts: 1000 + from + i, rollout: 'r1', seq: from + i, ...b }));
}

function view(width: number, height: number) {
  const store = new RolloutStore('r1', 0);
  store.pushAll(events(BODIES));
  const r = renderWith(<RolloutView store={store} task={TASK} width={width} height={height} onBack={() => {}} onNextInstance={() => {}} onPrevInstance={() => {}} />);
  return { r, store };
}

function assertFits(frame: string, width: number, height: number): void {
  const lines = rows(frame);
  assert.equal(lines.length, height);
  for (const l of lines) assert.ok([...l].length <= width, `row too wide (${[...l].length}): ${l}`);
}

test('80x24: the Moatless pane opens at its top; zoomed, it shows file context, plan, search and edits; it follows live events', async () => {
  const { r, store } = view(80, 24);
  let f = await waitFrame(r, (p) => p.includes('moatless · EditCode'));
  assertFits(f, 80, 24);
  let plain = stripAnsi(f);
  assert.ok(!plain.includes('shell'), 'the shell pane gives its place to the Moatless pane');
  // Search, identify, decide, plan, clarify, [edit]: abbreviated in a half-width pane.
  assert.match(plain, /S I D P C \[E\]/);
  assert.match(plain, /transition 4 {2}re-asks 1 {2}retries 0/);
  assert.match(plain, /retrieval bm25 · 12 files indexed/);

  // Focus the pane (Tab from the agent pane) and zoom it: the rest can only appear once both keys took effect.
  await press(r, KEYS.tab, 'z');
  f = await waitFrame(r, (p) => p.includes('— edits (1) —'));
  assertFits(f, 80, 24);
  plain = stripAnsi(f);
  for (const want of [
    /search › identify › decide › plan › clarify › \[edit\]/,
    /— file context \(1 spans\) —/,
    /calc\/ops\.py: divide/,
    /modify calc\/ops\.py divide 4-6 → EditCode: Use true division in divide\./,
    /search {2}query "integer division" → 2 span\(s\) in 1 file\(s\)/,
    /✓ calc\/ops\.py 4-6 \+1 -1, lint n\/a/,
  ]) assert.match(plain, want);
  assert.ok(!f.includes('\u001b[31mops'), 'the control sequence in a path is stripped');

  // Live: the run finishes; the pane follows (a frame that can only exist after the push).
  store.pushAll(events([{ type: 'moatless_transition', transition: 5, state: 'Finished', from: 'EditCode', trigger: 'finish' }], BODIES.length));
  f = await waitFrame(r, (p) => p.includes('✓ finished'));
  plain = stripAnsi(f);
  assert.match(plain, /moatless · Finished/);
  assert.match(plain, /transition 5/);
  assertFits(f, 80, 24);
});

test('60x20: two columns still fit; the narrower pane abbreviates the state strip', async () => {
  const { r } = view(60, 20);
  const f = await waitFrame(r, (p) => p.includes('S I D P C [E]'));
  assertFits(f, 60, 20);
  const plain = stripAnsi(f);
  assert.match(plain, /moatless · Edit/);
  assert.match(plain, /transition 4 {2}re-asks 1/);
  assert.match(plain, /retrieval bm25/);
});

test('narrow (50x20): the tab strip names the Moatless pane and Tab reaches it', async () => {
  const { r } = view(50, 20);
  let f = await waitFrame(r, (p) => p.includes('[actions]'));
  assert.match(stripAnsi(f), / moatless /);
  await press(r, KEYS.tab);
  f = await waitFrame(r, (p) => p.includes('[moatless]'));
  assertFits(f, 50, 20);
  assert.match(stripAnsi(f), /retrieval bm25/);
});
