/**
 * The Moatless code index on the bundled sample repositories (real git checkouts of samples/repos/*.bundle):
 * BM25 semantic search finds the span the gold patch changes, name search, the on-disk cache per (repo, commit),
 * Python-glob semantics, and vector retrieval through an OpenAI-compatible /v1/embeddings server on 127.0.0.1
 * (real HTTP, the real `openai` client).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeIndex, PathSet, codeTerms, hostSource, openAIEmbedder, partialRatio, rerankFiles } from '../../src/core/code/index.js';

interface Task { instance_id: string; repo: string; base_commit: string; patch: string; problem_statement: string }
const TASKS = readFileSync(new URL('../../samples/tasks.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Task);
const BUNDLES = new URL('../../samples/repos/', import.meta.url).pathname;

let tmp: string;
const checkout = (t: Task) => {
  const dir = join(tmp, t.instance_id);
  execFileSync('git', ['clone', '-q', join(BUNDLES, `${t.repo.replace('/', '__')}.bundle`), dir]);
  execFileSync('git', ['-C', dir, 'checkout', '-q', t.base_commit]);
  return dir;
};

/** The first changed line (old side) of each file the gold patch touches. */
function goldLines(patch: string): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  let file = '';
  let line = 0;
  let done = new Set<string>();
  for (const l of patch.split('\n')) {
    if (l.startsWith('--- a/')) file = l.slice(6);
    else if (l.startsWith('@@')) line = Number(/-(\d+)/.exec(l)![1]) - 1;
    else if (l.startsWith('-') && !l.startsWith('---') && !done.has(file)) {
      out.push({ file, line: line + 1 });
      done.add(file);
    } else if (l.startsWith(' ') || (l.startsWith('-') && !l.startsWith('---'))) line++;
  }
  return out;
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'moatless-index-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

for (const id of ['swegym-samples__durations-12', 'swegym-samples__ledger-8', 'swegym-samples__ledger-15']) {
  test(`BM25 semantic search on the issue text ranks the gold span first (${id})`, async () => {
    const t = TASKS.find((x) => x.instance_id === id)!;
    const idx = await CodeIndex.build(hostSource(checkout(t)), { cacheDir: null, repoKey: t.repo });
    assert.equal(idx.retrieval.backend, 'bm25');
    // SearchCode's initial context: semantic_search(issue, max_spans_per_file=5, max_results=50).
    const r = await idx.semanticSearch({ query: t.problem_statement, maxSpansPerFile: 5, maxResults: 50 });
    const [gold] = goldLines(t.patch);
    const module = idx.repo.getFile(gold.file)!.module!;
    const goldSpans = module.findSpansByLineNumbers(gold.line).map((s) => s.spanId);
    assert.ok(goldSpans.length, `no span at ${gold.file}:${gold.line}`);
    const top = r.hits[0];
    assert.equal(top.filePath, gold.file, JSON.stringify(r.hits.map((h) => h.filePath)));
    assert.ok(top.spans.some((s) => goldSpans.includes(s.spanId) && s.rank === 0), `gold spans ${goldSpans} not in ${JSON.stringify(top.spans)}`);
  });
}

test('name search: class and function names, the class brings its methods, test files excluded', async () => {
  const t = TASKS.find((x) => x.instance_id === 'swegym-samples__ledger-8')!;
  const idx = await CodeIndex.build(hostSource(checkout({ ...t, instance_id: 'names' })), { cacheDir: null });
  const byClass = idx.findByName({ classNames: ['Ledger'] });
  assert.equal(byClass.message, 'Found 1 hits.');
  assert.equal(byClass.hits.length, 1);
  assert.equal(byClass.hits[0].filePath, 'ledger/ledger.py');
  assert.ok(byClass.hits[0].spans.map((s) => s.spanId).includes('Ledger.balance'));
  const missing = idx.findByName({ functionNames: ['no_such_function'] });
  assert.equal(missing.message, "No functions found with the name ['no_such_function'].");
  const viaSearch = await idx.search({ classNames: ['Ledger'], functionNames: ['balance'] });
  assert.deepEqual(viaSearch.hits.map((h) => [h.filePath, h.spans.map((s) => s.spanId)]), [['ledger/ledger.py', ['Ledger.balance']]]);
});

test('the index is built once per (repo, commit) and read back from the cache', async () => {
  const t = TASKS.find((x) => x.instance_id === 'swegym-samples__durations-12')!;
  const dir = checkout({ ...t, instance_id: 'cache' });
  const cacheDir = join(tmp, 'cache-dir');
  const first = await CodeIndex.build(hostSource(dir), { cacheDir, repoKey: t.repo });
  const second = await CodeIndex.build(hostSource(dir), { cacheDir, repoKey: t.repo });
  assert.equal(first.stats.fromCache, false);
  assert.equal(second.stats.fromCache, true);
  assert.deepEqual(second.data, JSON.parse(JSON.stringify(first.data)));
  const q = { query: t.problem_statement, maxResults: 20 };
  assert.deepEqual(await second.semanticSearch(q), await first.semanticSearch(q));
  const other = await CodeIndex.build(hostSource(dir), { cacheDir, repoKey: t.repo, commit: 'another-commit' });
  assert.equal(other.stats.fromCache, false);
});

