/**
 * A Moatless rollout in the workbench's rollout view model: each call's step shows the state and its outcome in place
 * of a tool call, and the search results, identified spans, plan and edit of that call as its observation; every
 * Moatless event is also a log line. Untrusted text (paths, spans, diffs) arrives sanitised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutEvent } from '../../src/core/events.js';
import { foldRollout } from '../../src/tui/state/rollout-view-model.js';

const usage = { prompt_tokens: 10, completion_tokens: 2 };
const bodies = [
  { type: 'rollout_started', instance_id: 'i', agent: { kind: 'moatless', model: 'm' } },
  { type: 'moatless_setup', retrieval_backend: 'bm25', indexed_files: 3, quirks: { identify_message_overwritten: true } },
  { type: 'moatless_transition', transition: 1, state: 'SearchCode' },
  { type: 'moatless_search', transition: 1, kind: 'initial_context', hits: [{ file_path: 'a.py', span_ids: ['f'] }], backend: 'bm25' },
  { type: 'model_request', turn: 0, new_messages: [{ role: 'user', content: 'u' }], total_messages: 1, history_reset: true },
  { type: 'model_response', turn: 0, content: '{"scratch_pad": "look"}', usage, latency_ms: 1 },
  { type: 'model_request', turn: 1, new_messages: [{ role: 'user', content: 'u' }], total_messages: 3, history_reset: true },
  { type: 'model_response', turn: 1, content: '{"scratch_pad": "look", "search_requests": [{"query": "tok"}]}', usage, latency_ms: 1 },
  { type: 'moatless_search', transition: 1, kind: 'search', requests: [{ query: 'tok' }], hits: [{ file_path: 'pkg/\u001b[31mparser.py', span_ids: ['parse'] }], backend: 'bm25' },
  { type: 'moatless_action', transition: 1, state: 'SearchCode', action_name: 'Search', action: { scratch_pad: 'look' }, trigger: 'did_search', attempts: 2 },
  { type: 'moatless_transition', transition: 2, state: 'IdentifyCode', from: 'SearchCode', trigger: 'did_search' },
  { type: 'model_request', turn: 2, new_messages: [{ role: 'user', content: 'u' }], total_messages: 2, history_reset: true },
  { type: 'model_response', turn: 2, content: '{"scratch_pad": "plan"}', usage, latency_ms: 1 },
  { type: 'moatless_plan', transition: 4, action: 'modify', instructions: 'fix it', file_path: 'pkg/parser.py', span_id: 'parse', start_line: 3, end_line: 9, next: 'EditCode' },
  { type: 'moatless_action', transition: 4, state: 'PlanToCode', action_name: 'ApplyChange', action: { scratch_pad: 'plan' }, trigger: 'edit_code' },
  { type: 'model_request', turn: 3, new_messages: [{ role: 'user', content: 'u' }], total_messages: 2, history_reset: true },
  { type: 'model_response', turn: 3, content: '<replace>\nx', usage, latency_ms: 1 },
  { type: 'moatless_edit', transition: 5, file_path: 'pkg/parser.py', start_line: 3, end_line: 9, applied: false, diff: '-a\n+b', error: 'invalid code' },
  { type: 'moatless_action', transition: 5, state: 'EditCode', action_name: 'Content', action: '<replace>\nx', trigger: 'retry', retry_message: 'The following diff was not applied' },
];

test('each Moatless call is a step named by its state, with results, spans, plan and edit as its observation', () => {
  const events = bodies.map((b, seq) => RolloutEvent.parse({ v: 1, ts: seq, rollout: 'r', seq, ...b }));
  const vm = foldRollout('r', events);
  assert.equal(vm.steps.length, 4);
  assert.deepEqual(vm.steps[1]!.tool, { name: 'SearchCode', args: 'Search -> did_search (1 re-ask)' });
  assert.match(vm.steps[1]!.observation!, /^search \(bm25\): query "tok" -> 1 span\(s\) in 1 file\(s\): pkg\/parser\.py\[parse\]$/);
  assert.equal(vm.steps[2]!.tool?.name, 'PlanToCode');
  assert.match(vm.steps[2]!.observation!, /^plan modify pkg\/parser\.py span parse lines 3-9 -> EditCode: fix it$/);
  assert.deepEqual(vm.steps[3]!.tool, { name: 'EditCode', args: 'Content -> retry' });
  assert.equal(vm.steps[3]!.status, 'error');
  assert.match(vm.steps[3]!.observation!, /^edit pkg\/parser\.py lines 3-9: not applied \(invalid code\)\n-a\n\+b$/);
  assert.ok(vm.logs.some((l) => l.startsWith('moatless: retrieval bm25, 3 files indexed')));
  assert.ok(vm.logs.some((l) => l === '[2] SearchCode --did_search--> IdentifyCode'));
  assert.ok(!JSON.stringify(vm).includes('\u001b'), 'control sequences are stripped');
});
