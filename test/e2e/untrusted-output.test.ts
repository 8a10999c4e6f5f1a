import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter } from '../../src/core/events.js';
import { SessionWriter, rolloutId } from '../../src/core/session/index.js';
import { runCli } from '../helpers/cli.js';

// Model text, container output, patches, errors and instance ids recorded in a session are untrusted: a session whose
// every text field carries terminal control sequences is printed by the real binary (`show` text mode, `report`,
// `sessions`, `score`), and nothing of those sequences reaches the terminal.

const EVIL = 'A\x1b[2J\x1b[H\x1b]0;pwn\x07\x1b[10;10H\x9b2J\x1b]8;;http://x\x1b\\L\x1b]8;;\x1b\\\x1bP1$r\x1b\\\x9d0;c1\x9c\rZ\x1b';
// Anything a terminal acts on: ESC, BEL, other C0 controls but \t and \n, DEL and the C1 range.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
let base: string;
const INST = `evil-1${EVIL}`;

before(() => {
  base = mkdtempSync(join(tmpdir(), 'swegym-e2e-untrusted-'));
  const inst = INST;
  const w = SessionWriter.create(join(base, 'evil'), {
    name: 'evil', swegym_version: '0', dataset: { ref: 'samples', instance_ids: [inst], repos: { [inst]: 'o/a' } }, images: {},
    agent: { kind: 'llm', model: `m${EVIL}` }, sampling: { samples: 1, temperatures: [0], seed: 0 },
  });
  const id = rolloutId(inst, 0, 0);
  const log = w.openRollout(id);
  const em = new RolloutEmitter(id, (e) => log.append(e));
  const usage = { prompt_tokens: 10, completion_tokens: 1, estimated: false };
  em.emit({ type: 'rollout_started', instance_id: inst, sample: 0, attempt: 0, agent: { kind: 'llm', model: `m${EVIL}`, config: {} } });
  em.emit({ type: 'env_ready', image: `img${EVIL}`, container_id: 'c0ffee', duration_ms: 1, repo_dir: '/testbed' });
  em.emit({ type: 'model_retry', turn: 0, attempt: 1, status: 500, delay_ms: 1, error: `retry ${EVIL}` });
  em.emit({ type: 'model_response', turn: 0, content: `think ${EVIL}`, tool_calls: [], usage, cost_usd: 0, latency_ms: 1 });
  em.emit({ type: 'tool_start', step: 0, call_id: 'c', tool: `execute_bash${EVIL}`, args: { command: `echo ${EVIL}` } });
  em.emit({ type: 'tool_output', step: 0, chunk: `chunk ${EVIL}` });
  em.emit({ type: 'tool_end', step: 0, call_id: 'c', tool: 'execute_bash', observation: `obs ${EVIL}`, exit_code: 0, is_error: false, timed_out: false, truncated: false, duration_ms: 1 });
  em.emit({ type: 'patch_updated', patch: `diff --git a/x b/x\n+${EVIL}\n`, files: [`x${EVIL}`] });
  em.emit({ type: 'log', level: 'warn', message: `log ${EVIL}` });
  em.emit({ type: 'agent_stopped', reason: 'finished', message: `bye ${EVIL}`, turns: 1, usage, cost_usd: 0 });
  em.emit({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status: 'unresolved', resolved: false, reason: `why ${EVIL}` } });
  em.emit({ type: 'verifier_score', verifier: 'llm', score: 0.5, explanation: `expl ${EVIL}`, flags: [`f${EVIL}`] });
  em.emit({ type: 'rollout_ended', status: 'completed', error: `err ${EVIL}`, duration_ms: 1 });
  log.close();
  w.close();
});
after(() => {
  rmSync(base, { recursive: true, force: true });
});

const swegym = (args: string[]) => runCli([...args, '--sessions-dir', base], { env: { NO_COLOR: '1' } });

function assertClean(what: string, r: { stdout: string; stderr: string }) {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = CONTROL.exec(text);
    assert.equal(m, null, `${what} ${name}: control character ${JSON.stringify(m?.[0])} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`);
  }
}

test('swegym show (text mode) prints the rollout without any control sequence', async () => {
  const table = await swegym(['show', 'evil']);
  assert.equal(table.code, 0, table.stderr);
  assert.ok(table.stdout.includes('evil-1A'), table.stdout);
  assertClean('show (table)', table);
  const r = await swegym(['show', 'evil', '--instance', INST, '--sample', '0']);
  assert.equal(r.code, 0, r.stderr);
  // The untrusted texts are shown (stripped), so the check looked at real output.
  for (const word of ['think A', 'obs A', 'bye A', 'why A']) assert.ok(r.stdout.includes(word), `${word} missing:\n${r.stdout}`);
  assertClean('show', r);
});

test('swegym show --json: control characters escaped (C1 included), the recorded text intact', async () => {
  for (const args of [['show', 'evil', '--json'], ['show', 'evil', '--instance', INST, '--sample', '0', '--json']]) {
    const r = await swegym(args);
    assert.equal(r.code, 0, r.stderr);
    assertClean(args.join(' '), { stdout: r.stdout.replace(/\n/g, ''), stderr: r.stderr });
    assert.ok(r.stdout.includes(JSON.stringify(INST).slice(1, -1).replace(/\x9b|\x9d|\x9c/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)), 'the instance id round-trips escaped');
  }
  const events = (await swegym(['show', 'evil', '--instance', INST, '--sample', '0', '--json'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(events.some((e) => e.type === 'model_response' && e.content === `think ${EVIL}`), 'the recorded text is intact in JSON');
});

test('swegym report, sessions and score print no control sequence either', async () => {
  for (const args of [['report', 'evil'], ['sessions'], ['score', 'evil', '--verifier', 'random', '--chart', 'ascii']]) {
    const r = await swegym(args);
    assert.ok(r.stdout.length > 0, `${args[0]} printed nothing: ${r.stderr}`);
    if (args[0] !== 'score') assert.ok(r.stdout.includes('evil'), `${args[0]}: ${r.stdout}`);
    assertClean(args[0]!, r);
  }
});
