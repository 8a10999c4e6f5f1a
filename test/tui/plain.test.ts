import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlain } from '../../src/tui/plain.js';
import { ScriptedBackend } from './scripted-backend.js';
import { scriptedRollout, EVIL } from './scripted-rollout.js';

test('plain mode prints a session as event lines, sanitised, with a closing tally', async () => {
  const b = new ScriptedBackend();
  const s = b.session('sessions/x');
  for (const e of scriptedRollout('r1', { text: EVIL })) s.append(e);
  const lines: string[] = [];
  assert.equal(await runPlain(b, { session: 'sessions/x' }, (l) => lines.push(l)), 0);
  const text = lines.join('\n');
  assert.match(text, /== rollout r1: acme__calc-1/);
  assert.match(text, /== 1 rollout\(s\), 1\/1 resolved/);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), 'no control characters');
});

test('plain mode without a session lists sessions, instances and agents, and says how to use a model', async () => {
  const lines: string[] = [];
  await runPlain(new ScriptedBackend(), {}, (l) => lines.push(l));
  const text = lines.join('\n');
  assert.match(text, /instances \(2\):\n {2}acme__calc-1 {2}acme\/calc {2}v0\.1 {2}F2P 1 {2}P2P 2/);
  assert.match(text, /agents: gold, replay, llm \(unavailable\)/);
  assert.match(text, /OPENAI_API_KEY/);
});
