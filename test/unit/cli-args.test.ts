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
  assert.throws(() => parseCommandArgs('verify', COMMANDS.verify!, ['--workers', 'many']), /--workers needs a number, got 'many'/);
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
