/**
 * Retrieval over the EpicSplitter chunks, behind one interface so the Moatless search code above it is the same
 * whatever ranks the chunks:
 * - `vector`: an `Embedder` (any OpenAI-compatible `/v1/embeddings`, e.g. vLLM or SGLang serving an embedding model)
 *   and exact L2 over the chunk vectors, as the fork's faiss `IndexFlatL2` does. SWE-Gym used `voyage-code-2`.
 * - `bm25` (the offline default): Okapi BM25 over the same chunks with a code-aware tokenizer. It is NOT what the
 *   paper used; every run records which backend ranked its search results (`RetrievalInfo`).
 */
import { OpenAiChatModel, type ChatModel } from '../model/index.js';
import type { CodeChunk } from './chunker.js';

export interface RetrievalInfo {
  backend: 'bm25' | 'vector';
  /** Embedding model (vector only). */
  model?: string;
  /** Embedding endpoint base URL (vector only; never a key). */
  endpoint?: string;
  /** A one-line description for manifests, reports and the workbench. */
  label: string;
}

export interface RankedChunk {
  index: number;
  /** BM25 score (higher is better) or L2 distance (lower is better), as the backend ranks. */
  score: number;
}

export interface Retriever {
  readonly info: RetrievalInfo;
  /** Chunks in rank order, best first, at most `topK`. */
  rank(query: string, topK: number): Promise<RankedChunk[]>;
}

export interface Embedder {
  /** `model@endpoint`, used in labels and the vector cache key. */
  readonly name: string;
  readonly model: string;
  readonly endpoint: string;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

export interface OpenAIEmbedderOptions {
  baseURL: string;
  model: string;
  /** The key itself (the caller reads it from the environment; undefined for endpoints without auth). */
  apiKey?: string;
  /** Texts per request (the fork embedded in batches of 50 with Voyage). */
  batchSize?: number;
  timeoutMs?: number;
}

/**
 * An embedder on any OpenAI-compatible `/v1/embeddings` endpoint, through the one model interface (core/model): the
 * same client, retries reported rather than silent (three attempts, as the SDK's two retries were), key masked.
 */
export function openAIEmbedder(o: OpenAIEmbedderOptions): Embedder {
  const model = new OpenAiChatModel({ baseURL: o.baseURL, model: o.model, apiKey: o.apiKey, timeoutMs: o.timeoutMs ?? 120_000, retry: { max_attempts: 3, base_delay_ms: 1000, max_delay_ms: 60_000 } });
  return modelEmbedder(model, o.batchSize);
}

/** An embedder on any ChatModel that embeds, in batches of `batchSize` texts a request. */
export function modelEmbedder(model: ChatModel, batchSize = 50): Embedder {
  const { embed: embedFn } = model;
  if (!embedFn) throw new Error(`model ${model.info.model} does not serve embeddings`);
  const o = { model: model.info.model, baseURL: model.info.base_url ?? '' };
  const embed = async (texts: string[]) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embedFn.call(model, { input: texts.slice(i, i + batchSize) })).vectors);
    return out;
  };
  return {
    name: `${o.model}@${o.baseURL}`,
    model: o.model,
    endpoint: o.baseURL,
    embedDocuments: embed,
    embedQuery: async (t) => (await embed([t]))[0],
  };
}

/**
 * The text the fork embedded for a chunk: llama-index's EMBED metadata mode puts the non-excluded metadata
 * (file_path, category, span_ids as a Python list) before the content.
 */
export function chunkEmbeddingText(c: CodeChunk): string {
  const ids = `[${c.spanIds.map((s) => `'${s}'`).join(', ')}]`;
  return `file_path: ${c.filePath}\ncategory: ${c.category}\nspan_ids: ${ids}\n\n${c.content}`;
}

// ---------------------------------------------------------------------------------------------------------------
// BM25

const STOPWORDS = new Set(
  ('a an and are as at be but by for from has have i if in into is it its of on or that the their then there these ' +
    'this to was were will with when which while who why how what should would could can not no do does did so than ' +
    'we you they he she them our your my me us also any all some such via').split(' '),
);

