import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile, mkdir, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrReplaceEditorTool } from '../../src/core/agent/tools/editor.js';
import type { ToolContext } from '../../src/core/agent/tool-types.js';
import { LocalRuntime } from './tools-local-runtime.js';

// Expected texts below are written by hand from openhands-aci 0.1.0's editor (messages, `cat -n` format, snippets).

let dir: string;
let ctx: ToolContext;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swegym-editor-'));
  ctx = { runtime: new LocalRuntime(dir), repoDir: dir, signal: new AbortController().signal };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  return p;
}

test('view a file: cat -n with 6-wide numbers and a TAB, trailing newline gives an empty last line', async () => {
  const p = await file('a.py', 'x = 1\ny = 2\n');
  const r = await new StrReplaceEditorTool().execute({ command: 'view', path: p }, ctx);
  assert.equal(r.isError, false);
  assert.equal(r.observation, `Here's the result of running \`cat -n\` on ${p}:\n     1\tx = 1\n     2\ty = 2\n     3\t\n`);
});

test('view expands tabs to 8 columns', async () => {
  const p = await file('tabs.py', 'if x:\n\ty\n');
  const r = await new StrReplaceEditorTool().execute({ command: 'view', path: p }, ctx);
  assert.equal(r.observation, `Here's the result of running \`cat -n\` on ${p}:\n     1\tif x:\n     2\t        y\n     3\t\n`);
});

test('view_range: 1-indexed, inclusive, -1 means to the end', async () => {
  const p = await file('r.py', 'l1\nl2\nl3\nl4\nl5');
  const ed = new StrReplaceEditorTool();
  const a = await ed.execute({ command: 'view', path: p, view_range: [2, 3] }, ctx);
  assert.equal(a.observation, `Here's the result of running \`cat -n\` on ${p}:\n     2\tl2\n     3\tl3\n`);
  const b = await ed.execute({ command: 'view', path: p, view_range: [4, -1] }, ctx);
  assert.equal(b.observation, `Here's the result of running \`cat -n\` on ${p}:\n     4\tl4\n     5\tl5\n`);
});

test('view_range errors', async () => {
  const p = await file('r2.py', 'l1\nl2\nl3');
  const ed = new StrReplaceEditorTool();
  const cases: [number[], string][] = [
    [[0, 2], 'ERROR:\nInvalid `view_range` parameter: [0, 2]. Its first element `0` should be within the range of lines of the file: [1, 3].'],
    [[1, 9], 'ERROR:\nInvalid `view_range` parameter: [1, 9]. Its second element `9` should be smaller than the number of lines in the file: `3`.'],
    [[3, 2], 'ERROR:\nInvalid `view_range` parameter: [3, 2]. Its second element `2` should be larger or equal than its first element `3`.'],
    [[1, 2, 3], 'ERROR:\nInvalid `view_range` parameter: [1, 2, 3]. It should be a list of two integers.'],
  ];
  for (const [range, msg] of cases) {
    const r = await ed.execute({ command: 'view', path: p, view_range: range }, ctx);
    assert.equal(r.isError, true);
    assert.equal(r.observation, msg);
  }
});

test('view a directory: two levels deep, hidden entries excluded', async () => {
  const d = join(dir, 'tree');
  await file('tree/pkg/mod.py', '');
  await file('tree/pkg/deep/x.py', '');
  await file('tree/.hidden/h.py', '');
  await file('tree/top.txt', '');
  const r = await new StrReplaceEditorTool().execute({ command: 'view', path: d }, ctx);
  assert.equal(r.isError, false);
  const prefix = `Here's the files and directories up to 2 levels deep in ${d}, excluding hidden items:\n`;
  assert.ok(r.observation.startsWith(prefix));
  assert.ok(r.observation.endsWith('\n\n'));
  const listed = r.observation.slice(prefix.length).trim().split('\n').sort();
  assert.deepEqual(listed, [d, `${d}/pkg`, `${d}/pkg/deep`, `${d}/pkg/mod.py`, `${d}/top.txt`].sort());
  const withRange = await new StrReplaceEditorTool().execute({ command: 'view', path: d, view_range: [1, 2] }, ctx);
  assert.equal(withRange.observation, 'ERROR:\nInvalid `view_range` parameter: [1, 2]. The `view_range` parameter is not allowed when `path` points to a directory.');
});

