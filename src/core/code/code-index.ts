/**
 * The Moatless code index (`moatless/index/code_index.py` `CodeIndex` of SWE-Gym/Moatless-Agent-Fork 816c6a2):
 * the name maps (classes, functions), the EpicSplitter chunks and a retriever over them, plus the fork's query logic
 * (`search`, `semantic_search`, `find_by_name`, `_vector_search`) with its filters, messages and quirks.
 *
 * Built once per (repository, commit) and cached on disk under `$SWEGYM_CACHE_DIR/code-index/` (default
 * `~/.cache/swegym`): the chunks and name maps in `index.json`, chunk vectors per embedding model beside it. The
 * checkout can be on the host or in the rollout container (`CodeSource`); build the index before the agent edits.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CodeChunk } from './chunker.js';
import { indexFile, type FileIndex } from './file-index.js';
import { indexFiles } from './index-build.js';
import { PathSet } from './glob.js';
import { pyListRepr } from './py.js';
import { FileRepository, isPythonPath, type CodeSource } from './repository.js';
import {
  Bm25Retriever, VectorRetriever, chunkEmbeddingText, chunkSearchText, type Embedder, type RetrievalInfo, type Retriever,
} from './retrieval.js';

const INDEX_FORMAT = 1;

export interface SpanHit {
  spanId: string;
  rank: number;
  tokens: number;
}

export interface SearchCodeHit {
  filePath: string;
  spans: SpanHit[];
}

export interface SearchCodeResponse {
  message: string | null;
  hits: SearchCodeHit[];
}

export interface SearchRequest {
  query?: string | null;
  codeSnippet?: string | null;
  classNames?: string[] | null;
  functionNames?: string[] | null;
  filePattern?: string | null;
  maxResults?: number;
}

export interface SemanticSearchRequest extends SearchRequest {
  category?: string;
  maxSpansPerFile?: number | null;
}

/** (file path, block path) pairs by identifier, as `blocks_by_class_name.json` / `blocks_by_function_name.json`. */
export type NameMap = Record<string, [string, string[]][]>;

export interface IndexData {
  format: number;
  repoKey: string;
  commit: string;
  /** Every path of the checkout (what the fork's globs see). */
  files: string[];
  chunks: CodeChunk[];
  classes: NameMap;
  functions: NameMap;
  /** Python files skipped because the parser refused them (the fork logs and skips them too). */
  skipped: string[];
}

export interface IndexStats {
  files: number;
  pythonFiles: number;
  chunks: number;
  /** The whole index came from the cache for this (repository, commit). */
  fromCache: boolean;
  /** Python files parsed in this build, and those whose entries came from the per-file (content-addressed) cache. */
  parsedFiles: number;
  reusedFiles: number;
  /** Threads that parsed (the main thread included). */
  threads: number;
  buildMs: number;
  cachePath: string | null;
}

export interface CodeIndexOptions {
  /** Repository identity in the cache key (e.g. `owner/name`); default: the source's description. */
  repoKey?: string;
  /** Commit the index is for; default: the checkout's HEAD. */
  commit?: string;
  /** Cache directory; `null` disables the cache. Default `$SWEGYM_CACHE_DIR/code-index` or `~/.cache/swegym/code-index`. */
  cacheDir?: string | null;
  /** Vector retrieval through this embedder; without it, BM25. */
  embedder?: Embedder;
  /** Threads parsing a cold build, the main thread included; default 2 when a core is idle, else 1 (`SWEGYM_INDEX_THREADS`). */
  threads?: number;
}

export function defaultCodeIndexCacheDir(): string {
  return join(process.env.SWEGYM_CACHE_DIR ?? join(homedir(), '.cache', 'swegym'), 'code-index');
}

function isHidden(path: string): boolean {
  return path.split('/').some((p) => p.startsWith('.'));
}