/**
 * Code-aware terms: identifiers whole (lowercased) and split at `_`, camelCase and digit boundaries, dotted paths
 * whole as well (`os.path.join`), numbers; English stopwords dropped. Identifier parts shorter than 2 characters drop.
 */
/** Terms of one matched word; code repeats its identifiers, so they are memoised (bounded). */
const wordTermsCache = new Map<string, readonly string[]>();

function wordTerms(word: string): readonly string[] {
  let out = wordTermsCache.get(word);
  if (out) return out;
  const terms: string[] = [];
  if (/^\d+$/.test(word)) terms.push(word);
  else {
    const dotted = word.split('.');
    if (dotted.length > 1) terms.push(word.toLowerCase());
    for (const ident of dotted) {
      const identLower = ident.toLowerCase();
      const parts = ident
        .split(/_+/)
        .flatMap((p) => p.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/))
        .map((p) => p.toLowerCase())
        .filter((p) => p.length > 1 && !STOPWORDS.has(p));
      if (parts.length !== 1 || parts[0] !== identLower) {
        if (!STOPWORDS.has(identLower) && identLower.replace(/_/g, '').length > 1) terms.push(identLower);
      }
      terms.push(...parts);
    }
  }
  if (wordTermsCache.size > 100_000) wordTermsCache.clear();
  wordTermsCache.set(word, (out = terms));
  return out;
}

export function codeTerms(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\d+/g)) {
    for (const t of wordTerms(m[0])) out.push(t);
  }
  return out;
}

/** What BM25 indexes for a chunk: its path, span ids and code. */
export function chunkSearchText(c: CodeChunk): string {
  return `${c.filePath} ${c.spanIds.join(' ')}\n${c.content}`;
}

export class Bm25Retriever implements Retriever {
  readonly info: RetrievalInfo = { backend: 'bm25', label: 'bm25 (offline, code-aware Okapi BM25 over EpicSplitter chunks)' };
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly docLen: Float64Array;
  private readonly avgLen: number;

  constructor(texts: string[], private readonly k1 = 1.2, private readonly b = 0.75) {
    this.docLen = new Float64Array(texts.length);
    let total = 0;
    texts.forEach((t, doc) => {
      const terms = codeTerms(t);
      this.docLen[doc] = terms.length;
      total += terms.length;
      const tf = new Map<string, number>();
      for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
      for (const [term, n] of tf) {
        let p = this.postings.get(term);
        if (!p) this.postings.set(term, (p = []));
        p.push({ doc, tf: n });
      }
    });
    this.avgLen = texts.length ? total / texts.length : 0;
  }

  get size(): number {
    return this.docLen.length;
  }

  async rank(query: string, topK: number): Promise<RankedChunk[]> {
    return this.rankSync(query, topK);
  }

  rankSync(query: string, topK: number): RankedChunk[] {
    const n = this.docLen.length;
    const scores = new Float64Array(n);
    const touched: number[] = [];
    for (const term of new Set(codeTerms(query))) {
      const p = this.postings.get(term);
      if (!p) continue;
      const idf = Math.log(1 + (n - p.length + 0.5) / (p.length + 0.5));
      for (const { doc, tf } of p) {
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * this.docLen[doc]) / (this.avgLen || 1)));
      }
    }
    // Ties keep chunk order (deterministic).
    touched.sort((x, y) => scores[y] - scores[x] || x - y);
    return touched.slice(0, topK).map((index) => ({ index, score: scores[index] }));
  }
}

/** Exact L2 over chunk vectors (the fork's faiss IndexFlatL2), the query embedded by the same model. */
export class VectorRetriever implements Retriever {
  readonly info: RetrievalInfo;

  constructor(private readonly embedder: Embedder, private readonly vectors: Float32Array[]) {
    this.info = { backend: 'vector', model: embedder.model, endpoint: embedder.endpoint, label: `vector (${embedder.model} via ${embedder.endpoint}, exact L2)` };
  }

  async rank(query: string, topK: number): Promise<RankedChunk[]> {
    const q = await this.embedder.embedQuery(query);
    const dist = this.vectors.map((v, index) => {
      let d = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i] - (q[i] ?? 0);
        d += x * x;
      }
      return { index, score: d };
    });
    dist.sort((a, b) => a.score - b.score || a.index - b.index);
    return dist.slice(0, topK);
  }
}
