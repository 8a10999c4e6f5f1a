import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandArgs } from '../../src/cli/parse-args.js';
import { COMMANDS } from '../../src/cli/commands-table.js';

test('options become camelCase, lists split on commas, numbers parsed, defaults filled', () => {
  const o = parseCommandArgs('verify', COMMANDS.verify!, ['--instances', 'a,b', '--instances', 'c', '--workers', '4', '--run-id', 'r1']);
  assert.deepEqual(o.instances, ['a', 'b', 'c']);
  assert.equal(o.workers, 4);
  assert.equal(o.runId, 'r1');
  assert.equal(o.dataset, 'samples');
  assert.equal(o.predictions, 'gold');
});

test('bad input is a clear error', () => {
  assert.throws(() => parseCommandArgs('verify', COMMANDS.verify!, ['--workers', 'many']), /--workers must be a whole number >= 1 \(got 'many'\)/);
  assert.throws(() => parseCommandArgs('verify', COMMANDS.verify!, ['--nope']), /nope/);
  assert.throws(() => parseCommandArgs('run', COMMANDS.run!, []), /--instance is required/);
  assert.throws(() => parseCommandArgs('show', COMMANDS.show!, []), /missing <session>/);
  assert.throws(() => parseCommandArgs('sessions', COMMANDS.sessions!, ['extra']), /unexpected argument 'extra'/);
});

test('positionals map to names', () => {
  const o = parseCommandArgs('compare', COMMANDS.compare!, ['s1', 's2', '--json']);
  assert.equal(o.a, 's1');
  assert.equal(o.b, 's2');
  assert.equal(o.json, true);
});

test('every number option of every command declares the range it accepts (checked in one place, parse-args)', () => {
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    for (const [flag, o] of Object.entries(spec.options)) if (o.type === 'number' && !o.range) missing.push(`${name} --${flag}`);
  }
  assert.deepEqual(missing, []);
});

test('number flags out of range: a clear error naming the flag and what it accepts', () => {
  const bad: Array<[string, string[], RegExp]> = [
    ['batch', ['--samples', '-1'], /--samples must be a whole number >= 1 \(got '-1'\)/],
    ['batch', ['--samples', '0'], /--samples must be a whole number >= 1 \(got '0'\)/],
    ['batch', ['--samples', '1.5'], /--samples must be a whole number >= 1/],
    ['batch', ['--samples', 'abc'], /--samples must be a whole number >= 1 \(got 'abc'\)/],
    ['batch', ['--samples', ''], /--samples must be a whole number >= 1 \(got ''\)/],
    ['batch', ['--budget-usd', '-1'], /--budget-usd must be a number > 0 \(got '-1'\)/],
    ['batch', ['--budget-usd=-0.5'], /--budget-usd must be a number > 0/],
    ['batch', ['--budget-tokens', '-10'], /--budget-tokens must be a whole number >= 1/],
    ['batch', ['--concurrency', '-2'], /--concurrency must be a whole number >= 1/],
    ['batch', ['--seed', '1.5'], /--seed must be a whole number >= 0/],
    ['batch', ['--seed', '-3'], /--seed must be a whole number >= 0/],
    ['batch', ['--rollout-timeout', '0'], /--rollout-timeout must be a number > 0/],
    ['batch', ['--stall-after', '-.5'], /--stall-after must be a number > 0/],
    ['batch', ['--endpoint-max-inflight', '0'], /--endpoint-max-inflight must be a whole number >= 1/],
    ['tui', ['--budget-usd', '-1'], /--budget-usd must be a number > 0/],
    ['serve', ['--port', '70000'], /--port must be a port number/],
    ['serve', ['--max-steps', '0'], /--max-steps must be a whole number >= 1/],
    ['serve', ['--idle-timeout', '-Infinity'], /--idle-timeout must be a number > 0/],
    ['show', ['s', '--sample', '-1'], /--sample must be a whole number >= 0/],
    ['export', ['sft', 's', '--out', 'o', '--ratio', '-1'], /--ratio must be a number >= 0/],
    ['verify', ['--workers', '1e400'], /--workers must be a whole number >= 1/],
  ];
  for (const [cmd, args, re] of bad) assert.throws(() => parseCommandArgs(cmd, COMMANDS[cmd]!, args), re, `${cmd} ${args.join(' ')}`);
  // In range still parses (a negative-looking value of a string option is not touched).
  const ok = parseCommandArgs('batch', COMMANDS.batch!, ['--samples', '3', '--budget-usd', '0.25', '--seed', '0', '--rollout-timeout', '1.5']);
  assert.deepEqual([ok.samples, ok.budgetUsd, ok.seed, ok.rolloutTimeout], [3, 0.25, 0, 1.5]);
  assert.throws(() => parseCommandArgs('batch', COMMANDS.batch!, ['--session', '-x']), /ambiguous/);
});