/** Index data from the per-file entries (files in checkout order; non-Python, hidden and unread files left out). */
export function assembleIndexData(repoKey: string, commit: string, files: string[], entries: Map<string, FileIndex>): IndexData {
  const classes: NameMap = Object.create(null);
  const functions: NameMap = Object.create(null);
  const chunks: CodeChunk[] = [];
  const skipped: string[] = [];
  for (const path of files) {
    if (!isPythonPath(path) || isHidden(path)) continue;
    const e = entries.get(path);
    if (!e) continue;
    if (e.skipped) {
      skipped.push(path);
      continue;
    }
    // The fork's `index_callback` fills both maps in one post-order walk; each map keeps that order.
    for (const [id, blockPath] of e.classes) (classes[id] ??= []).push([path, blockPath]);
    for (const [id, blockPath] of e.functions) (functions[id] ??= []).push([path, blockPath]);
    chunks.push(...e.chunks);
  }
  return { format: INDEX_FORMAT, repoKey, commit, files, chunks, classes, functions, skipped };
}

/** Index data from file contents, parsed here one by one (parse, name maps, chunks). */
export function buildIndexData(repoKey: string, commit: string, files: string[], contents: Map<string, string>, repo?: FileRepository): IndexData {
  const entries = new Map<string, FileIndex>();
  for (const path of files) {
    if (!isPythonPath(path) || isHidden(path)) continue;
    const content = contents.get(path);
    if (content === undefined) continue;
    const { entry, file } = indexFile(path, content);
    if (file.module) repo?.seed(file);
    entries.set(path, entry);
  }
  return assembleIndexData(repoKey, commit, files, entries);
}

/** `is_string_in`: whitespace-insensitive substring test (spaces, tabs, newlines removed). */
function isStringIn(s1: string, s2: string): boolean {
  const clean = (s: string) => s.replace(/[ \t\n]/g, '');
  return clean(s2).includes(clean(s1));
}

/** Longest common subsequence length (for the Indel distance behind rapidfuzz's ratio). */
function lcs(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(prev[j], prev[j - 1]);
      diag = tmp;
    }
  }
  return prev[b.length];
}

function ratio(a: string, b: string): number {
  const total = a.length + b.length;
  return total ? (200 * lcs(a, b)) / total : 100;
}

/** rapidfuzz `fuzz.partial_ratio`: the best ratio of the shorter string against any window of the longer one. */
export function partialRatio(s1: string, s2: string): number {
  if (!s1 || !s2) return 0;
  const best = (needle: string, hay: string) => {
    const n = needle.length;
    const h = hay.length;
    let score = 0;
    for (let i = 1; i < n; i++) score = Math.max(score, ratio(needle, hay.slice(0, i)));
    for (let i = 0; i <= h - n; i++) score = Math.max(score, ratio(needle, hay.slice(i, i + n)));
    for (let i = Math.max(h - n + 1, 1); i < h; i++) score = Math.max(score, ratio(needle, hay.slice(i)));
    return score;
  };
  if (s1.length > s2.length) return best(s2, s1);
  if (s1.length < s2.length) return best(s1, s2);
  return Math.max(best(s1, s2), best(s2, s1));
}

