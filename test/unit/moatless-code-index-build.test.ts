/**
 * The index's per-file pieces built in parallel (a real worker thread) and from the content-addressed cache equal the
 * ones built one by one on the main thread; a changed file is the only one parsed again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { indexFile } from '../../src/core/code/file-index.js';
import { indexFiles } from '../../src/core/code/index-build.js';

const INPUTS = new URL('../fixtures/moatless-oracle/inputs/', import.meta.url).pathname;
const items: [string, string][] = readdirSync(INPUTS).filter((f) => f.endsWith('.py')).sort()
  .map((f): [string, string] => [`pkg/${f}`, readFileSync(join(INPUTS, f), 'utf8')]);
const sequential = items.map(([p, c]) => indexFile(p, c).entry);
const tmp = mkdtempSync(join(tmpdir(), 'swegym-index-build-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the fixture files include one with syntax errors (no chunks) and chunked ones (so the comparison below means something)', () => {
  assert.ok(items.length >= 15);
  assert.ok(sequential.some((e) => e.chunks.length === 0 && e.path.includes('syntax_error')));
  assert.ok(sequential.filter((e) => e.chunks.length > 0).length >= 10);
  assert.ok(sequential.some((e) => e.functions.length > 0 && e.classes.length > 0));
});

test('a worker thread parses the files; every entry equals the sequential one, in input order', async () => {
  const r = await indexFiles(items, { cacheDir: null, threads: 2, parallelMinChars: 0, mainThreadParses: false });
  assert.equal(r.threads, 2);
  assert.equal(r.parsed, items.length);
  assert.equal(r.parsedByWorkers, items.length);
  assert.deepEqual(r.entries, sequential);
});

test('per-file cache: a second build reuses every entry; a changed file alone is parsed again', async () => {
  const cacheDir = join(tmp, 'cache');
  const first = await indexFiles(items, { cacheDir, threads: 1 });
  assert.deepEqual([first.parsed, first.reused], [items.length, 0]);
  const second = await indexFiles(items, { cacheDir, threads: 1 });
  assert.deepEqual([second.parsed, second.reused], [0, items.length]);
  assert.deepEqual(second.entries, sequential);

  const changed = items.map(([p, c], i): [string, string] => [p, i === 1 ? c + '\n\ndef added_later(x):\n    return x\n' : c]);
  const third = await indexFiles(changed, { cacheDir, threads: 1 });
  assert.deepEqual([third.parsed, third.reused], [1, items.length - 1]);
  assert.ok(third.entries[1].functions.some(([name]) => name === 'added_later'));
  assert.deepEqual(third.entries[1], indexFile(changed[1][0], changed[1][1]).entry);
  // The same content under another path is another entry (chunk ids and categories carry the path).
  const moved = await indexFiles([[`tests/${items[1][0]}`, items[1][1]]], { cacheDir, threads: 1 });
  assert.equal(moved.parsed, 1);
});
