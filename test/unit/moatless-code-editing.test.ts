/**
 * Moatless editing primitives against the fork: the unified diff and duplicate-line removal equal what the fork's own
 * functions returned under CPython (test/fixtures/moatless-edit, see PROVENANCE.md); the splice and validation
 * results are hand-derived from the fork's code (moatless/repository.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  FileContext, FileRepository, applyLineEdit, doDiff, makeCodeFile, removeDuplicateLines, updateContentByLineNumbers,
} from '../../src/core/code/index.js';

const cases = JSON.parse(readFileSync(new URL('../fixtures/moatless-edit/difflib-cases.json', import.meta.url), 'utf8')) as {
  diffs: { file_path: string; original: string; updated: string; diff: string }[];
  remove_duplicate_lines: { replacement: string[]; original: string[]; result: string[] }[];
};

test('do_diff equals the fork under CPython difflib (incl. autojunk, missing final newlines, far hunks)', () => {
  assert.equal(cases.diffs.length, 9);
  for (const c of cases.diffs) assert.equal(doDiff(c.file_path, c.original, c.updated), c.diff, c.file_path);
});

test('remove_duplicate_lines equals the fork', () => {
  for (const c of cases.remove_duplicate_lines) assert.deepEqual(removeDuplicateLines(c.replacement, c.original), c.result, JSON.stringify(c));
});

const SRC = 'import os\n\n\ndef f(x):\n    return x + 1\n\n\ndef g():\n    return 2\n';

test('line-range splice: blank edges stripped, lines repeating what follows the range dropped, diff of the change', () => {
  const file = makeCodeFile('m.py', SRC);
  // Replace line 5 (`    return x + 1`); the model repeats the two blank lines and `def g():` that follow.
  const r = updateContentByLineNumbers(file, 4, 5, '\n\n    y = x * 2\n    return y\n\n\ndef g():\n\n');
  assert.equal(r.updated, true, r.error ?? '');
  assert.equal(r.file!.content, 'import os\n\n\ndef f(x):\n    y = x * 2\n    return y\n\n\ndef g():\n    return 2\n');
  assert.equal(r.diff, '--- m.py\n+++ m.py\n@@ -2,7 +2,8 @@\n \n \n def f(x):\n-    return x + 1\n+    y = x * 2\n+    return y\n \n \n def g():\n');
  assert.deepEqual(r.newSpanIds, []);
});

test('an unchanged replacement is not an update (no diff)', () => {
  const r = updateContentByLineNumbers(makeCodeFile('m.py', SRC), 4, 5, '    return x + 1');
  assert.equal(r.updated, false);
  assert.equal(r.diff, null);
});

test('a new "... rest of the code" placeholder is refused with the fork\'s message', () => {
  const r = updateContentByLineNumbers(makeCodeFile('m.py', SRC), 4, 5, '    x = 1\n    # ... rest of the code');
  assert.equal(r.updated, false);
  assert.equal(r.error,
    "f has a placeholder `# ... rest of the code` indicating that it's not fully implemented. Implement the full FUNCTION or reject the request.: " +
    '\n\n```\n\n\ndef f(x):\n    x = 1\n    # ... rest of the code```\n\n');
});

test('syntax errors are refused (tree-sitter ERROR blocks)', () => {
  const r = updateContentByLineNumbers(makeCodeFile('m.py', SRC), 4, 5, '    return (x +');
  assert.equal(r.updated, false);
  assert.ok(r.diff);
  assert.match(r.error ?? '', /invalid/);
});

test('applyLineEdit updates the context file, adds new spans and saves module.to_string()', async () => {
  const written = new Map<string, string>();
  const source = {
    description: 'memory', listFiles: async () => ['m.py'], readFiles: async () => new Map([['m.py', SRC]]),
    writeFile: async (p: string, c: string) => void written.set(p, c), headCommit: async () => 'x',
  };
  const repo = new FileRepository(new Map([['m.py', SRC]]), source);
  const ctx = new FileContext(repo);
  ctx.addSpanToContext('m.py', 'f');
  const r = applyLineEdit(ctx, 'm.py', 5, 5, '    return x + 1\n\n\ndef h():\n    return 3');
  assert.equal(r.updated, true, r.error ?? '');
  assert.deepEqual(r.newSpanIds, ['h']);
  assert.deepEqual([...ctx.getFile('m.py')!.spanIds], ['f', 'h']);
  assert.equal(repo.getFile('m.py')!.content, 'import os\n\n\ndef f(x):\n    return x + 1\n\n\ndef h():\n    return 3\n\n\ndef g():\n    return 2\n');
  await repo.saveFile('m.py');
  assert.equal(written.get('m.py'), repo.getFile('m.py')!.content);
});
