import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderTrajectory } from '../../src/core/verifier/llm/render.js';
import type { ChatMessage } from '../../src/core/events.js';

// Golden written by hand from facts §6.1 (system header, merged consecutive user messages, numbered turns between
// 100-dash separators, a tool-role message, a native tool call rendered in the text format).
const golden = readFileSync(new URL('../fixtures/verifier/rendered-trajectory.txt', import.meta.url), 'utf8');

test('renders a trajectory exactly as SWE-Gym format_traj did', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Fix the bug in calc.py.' },
    { role: 'user', content: 'The repo is at /workspace/x.' },
    {
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"cat calc.py"}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'def add(a, b): return a - b\n[Command finished with exit code 0]' },
    { role: 'assistant', content: 'Found it.' },
  ];
  assert.equal(renderTrajectory(messages), golden);
});
