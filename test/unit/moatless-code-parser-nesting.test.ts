/**
 * The parser limits tree-sitter query cursors to matches rooted at the node when no nested match can exist
 * (a speed-up); where one can, it must still read the nested matches' captures as the fork does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModule } from '../../src/core/code/parser.js';
import { patternRootTypes, pythonQueries } from '../../src/core/code/tree-sitter.js';

test('patternRootTypes: top-level pattern types, strings and comments skipped, wildcards give null', () => {
  assert.deepEqual(patternRootTypes('(call (identifier) @x ("(")) @root'), ['call']);
  assert.deepEqual(patternRootTypes('(future_import_statement) @root\n(import_from_statement ; a ( comment\n (")")) @root'), ['future_import_statement', 'import_from_statement']);
  assert.equal(patternRootTypes('(_ (block . (_) @child.first)) @root'), null);
  assert.equal(patternRootTypes('[(a) (b)] @root'), null);
  // Every query of the fork's python.scm has a known top (or is a wildcard).
  for (const q of pythonQueries()) assert.ok(q.rootTypes === null || q.rootTypes.length > 0, q.label);
});

test('a nested function still adds its parameters to the outer one (the fork reads nested matches\' captures)', () => {
  const m = parseModule('def outer(a, b: int):\n    x = 1\n    def inner(c, d: str):\n        return c\n    return inner\n\ndef lone(e):\n    return e\n');
  const [outer, lone] = m.children.filter((b) => b.type === 'FUNCTION');
  assert.deepEqual(outer.parameters, [
    { identifier: 'a', type: null }, { identifier: 'b', type: 'int' }, { identifier: 'c', type: null }, { identifier: 'd', type: 'str' },
  ]);
  assert.deepEqual(outer.relationships.map((r) => r.path.join('.')), ['int', 'str']);
  assert.deepEqual(lone.parameters, [{ identifier: 'e', type: null }]);
});

test('a call nested in a call\'s arguments adds its references to the outer call, in source order', () => {
  const m = parseModule('foo(bar(x), y)\n');
  const call = m.children[0];
  assert.equal(call.type, 'CALL');
  assert.deepEqual(call.relationships.map((r) => r.path.join('.')), ['foo', 'bar', 'x', 'y']);
});
