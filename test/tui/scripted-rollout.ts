import type { EventBody, RolloutEvent } from '../../src/core/events.js';
import type { TaskInfo } from '../../src/tui/panes/lines.js';

/** A scripted rollout of a small task, as the engine would emit it (used by component tests and bench/tui.ts). */

export const GOLD_PATCH = `diff --git a/calc/ops.py b/calc/ops.py
--- a/calc/ops.py
+++ b/calc/ops.py
@@ -10,7 +10,7 @@ def add(a, b):
 
 def divide(a, b):
     """Divide a by b."""
-    return a // b
+    return a / b
 
 
 def mul(a, b):
`;

export const TEST_PATCH = `diff --git a/tests/test_ops.py b/tests/test_ops.py
--- a/tests/test_ops.py
+++ b/tests/test_ops.py
@@ -1,3 +1,6 @@
 from calc.ops import divide
+
+def test_divide_float():
+    assert divide(1, 2) == 0.5
`;

export const TASK: TaskInfo = {
  instance_id: 'acme__calc-1',
  repo: 'acme/calc',
  version: '0.1',
  problem_statement: 'divide() truncates: divide(1, 2) returns 0 instead of 0.5.\nExpected true division.',
  patch: GOLD_PATCH,
  test_patch: TEST_PATCH,
  FAIL_TO_PASS: ['tests/test_ops.py::test_divide_float'],
  PASS_TO_PASS: ['tests/test_ops.py::test_add', 'tests/test_ops.py::test_mul'],
};

export function scriptedBodies(opts: { resolved?: boolean; steps?: number; outputChunks?: number; text?: string } = {}): EventBody[] {
  const steps = opts.steps ?? 3;
  const text = opts.text ?? '';
  const bodies: EventBody[] = [
    { type: 'rollout_started', instance_id: TASK.instance_id, sample: 0, agent: { kind: 'llm', model: 'test-model', config: {} }, attempt: 0 },
    { type: 'env_starting', image: 'swegym/acme__calc:0.1' },
    { type: 'env_ready', image: 'swegym/acme__calc:0.1', container_id: 'c0ffee1234567890abcdef', duration_ms: 800, repo_dir: '/testbed' },
  ];
  for (let t = 0; t < steps; t++) {
    bodies.push({ type: 'model_request', turn: t, new_messages: [], total_messages: 2 + 2 * t });
    bodies.push({ type: 'model_delta', turn: t, content: `Looking at step ${t}${text}` });
    bodies.push({
      type: 'model_response',
      turn: t,
      content: `Step ${t}: I will run the tests.${text}`,
      tool_calls: [{ id: `call_${t}`, name: 'bash', arguments: JSON.stringify({ command: `pytest -q tests ${t}` }) }],
      usage: { prompt_tokens: 1000, completion_tokens: 50, estimated: false },
      cost_usd: 0.001,
      latency_ms: 900,
    });
    bodies.push({ type: 'tool_start', step: t, call_id: `call_${t}`, tool: 'bash', args: { command: `pytest -q tests ${t}${text}` } });
    for (let c = 0; c < (opts.outputChunks ?? 2); c++) bodies.push({ type: 'tool_output', step: t, chunk: `output line ${t}.${c}${text}\n` });
    bodies.push({ type: 'tool_end', step: t, call_id: `call_${t}`, tool: 'bash', observation: `observed ${t}${text}`, exit_code: t === 0 ? 1 : 0, is_error: false, timed_out: false, truncated: false, duration_ms: 1200 });
    if (t === steps - 1) bodies.push({ type: 'patch_updated', patch: GOLD_PATCH + (text ? `+${text}\n` : ''), files: ['calc/ops.py'] });
  }
  const resolved = opts.resolved ?? true;
  bodies.push(
    { type: 'agent_stopped', reason: 'finished', message: `done${text}`, turns: steps, usage: { prompt_tokens: 1000 * steps, completion_tokens: 50 * steps, estimated: false }, cost_usd: 0.001 * steps },
    { type: 'verification_started', profile: 'swegym' },
    {
      type: 'verification_verdict',
      verdict: {
        instance_id: TASK.instance_id,
        profile: 'swegym',
        status: resolved ? 'resolved' : 'unresolved',
        resolved,
        tests_status: {
          FAIL_TO_PASS: resolved ? { success: TASK.FAIL_TO_PASS, failure: [] } : { success: [], failure: TASK.FAIL_TO_PASS },
          PASS_TO_PASS: { success: TASK.PASS_TO_PASS, failure: [] },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
        reason: text || undefined,
      },
    },
    { type: 'verifier_score', verifier: 'critic', score: resolved ? 0.91 : 0.12, explanation: `looks ${resolved ? 'right' : 'wrong'}${text}`, flags: [] },
    { type: 'rollout_ended', status: 'completed', duration_ms: 5000 },
  );
  return bodies;
}

export function stamp(rollout: string, bodies: EventBody[], t0 = 1_700_000_000_000): RolloutEvent[] {
  return bodies.map((b, i) => ({ v: 1, ts: t0 + i * 100, rollout, seq: i, ...b }) as RolloutEvent);
}

export function scriptedRollout(rollout = 'r1', opts: Parameters<typeof scriptedBodies>[0] = {}): RolloutEvent[] {
  return stamp(rollout, scriptedBodies(opts));
}

/** Text laden with terminal escapes: cursor moves, OSC title change, clear screen, DCS, C1, bells. */
export const EVIL = '\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31;1mRED\x1b[0m\x1b[10;10H\x1bP1$qm\x1b\\\x9b2J\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\';
