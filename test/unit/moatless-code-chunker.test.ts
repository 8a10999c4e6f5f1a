/**
 * The EpicSplitter port on small hand-made files, expectations derived by hand from the fork's
 * moatless/index/epic_split.py and its ingestion's category rule (fnmatch, where `*` crosses `/`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EpicSplitter, countTokens, fileCategory, parseModule } from '../../src/core/code/index.js';

const fn = (name: string, n: number) =>
  `def ${name}(values):\n` + Array.from({ length: n }, (_, i) => `    values.append(compute_something_${i}(values, ${i}))\n`).join('') + '    return values\n';

test('a file under min_chunk_size (100 tokens) is one chunk: the whole file, every span', () => {
  const src = '"""Tiny."""\nimport os\n\n\ndef f():\n    return os.getcwd()\n';
  assert.ok(countTokens(src) < 100);
  const chunks = new EpicSplitter().chunkFile('pkg/tiny.py', parseModule(src));
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].content, src.replace(/\n+$/, ''));
  assert.deepEqual(chunks[0].spanIds, ['docstring', 'f']);
  assert.equal(chunks[0].startLine, 1);
  // The chunk runs from the module block (path "") to the trailing SPACE block (no identifier, path ""), hence the id.
  assert.equal(chunks[0].id, 'pkg/tiny.py__');
});

test('two functions over min_chunk_size become one chunk each, rendered without module-level placeholders', () => {
  const f = fn('first', 12);
  const g = fn('second', 12);
  const src = f + '\n\n' + g;
  const m = parseModule(src);
  assert.ok(m.children[0].sumTokens() > 100 && m.children[1].sumTokens() > 100);
  const chunks = new EpicSplitter().chunkFile('pkg/two.py', m);
  assert.deepEqual(chunks.map((c) => c.spanIds), [['first'], ['second']]);
  assert.equal(chunks[0].content, f.replace(/\n+$/, ''));
  assert.equal(chunks[1].content, g.replace(/\n+$/, ''));
  // The trailing SPACE block (the final newline, line 31) is too small for a chunk of its own and joins the last one.
  assert.deepEqual([chunks[1].startLine, chunks[1].endLine], [17, 31]);
  assert.equal(chunks[0].tokens, countTokens(chunks[0].content));
});

test('files with ERROR blocks give no chunks (the fork skips them)', () => {
  const m = parseModule(fn('ok', 20) + '\n\nclass A:\n    def f(self):\n        return 1 +\n');
  assert.equal(m.findErrors().length, 1);
  assert.deepEqual(new EpicSplitter().chunkFile('bad.py', m), []);
});

test('category: the fork\'s fnmatch patterns (a top-level tests/ directory only counts through test_*.py)', () => {
  assert.equal(fileCategory('pkg/tests/helpers.py'), 'test');
  assert.equal(fileCategory('pkg/test/helpers.py'), 'test');
  assert.equal(fileCategory('tests/test_parse.py'), 'test');
  assert.equal(fileCategory('tests/conftest.py'), 'implementation');
  assert.equal(fileCategory('pkg/io_test.py'), 'test');
  assert.equal(fileCategory('pkg/module.py'), 'implementation');
});
