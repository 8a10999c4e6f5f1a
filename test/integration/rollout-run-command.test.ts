import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutEvent } from '../../src/core/events.js';
import { runCommand } from '../../src/cli/commands/run.js';

// `swegym run` as the CLI calls it (the lead wires it into main.ts): plain lines and --json, on real Docker.

function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: { line: (s: string) => lines.push(s), err: (s: string) => errs.push(s) } };
}

test('run --agent gold --json: every line is a rollout event, ending with a resolved verdict', async () => {
  const c = capture();
  const code = await runCommand({ dataset: 'samples', instance: 'swegym-samples__durations-19', agent: 'gold', json: true, offline: true }, c.out);
  assert.equal(code, 0, c.errs.join('\n'));
  const events = c.lines.map((l) => RolloutEvent.parse(JSON.parse(l)));
  assert.equal(events[0].type, 'rollout_started');
  const verdict = events.find((e) => e.type === 'verification_verdict');
  assert.ok(verdict?.type === 'verification_verdict' && verdict.verdict.resolved);
  assert.equal(events.at(-1)?.type, 'rollout_ended');
});

test('run --agent gold: plain lines as it goes, then the diff and the verdict', async () => {
  const c = capture();
  const code = await runCommand({ dataset: 'samples', instance: 'swegym-samples__ledger-21', agent: 'gold', offline: true }, c.out);
  assert.equal(code, 0, c.errs.join('\n'));
  const text = c.lines.join('\n');
  assert.match(text, /^>> \[1\] str_replace_editor view \/testbed$/m);
  assert.match(text, /^== agent stopped: finished/m);
  assert.match(text, /^== diff \(\d+ lines\):\ndiff --git a\//m);
  assert.match(text, /^== swegym-samples__ledger-21: RESOLVED \(resolved\)$/m);
  assert.ok(!/\x1b/.test(text));
});

test('run: bad input is exit 2 with a message naming the problem', async () => {
  const c = capture();
  assert.equal(await runCommand({ dataset: 'samples', instance: 'no-such-instance', agent: 'gold' }, c.out), 2);
  assert.match(c.errs.join('\n'), /no-such-instance/);
  const d = capture();
  assert.equal(await runCommand({ dataset: 'samples', instance: 'swegym-samples__ledger-21', agent: 'replay' }, d.out), 2);
  assert.match(d.errs.join('\n'), /--trajectory/);
  const m = capture();
  assert.equal(await runCommand({ dataset: 'samples', instance: 'swegym-samples__ledger-21', agent: 'llm' }, m.out), 2);
  assert.match(m.errs.join('\n'), /--model/);
});