test('paths: relative refused, missing refused, directory only viewable, trailing slash normalised', async () => {
  const ed = new StrReplaceEditorTool();
  const rel = await ed.execute({ command: 'view', path: 'a.py' }, ctx);
  assert.equal(rel.observation, 'ERROR:\nInvalid `path` parameter: a.py. The path should be an absolute path, starting with `/`. Maybe you meant a.py?');
  const none = await ed.execute({ command: 'view', path: join(dir, 'nope.py') }, ctx);
  assert.equal(none.observation, `ERROR:\nInvalid \`path\` parameter: ${dir}/nope.py. The path ${dir}/nope.py does not exist. Please provide a valid path.`);
  const onDir = await ed.execute({ command: 'str_replace', path: dir + '/', old_str: 'a', new_str: 'b' }, ctx);
  assert.equal(onDir.observation, `ERROR:\nInvalid \`path\` parameter: ${dir}. The path ${dir} is a directory and only the \`view\` command can be used on directories.`);
});

test('create refuses to overwrite; creates new files; requires file_text', async () => {
  const ed = new StrReplaceEditorTool();
  const existing = await file('exists.py', 'old\n');
  const r = await ed.execute({ command: 'create', path: existing, file_text: 'new\n' }, ctx);
  assert.equal(r.observation, `ERROR:\nInvalid \`path\` parameter: ${existing}. File already exists at: ${existing}. Cannot overwrite files using command \`create\`.`);
  assert.equal(await readFile(existing, 'utf8'), 'old\n');
  const p = join(dir, 'new_dir_file.py');
  const ok = await ed.execute({ command: 'create', path: p, file_text: 'print(1)\n' }, ctx);
  assert.equal(ok.observation, `File created successfully at: ${p}`);
  assert.equal(await readFile(p, 'utf8'), 'print(1)\n');
  const noText = await ed.execute({ command: 'create', path: join(dir, 'other.py') }, ctx);
  assert.equal(noText.observation, 'ERROR:\nParameter `file_text` is required for command: create.');
});

test('str_replace: exactly one occurrence, snippet of +-4 lines and the review text', async () => {
  const lines = Array.from({ length: 12 }, (_, i) => `line${i + 1}`);
  const p = await file('s.py', lines.join('\n') + '\n');
  const r = await new StrReplaceEditorTool().execute({ command: 'str_replace', path: p, old_str: 'line6\n', new_str: 'six\nsix-b\n' }, ctx);
  assert.equal(r.isError, false);
  assert.equal(
    r.observation,
    `The file ${p} has been edited. Here's the result of running \`cat -n\` on a snippet of ${p}:\n` +
      '     2\tline2\n     3\tline3\n     4\tline4\n     5\tline5\n     6\tsix\n     7\tsix-b\n     8\tline7\n     9\tline8\n    10\tline9\n    11\tline10\n    12\tline11\n' +
      'Review the changes and make sure they are as expected. Edit the file again if necessary.',
  );
  assert.equal(await readFile(p, 'utf8'), ['line1', 'line2', 'line3', 'line4', 'line5', 'six', 'six-b', ...lines.slice(6)].join('\n') + '\n');
});

test('str_replace: several occurrences list their lines; none says it did not appear verbatim; file unchanged', async () => {
  const p = await file('d.py', 'a = 1\nb = 2\na = 1\n');
  const ed = new StrReplaceEditorTool();
  const many = await ed.execute({ command: 'str_replace', path: p, old_str: 'a = 1', new_str: 'a = 3' }, ctx);
  assert.equal(many.observation, 'ERROR:\nNo replacement was performed. Multiple occurrences of old_str `a = 1` in lines [1, 3]. Please ensure it is unique.');
  const none = await ed.execute({ command: 'str_replace', path: p, old_str: 'zzz', new_str: 'y' }, ctx);
  assert.equal(none.observation, `ERROR:\nNo replacement was performed, old_str \`zzz\` did not appear verbatim in ${p}.`);
  const noOld = await ed.execute({ command: 'str_replace', path: p, new_str: 'y' }, ctx);
  assert.equal(noOld.observation, 'ERROR:\nParameter `old_str` is required for command: str_replace.');
  assert.equal(await readFile(p, 'utf8'), 'a = 1\nb = 2\na = 1\n');
});

