import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldRollout, initialRolloutView, reduceRollout, patchAtStep, isLive } from '../../src/tui/state/rollout-view-model.js';
import { scriptedRollout, stamp, EVIL, GOLD_PATCH } from './scripted-rollout.js';

test('folds a whole rollout into steps, patch, verdict, tests, scores, tokens, cost and stop reason', () => {
  const vm = foldRollout('r1', scriptedRollout('r1', { steps: 3 }));
  assert.equal(vm.instanceId, 'acme__calc-1');
  assert.equal(vm.steps.length, 3);
  assert.deepEqual(vm.steps.map((s) => s.status), ['ok', 'ok', 'ok']);
  assert.equal(vm.steps[0].exitCode, 1);
  assert.equal(vm.steps[1].tool?.args, 'pytest -q tests 1');
  assert.equal(vm.steps[2].durationMs, 1200);
  assert.equal(vm.patch, GOLD_PATCH);
  assert.equal(vm.verdict?.status, 'resolved');
  assert.deepEqual(vm.tests.map((t) => `${t.kind}:${t.passed}`), ['F2P:true', 'P2P:true', 'P2P:true']);
  assert.equal(vm.scores.critic.score, 0.91);
  assert.equal(vm.promptTokens, 3000);
  assert.equal(vm.completionTokens, 150);
  assert.equal(vm.costUsd, 0.003);
  assert.equal(vm.stopReason, 'finished');
  assert.equal(vm.phase, 'completed');
  assert.equal(isLive(vm), false);
  assert.equal(patchAtStep(vm, 0), '');
  assert.equal(patchAtStep(vm, 2), GOLD_PATCH);
});

test('streams text and live shell output while a step runs', () => {
  const es = scriptedRollout('r2', { steps: 1 });
  let vm = initialRolloutView('r2');
  const cut = es.findIndex((e) => e.type === 'tool_output');
  for (const e of es.slice(0, cut + 1)) vm = reduceRollout(vm, e);
  assert.equal(vm.steps[0].status, 'running');
  assert.match(vm.shell, /\$ pytest -q tests 0\noutput line 0\.0\n/);
  assert.equal(isLive(vm), true);
  // A delta before the response shows up as streaming text.
  const d = stamp('r2', [{ type: 'model_delta', turn: 1, content: 'thinking about' }]);
  vm = reduceRollout(vm, d[0]);
  assert.equal(vm.streaming, 'thinking about');
});

test('unknown step ids, unmatched tool ends and failures are still shown', () => {
  const es = stamp('r3', [
    { type: 'tool_end', step: 7, call_id: 'x', tool: 'bash', observation: 'late', is_error: true, timed_out: false, truncated: false, duration_ms: 5 },
    { type: 'tool_start', step: 8, call_id: 'y', tool: 'bash', args: { command: 'sleep 99' } },
    { type: 'agent_stopped', reason: 'wall_clock', message: '', turns: 2, usage: { prompt_tokens: 1, completion_tokens: 1, estimated: true }, cost_usd: 0 },
    { type: 'rollout_ended', status: 'interrupted', duration_ms: 1, error: 'killed' },
  ]);
  const vm = foldRollout('r3', es);
  assert.deepEqual(vm.steps.map((s) => s.status), ['error', 'error']);
  assert.equal(vm.stopReason, 'wall_clock');
  assert.equal(vm.tokensEstimated, true);
  assert.equal(vm.phase, 'interrupted');
  assert.equal(vm.error, 'killed');
});

test('every untrusted string is sanitised as it enters the view model', () => {
  const vm = foldRollout('r4', scriptedRollout('r4', { text: EVIL }));
  const all = JSON.stringify(vm);
  assert.ok(!all.includes('\\u001b'), 'ESC reached the view model');
  assert.ok(!all.includes('\\u0007'), 'BEL reached the view model');
  assert.ok(!all.includes('\\u009b'), 'CSI (C1) reached the view model');
  assert.ok(vm.shell.includes('RED'));
});

test('finished steps keep their identity while later events arrive', () => {
  const es = scriptedRollout('r5', { steps: 3 });
  let vm = initialRolloutView('r5');
  const firstEnd = es.findIndex((e) => e.type === 'tool_end');
  for (const e of es.slice(0, firstEnd + 1)) vm = reduceRollout(vm, e);
  const step0 = vm.steps[0];
  for (const e of es.slice(firstEnd + 1)) vm = reduceRollout(vm, e);
  assert.equal(vm.steps[0], step0);
});

test('the shell tail is capped', () => {
  const chunk = 'x'.repeat(999) + '\n';
  const es = stamp('r6', [{ type: 'tool_start', step: 0, call_id: 'c', tool: 'bash', args: { command: 'yes' } }, ...Array.from({ length: 100 }, () => ({ type: 'tool_output' as const, step: 0, chunk }))]);
  const vm = foldRollout('r6', es);
  assert.ok(vm.shell.length <= 16_000);
  assert.ok(vm.shell.endsWith(chunk));
});