test('Python glob semantics: * stays in a component, ** spans directories, hidden names skipped, **/ retry', () => {
  const p = new PathSet(['a.py', 'pkg/mod.py', 'pkg/sub/deep.py', 'pkg/tests/test_x.py', 'tests/test_y.py', '.hidden/h.py', 'pkg/.h.py']);
  assert.deepEqual(p.glob('*.py'), ['a.py']);
  assert.deepEqual(p.glob('**/*.py').sort(), ['a.py', 'pkg/mod.py', 'pkg/sub/deep.py', 'pkg/tests/test_x.py', 'tests/test_y.py']);
  assert.deepEqual(p.glob('pkg/*.py'), ['pkg/mod.py']);
  assert.deepEqual(p.matchingFiles('mod.py'), ['pkg/mod.py']);
  assert.deepEqual(p.matchingFiles('**/test*/**').sort(), ['pkg/tests', 'pkg/tests/test_x.py', 'tests', 'tests/test_y.py']);
  assert.deepEqual(p.glob('nothing/*.py'), []);
});

test('rapidfuzz partial_ratio and the file rerank', () => {
  assert.equal(partialRatio('this is a test', 'this is a test!'), 100);
  // rapidfuzz's documented example: fuzz.partial_ratio("this is a test", "this is a test!") == 100; ratio("abc", "axc") = 200*2/6.
  assert.equal(partialRatio('abc', 'xxaxcxx'), (200 * 2) / 6);
  assert.deepEqual(rerankFiles(['x/other.py', 'pkg/ledger/ledger.py', 'ledger.py'], 'ledger/ledger.py'), ['pkg/ledger/ledger.py', 'ledger.py', 'x/other.py']);
});

test('code-aware terms split identifiers and keep them whole', () => {
  assert.deepEqual(codeTerms('parse_duration getHTTPResponse os.path.join x2'), [
    'parse_duration', 'parse', 'duration', 'gethttpresponse', 'get', 'http', 'response', 'os.path.join', 'os', 'path', 'join', 'x2',
  ]);
});

test('vector retrieval through an OpenAI-compatible /v1/embeddings server (real HTTP, openai client); vectors cached', async () => {
  // The server embeds text as counts over a small vocabulary: enough to make the right chunk the nearest.
  const vocab = ['space', 'unit', 'number', 'parse', 'duration', 'format', 'seconds', 'ledger', 'money', 'balance'];
  const embed = (text: string) => {
    const terms = codeTerms(text);
    const v = vocab.map((w) => terms.filter((t) => t === w).length);
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  };
  const requests: { model: string; n: number; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const j = JSON.parse(body) as { model: string; input: string[] | string };
      const input = Array.isArray(j.input) ? j.input : [j.input];
      requests.push({ model: j.model, n: input.length, auth: req.headers.authorization });
      assert.equal(req.url, '/v1/embeddings');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', model: j.model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: embed(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const t = TASKS.find((x) => x.instance_id === 'swegym-samples__durations-12')!;
    const dir = checkout({ ...t, instance_id: 'vector' });
    const cacheDir = join(tmp, 'vec-cache');
    const embedder = openAIEmbedder({ baseURL, model: 'test-embed', apiKey: 'sk-test' });
    const idx = await CodeIndex.build(hostSource(dir), { cacheDir, embedder, repoKey: t.repo });
    assert.equal(idx.retrieval.backend, 'vector');
    assert.equal(idx.retrieval.model, 'test-embed');
    assert.ok(!JSON.stringify(idx.retrieval).includes('sk-test'));
    const docCalls = requests.length;
    assert.ok(docCalls >= 1 && requests.every((r) => r.model === 'test-embed' && r.auth === 'Bearer sk-test'));
    const r = await idx.semanticSearch({ query: 'parse duration with a space between number and unit', maxResults: 10 });
    assert.equal(r.hits[0].filePath, 'durations/parser.py');
    // A second build reads the chunk vectors from the cache: only the query is embedded again.
    const again = await CodeIndex.build(hostSource(dir), { cacheDir, embedder, repoKey: t.repo });
    assert.equal(requests.length, docCalls + 1);
    await again.semanticSearch({ query: 'seconds', maxResults: 5 });
    assert.equal(requests.length, docCalls + 2);
  } finally {
    server.close();
  }
});
