/**
 * The hand-derived chunk and search golden (test/fixtures/moatless-goldens/chunk-search/README.md): EpicSplitter chunk
 * boundaries, ids, span ids and rendered content for a small file, then BM25's ranked chunks and semantic_search's
 * ranked spans for two queries, through CodeIndex on a real one-file git checkout.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Bm25Retriever, CodeIndex, countTokens, hostSource, parseModule } from '../../src/core/code/index.js';

const DIR = new URL('../fixtures/moatless-goldens/chunk-search/', import.meta.url).pathname;
const SOURCE = readFileSync(join(DIR, 'money.py'), 'utf8');
interface Golden {
  file_path: string;
  chunks: { id: string; category: string; span_ids: string[]; start_line: number; end_line: number; content: string[] }[];
  searches: { query: string; chunk_order: number[]; spans: [string, number][]; message: string }[];
}
const GOLDEN = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Golden;

let tmp: string;
let index: CodeIndex;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'swegym-chunk-golden-'));
  const repo = join(tmp, 'repo');
  mkdirSync(join(repo, 'ledger'), { recursive: true });
  writeFileSync(join(repo, GOLDEN.file_path), SOURCE);
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'money');
  index = await CodeIndex.build(hostSource(repo), { cacheDir: null, repoKey: 'golden/money' });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the token-count premises of the hand derivation hold (cl100k)', () => {
  const lines = SOURCE.split('\n');
  assert.ok(countTokens(lines.slice(0, 7).join('\n')) < 100, 'docstring + import + quantize under min_chunk_size');
  const m = parseModule(SOURCE);
  const byPath = (p: string) => m.findByPath(p.split('.'))!;
  for (const p of ['parse_amount', 'Converter.convert', 'Converter.inverse_rate', 'Converter']) {
    const t = byPath(p).sumTokens();
    assert.ok(t > 100 && t < 750, `${p}: ${t} tokens`);
  }
  assert.ok(byPath('Converter').sumTokens() + byPath('parse_amount').sumTokens() < 1500);
});

test('chunks: boundaries, ids, categories, span ids and rendered content equal the hand-derived golden', () => {
  const got = index.data.chunks.map((c) => ({
    id: c.id, category: c.category, span_ids: c.spanIds, start_line: c.startLine, end_line: c.endLine, content: c.content.split('\n'),
  }));
  assert.deepEqual(got, GOLDEN.chunks);
});

for (const s of GOLDEN.searches) {
  test(`search "${s.query}": BM25 chunk order and semantic_search's ranked spans equal the golden`, async () => {
    const ranked = await (index.retriever as Bm25Retriever).rank(s.query, 500);
    assert.deepEqual(ranked.map((r) => r.index), s.chunk_order);
    const r = await index.semanticSearch({ query: s.query });
    assert.equal(r.message, s.message);
    assert.equal(r.hits.length, 1);
    assert.equal(r.hits[0].filePath, GOLDEN.file_path);
    assert.deepEqual(r.hits[0].spans.map((x) => [x.spanId, x.rank]), s.spans);
  });
}