test('str_replace keeps the file mode; new_str omitted deletes the text', async () => {
  const p = await file('run.sh', '#!/bin/sh\necho hi\necho bye\n');
  await chmod(p, 0o755);
  await new StrReplaceEditorTool().execute({ command: 'str_replace', path: p, old_str: 'echo bye\n' }, ctx);
  assert.equal(await readFile(p, 'utf8'), '#!/bin/sh\necho hi\n');
  assert.equal((await stat(p)).mode & 0o777, 0o755);
});

test('insert after a line, snippet and its review text; range error', async () => {
  const p = await file('i.py', 'a\nb\nc\n');
  const ed = new StrReplaceEditorTool();
  const r = await ed.execute({ command: 'insert', path: p, insert_line: 1, new_str: 'X\nY' }, ctx);
  assert.equal(
    r.observation,
    `The file ${p} has been edited. Here's the result of running \`cat -n\` on a snippet of the edited file:\n` +
      '     1\ta\n     2\tX\n     3\tY\n     4\tb\n     5\tc\n     6\t\n' +
      'Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.',
  );
  assert.equal(await readFile(p, 'utf8'), 'a\nX\nY\nb\nc\n');
  const bad = await ed.execute({ command: 'insert', path: p, insert_line: 99, new_str: 'Z' }, ctx);
  assert.equal(bad.observation, 'ERROR:\nInvalid `insert_line` parameter: 99. It should be within the range of lines of the file: [0, 6]');
  const noLine = await ed.execute({ command: 'insert', path: p, new_str: 'Z' }, ctx);
  assert.equal(noLine.observation, 'ERROR:\nParameter `insert_line` is required for command: insert.');
});

test('undo_edit pops per-file history, in order, then says there is none', async () => {
  const p = await file('u.py', 'v1\n');
  const q = await file('u2.py', 'w1\n');
  const ed = new StrReplaceEditorTool();
  await ed.execute({ command: 'str_replace', path: p, old_str: 'v1', new_str: 'v2' }, ctx);
  await ed.execute({ command: 'str_replace', path: p, old_str: 'v2', new_str: 'v3' }, ctx);
  await ed.execute({ command: 'str_replace', path: q, old_str: 'w1', new_str: 'w2' }, ctx);
  const u1 = await ed.execute({ command: 'undo_edit', path: p }, ctx);
  assert.equal(u1.observation, `Last edit to ${p} undone successfully. Here's the result of running \`cat -n\` on ${p}:\n     1\tv2\n     2\t\n`);
  await ed.execute({ command: 'undo_edit', path: p }, ctx);
  assert.equal(await readFile(p, 'utf8'), 'v1\n');
  assert.equal(await readFile(q, 'utf8'), 'w2\n');
  const none = await ed.execute({ command: 'undo_edit', path: p }, ctx);
  assert.equal(none.observation, `ERROR:\nNo edit history found for ${p}.`);
});

test('output over 16,000 characters is clipped with the notice', async () => {
  const big = 'x'.repeat(20_000);
  const p = await file('big.txt', big);
  const r = await new StrReplaceEditorTool().execute({ command: 'view', path: p }, ctx);
  assert.equal(r.truncated, true);
  const notice =
    '<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what you are looking for.</NOTE>';
  assert.equal(r.observation, `Here's the result of running \`cat -n\` on ${p}:\n     1\t${'x'.repeat(16_000)}${notice}\n`);
});

test('the parameter schema is OpenHands-shaped', () => {
  const tool = new StrReplaceEditorTool();
  const ok = tool.parameters.safeParse({ command: 'view', path: '/x', view_range: [1, -1] });
  assert.equal(ok.success, true);
  assert.equal(tool.parameters.safeParse({ command: 'delete', path: '/x' }).success, false);
  assert.equal(tool.parameters.safeParse({ command: 'insert', path: '/x', insert_line: 1.5 }).success, false);
});