/** `_rerank_files`: files by fuzzy similarity to the pattern (stable for ties). */
export function rerankFiles(paths: string[], filePattern: string): string[] {
  if (paths.length < 2) return paths;
  const query = filePattern.replaceAll('.py', '').replaceAll('*', '').split('/').filter((p) => p.trim()).join('/');
  return paths
    .map((p, i) => ({ p, i, score: partialRatio(p.replaceAll('.py', ''), query) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((x) => x.p);
}

class HitBuilder implements SearchCodeHit {
  spans: SpanHit[] = [];
  constructor(readonly filePath: string) {}
  contains(spanId: string): boolean {
    return this.spans.some((s) => s.spanId === spanId);
  }
  add(spanId: string, rank = 0, tokens = 0): void {
    if (!this.contains(spanId)) this.spans.push({ spanId, rank, tokens });
  }
  toJSON(): SearchCodeHit {
    return { filePath: this.filePath, spans: this.spans };
  }
}

export class CodeIndex {
  private readonly paths: PathSet;

  constructor(readonly data: IndexData, readonly repo: FileRepository, readonly retriever: Retriever, readonly stats: IndexStats) {
    this.paths = new PathSet(data.files);
  }

  /** Which backend ranks semantic search (record it in the run's manifest/events). */
  get retrieval(): RetrievalInfo {
    return this.retriever.info;
  }

  /**
   * Build (or load from the cache) the index of a checkout and the in-memory FileRepository over its Python files.
   * The repository is always read from the source; the cache saves parsing, chunking and embedding.
   */
  static async build(source: CodeSource, opts: CodeIndexOptions = {}): Promise<CodeIndex> {
    const t0 = performance.now();
    const commit = opts.commit ?? (await source.headCommit());
    const repoKey = opts.repoKey ?? source.description;
    const cacheDir = opts.cacheDir === undefined ? defaultCodeIndexCacheDir() : opts.cacheDir;
    const dir = cacheDir ? join(cacheDir, `${repoKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)}-${createHash('sha256').update(`${repoKey}\0${commit}`).digest('hex').slice(0, 16)}`) : null;

    const files = await source.listFiles();
    const pyFiles = files.filter((p) => isPythonPath(p) && !isHidden(p));
    const contents = await source.readFiles(pyFiles);
    const repo = new FileRepository(contents, source);

    let data: IndexData | null = null;
    let fromCache = false;
    if (dir) {
      try {
        const cached = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as IndexData;
        if (cached.format === INDEX_FORMAT && cached.commit === commit && cached.repoKey === repoKey) {
          data = cached;
          fromCache = true;
        }
      } catch {
        // no cache yet
      }
    }
    let parsedFiles = 0;
    let reusedFiles = 0;
    let threads = 0;
    if (!data) {
      const items: [string, string][] = [];
      for (const p of pyFiles) {
        const c = contents.get(p);
        if (c !== undefined) items.push([p, c]);
      }
      const built = await indexFiles(items, { cacheDir, threads: opts.threads, onParsed: (f) => f.module && repo.seed(f) });
      ({ parsed: parsedFiles, reused: reusedFiles, threads } = built);
      data = assembleIndexData(repoKey, commit, files, new Map(built.entries.map((e) => [e.path, e])));
      if (dir) await writeAtomic(join(dir, 'index.json'), JSON.stringify(data));
    }

    let retriever: Retriever;
    if (opts.embedder) {
      const vectors = await loadOrEmbed(opts.embedder, data.chunks, dir);
      retriever = new VectorRetriever(opts.embedder, vectors);
    } else {
      retriever = new Bm25Retriever(data.chunks.map(chunkSearchText));
    }
    const stats: IndexStats = {
      files: files.length, pythonFiles: pyFiles.length, chunks: data.chunks.length, fromCache, parsedFiles, reusedFiles, threads,
      buildMs: performance.now() - t0, cachePath: dir,
    };
    return new CodeIndex(data, repo, retriever, stats);
  }

  /** `CodeIndex.search`: name lookup first; a query or code snippet goes to semantic search and replaces it. */
  async search(r: SearchRequest): Promise<SearchCodeResponse> {
    const maxResults = r.maxResults ?? 25;
    let result: SearchCodeResponse | undefined;
    if (r.classNames?.length || r.functionNames?.length) {
      result = this.findByName({ classNames: r.classNames, functionNames: r.functionNames, filePattern: r.filePattern });
      if (result.hits.length === 0 && r.classNames?.length && r.functionNames?.length) {
        const results = [
          ...this.findByName({ classNames: r.classNames, filePattern: r.filePattern, includeFunctionsInClass: false }).hits,
          ...this.findByName({ functionNames: r.functionNames, filePattern: r.filePattern }).hits,
        ];
        if (results.length > 0 && results.length <= maxResults) return { message: `Found ${results.length} hits.`, hits: results };
      }
    }
    if (r.query || r.codeSnippet) return this.semanticSearch({ ...r, maxResults });
    if (!result) throw new Error('search needs a query, a code snippet, class names or function names');
    return result;
  }

  /** `CodeIndex.semantic_search` (exact_match_if_possible is never set by the states, so that branch is left out). */
  async semanticSearch(r: SemanticSearchRequest): Promise<SearchCodeResponse> {
    let query = r.query ?? '';
    const category = r.category ?? 'implementation';
    const maxResults = r.maxResults ?? 25;
    const classNames = r.classNames ?? [];
    const functionNames = r.functionNames ?? [];
    if (classNames.length) query += `, class ${pyListRepr(classNames)}`;
    if (functionNames.length) query += `, function ${pyListRepr(functionNames)}`;
    let filePattern = r.filePattern ?? null;
    if (filePattern) {
      const exclude = category !== 'test' ? new Set(this.paths.matchingFiles('**/test*/**')) : new Set<string>();
      const matching = this.paths.matchingFiles(filePattern).filter((f) => !exclude.has(f));
      if (!matching.length) filePattern = null;
    }
    const results = await this.vectorSearch(query, category, filePattern, r.codeSnippet ?? null);
    const files = new Map<string, HitBuilder>();
    let spanCount = 0;
    const names = [...classNames, ...functionNames];
    for (let rank = 0; rank < results.length; rank++) {
      const hit = results[rank];
      const file = this.repo.getFile(hit.filePath);
      if (!file || !file.module) continue;
      const spans = [];
      for (const spanId of hit.spanIds) {
        const span = file.module.findSpanById(spanId);
        if (span) spans.push(span);
        else spans.push(...file.module.findSpansByLineNumbers(hit.startLine, hit.endLine));
      }
      for (const span of spans) {
        if (spanCount <= maxResults) {
          let h = files.get(hit.filePath);
          if (!h) files.set(hit.filePath, (h = new HitBuilder(hit.filePath)));
          if (h.contains(span.spanId)) continue;
          if (names.length && !names.some((n) => span.initiatingBlock.fullPath().includes(n))) continue;
          spanCount++;
          h.add(span.spanId, rank, span.tokens);
          if (r.maxSpansPerFile && h.spans.length >= r.maxSpansPerFile) break;
        }
      }
      if (spanCount > maxResults) break;
    }
    const hits = [...files.values()];
    const total = hits.reduce((a, h) => a + h.spans.length, 0);
    // (The fork's "No files found for file pattern" note is overwritten by this message before it is returned.)
    return { message: `Found ${total} code spans.`, hits: hits.map((h) => h.toJSON()) };
  }

  /** `_vector_search`: the retriever's top 500, then category, test-file, file-pattern and code-snippet filters. */
  async vectorSearch(queryIn: string, category: string, filePattern: string | null, exactContentMatch: string | null): Promise<CodeChunk[]> {
    let query = queryIn;
    if (filePattern) query += ` file:${filePattern}`;
    if (exactContentMatch) query += '\n' + exactContentMatch;
    if (!query) throw new Error('At least one of query, span_keywords or content_keywords must be provided.');
    const ranked = await this.retriever.rank(query, 500);
    let include: Set<string> | null = null;
    if (filePattern) {
      include = new Set(this.paths.matchingFiles(filePattern));
      if (!include.size) return [];
    }
    const exclude = category !== 'test' ? this.paths.findFiles(['**/tests/**', 'tests*', '*_test.py', 'test_*.py']) : new Set<string>();
    const out: CodeChunk[] = [];
    for (const { index } of ranked) {
      const c = this.data.chunks[index];
      if (category && c.category !== category) continue;
      if (exclude.has(c.filePath)) continue;
      if (include && !include.has(c.filePath)) continue;
      if (exactContentMatch && !isStringIn(exactContentMatch, c.content)) continue;
      out.push(c);
    }
    return out;
  }

  /** `CodeIndex.find_by_name`. */
  findByName(r: { classNames?: string[] | null; functionNames?: string[] | null; filePattern?: string | null; includeFunctionsInClass?: boolean; category?: string }): SearchCodeResponse {
    const classNames = r.classNames ?? [];
    const functionNames = r.functionNames ?? [];
    const includeFunctionsInClass = r.includeFunctionsInClass ?? true;
    if (!classNames.length && !functionNames.length) throw new Error('At least one of class_name or function_name must be provided.');
    let paths: [string, string[]][] = [];
    const lookup = (m: NameMap, n: string) => (Object.hasOwn(m, n) ? m[n] : []);
    for (const n of functionNames) paths.push(...lookup(this.data.functions, n));
    for (const n of classNames) paths.push(...lookup(this.data.classes, n));
    if (!paths.length) {
      return { message: functionNames.length ? `No functions found with the name ${pyListRepr(functionNames)}.` : `No classes found with the name ${pyListRepr(classNames)}.`, hits: [] };
    }
    if ((r.category ?? 'implementation') !== 'test') {
      const exclude = new Set(this.paths.matchingFiles('**/test*/**'));
      paths = paths.filter(([f]) => !exclude.has(f));
    }
    let checkAllFiles = false;
    if (r.filePattern) {
      const include = new Set(this.paths.matchingFiles(r.filePattern));
      if (include.size) {
        const filtered = paths.filter(([f]) => include.has(f));
        if (filtered.length) paths = filtered;
        else checkAllFiles = true;
      }
    }
    const files = new Map<string, HitBuilder>();
    for (const [filePath, blockPath] of paths) {
      const module = this.repo.getFile(filePath)?.module;
      const block = module?.findByPath(blockPath);
      if (!block || !block.belongsToSpan) continue;
      if (classNames.length && functionNames.length && !classNames.some((c) => block.findTypeInParents('CLASS')?.identifier === c)) continue;
      let h = files.get(filePath);
      if (!h) files.set(filePath, (h = new HitBuilder(filePath)));
      h.add(block.belongsToSpan.spanId, 0, block.belongsToSpan.tokens);
      if (includeFunctionsInClass && !functionNames.length) {
        for (const child of block.children) {
          if (child.belongsToSpan && !h.contains(child.belongsToSpan.spanId)) h.add(child.belongsToSpan.spanId, 0, child.belongsToSpan.tokens);
        }
      }
    }
    let message: string;
    if (checkAllFiles && files.size > 0) message = `The file pattern ${r.filePattern} didn't match any files. But I found ${files.size} matches in other files.`;
    else if (files.size) message = `Found ${files.size} hits.`;
    else if (classNames.length && functionNames.length) message = `No functions found with the names ${pyListRepr(functionNames)} in class ${pyListRepr(classNames)}.`;
    else if (classNames.length) message = `No classes found with the name ${pyListRepr(classNames)}.`;
    else message = `No functions found with the names ${pyListRepr(functionNames)}.`;
    let order = [...files.keys()];
    if (r.filePattern) order = rerankFiles(order, r.filePattern);
    const hits = order.map((fp, rank) => {
      const h = files.get(fp)!;
      for (const s of h.spans) s.rank = rank;
      return h.toJSON();
    });
    return { message, hits };
  }
}

async function writeAtomic(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/** Chunk vectors for one embedding model, cached beside the index (float32, chunk order). */
async function loadOrEmbed(embedder: Embedder, chunks: CodeChunk[], dir: string | null): Promise<Float32Array[]> {
  const file = dir ? join(dir, `vectors-${createHash('sha256').update(embedder.name).digest('hex').slice(0, 16)}.f32`) : null;
  if (file) {
    try {
      const buf = await readFile(file);
      const dim = buf.readUInt32LE(0);
      const n = buf.readUInt32LE(4);
      if (n === chunks.length && dim > 0) {
        const all = new Float32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + n * dim * 4));
        return Array.from({ length: n }, (_, i) => all.subarray(i * dim, (i + 1) * dim));
      }
    } catch {
      // not cached
    }
  }
  const vectors = (await embedder.embedDocuments(chunks.map(chunkEmbeddingText))).map((v) => Float32Array.from(v));
  if (file && vectors.length) {
    const dim = vectors[0].length;
    const buf = Buffer.alloc(8 + vectors.length * dim * 4);
    buf.writeUInt32LE(dim, 0);
    buf.writeUInt32LE(vectors.length, 4);
    vectors.forEach((v, i) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, 8 + i * dim * 4));
    await writeAtomic(file, buf);
  }
  return vectors;
}
