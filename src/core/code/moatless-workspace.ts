/**
 * The code area behind the Moatless agent's typed surface (`agent/moatless/code-env.ts`): index, repository and file
 * contexts over the tree-sitter port, for a checkout inside the rollout container (reads and writes through the
 * Runtime; pylint runs there too). `openMoatlessWorkspace` is the agent's `openWorkspace` dependency.
 */
import type { AgentContext } from '../agent/types.js';
import type { OpenedWorkspace } from '../agent/moatless/agent.js';
import type {
  BlockInfo, CodeIndex as AgentIndex, CodeRepo, FileContext as AgentFileContext, LintMessage, MoatlessWorkspace,
  RenderOptions, SearchResponse, SpanInfo,
} from '../agent/moatless/code-env.js';
import type { MoatlessConfig } from '../agent/moatless/config.js';
import type { Runtime } from '../runtime/types.js';
import { blockTypeGroup, blockTypeValue, type BlockSpan, type CodeBlock } from './codeblock.js';
import { CodeIndex, type SearchCodeResponse } from './code-index.js';
import { updateContentByLineNumbers } from './editing.js';
import { FileContext, type PromptFlags } from './file-context.js';
import { runPylint } from './lint.js';
import { countTokens } from './parser.js';
import { runtimeSource } from './repository.js';
import { openAIEmbedder, type Embedder, type RetrievalInfo } from './retrieval.js';

/** `bm25`, or `embeddings:<model>` for the vector backend (what manifests and events record). */
export function backendName(info: RetrievalInfo): string {
  return info.backend === 'bm25' ? 'bm25' : `embeddings:${info.model}`;
}

function toResponse(r: SearchCodeResponse): SearchResponse {
  return {
    message: r.message ?? undefined,
    hits: r.hits.map((h) => ({ file_path: h.filePath, spans: h.spans.map((s) => ({ span_id: s.spanId, rank: s.rank, tokens: s.tokens })) })),
  };
}

function blockInfo(b: CodeBlock): BlockInfo {
  return {
    type: blockTypeValue(b.type).toLowerCase(),
    isStructure: blockTypeGroup(b.type) === 'Structures',
    start_line: b.startLine,
    end_line: b.endLine,
    sumTokens: b.sumTokens(),
    firstChildStartLine: b.children[0]?.startLine,
    childStructureSpanIds: [...new Set(b.children.filter((c) => blockTypeGroup(c.type) === 'Structures' && c.belongsToSpan).map((c) => c.belongsToSpan!.spanId))],
    hasAnySpan: (ids) => b.hasAnySpan(ids),
    parentStructure: () => {
      const p = b.findTypeGroupInParents('Structures');
      return p ? blockInfo(p) : undefined;
    },
  };
}

function spanInfo(s: BlockSpan): SpanInfo {
  return { span_id: s.spanId, start_line: s.startLine, end_line: s.endLine, tokens: s.tokens, block: blockInfo(s.initiatingBlock) };
}

function flags(o: RenderOptions): PromptFlags {
  return {
    showSpanIds: o.show_span_ids,
    showLineNumbers: o.show_line_numbers,
    excludeComments: o.exclude_comments,
    showOutcommentedCode: o.show_outcommented_code,
    ...(o.outcomment_code_comment !== undefined ? { outcommentCodeComment: o.outcomment_code_comment } : {}),
  };
}

/** The agent's FileContext over ours. */
export function agentFileContext(fc: FileContext): AgentFileContext {
  return {
    filePaths: () => fc.contextFiles.map((f) => f.filePath),
    spanIds: (p) => [...(fc.getFile(p)?.spanIds ?? [])],
    addSpanToContext: (p, id, tokens) => fc.addSpanToContext(p, id, tokens ?? null),
    addRankedSpans: (spans) => fc.addRankedSpans(spans.map((s) => ({ filePath: s.file_path, spanId: s.span_id, rank: s.rank, tokens: s.tokens }))),
    addFilesWithSpans: (files) => fc.addFilesWithSpans(files.map((f) => ({ filePath: f.file_path, spanIds: f.span_ids }))),
    expandContextWithInitSpans: () => fc.expandContextWithInitSpans(),
    expandContextWithRelatedSpans: (max, setTokens) => fc.expandContextWithRelatedSpans(max, setTokens ?? false),
    expandSmallClasses: (max) => fc.expandSmallClasses(max),
    createPrompt: (o) => fc.createPrompt(flags(o)),
  };
}

export interface WorkspaceOptions {
  /** The container the checkout lives in (for pylint); without it lint is unavailable (flagged). */
  runtime?: Runtime;
  repoDir?: string;
  /** The shared context's budget (the fork's Evaluation max_file_context_tokens, 16000). */
  maxFileContextTokens?: number;
}

/** A MoatlessWorkspace over a built index (its repository is the one the agent edits). */
export function moatlessWorkspace(index: CodeIndex, o: WorkspaceOptions = {}): MoatlessWorkspace {
  const repo = index.repo;
  const shared = new FileContext(repo, o.maxFileContextTokens ?? 16000);
  const agentIndex: AgentIndex = {
    backend: backendName(index.retrieval),
    search: async (a) => toResponse(await index.search({
      query: a.query, codeSnippet: a.code_snippet, classNames: a.class_names, functionNames: a.function_names, filePattern: a.file_pattern, maxResults: a.max_results,
    })),
    semanticSearch: async (a) => toResponse(await index.semanticSearch({ query: a.query, maxSpansPerFile: a.max_spans_per_file, maxResults: a.max_results })),
  };
  const codeRepo: CodeRepo = {
    content: (p) => repo.getFile(p)?.content,
    findSpanById: (p, id) => {
      const s = repo.getFile(p)?.module?.findSpanById(id);
      return s ? spanInfo(s) : undefined;
    },
    findFirstByStartLine: (p, line) => {
      const b = repo.getFile(p)?.module?.findFirstByStartLine(line);
      return b ? blockInfo(b) : undefined;
    },
    updateByLineNumbers: (p, startIndex, endLine, replacement) => {
      const file = repo.getFile(p);
      if (!file) throw new Error(`${p} is not in the repository`);
      const r = updateContentByLineNumbers(file, startIndex, endLine, replacement);
      if (r.updated && r.file) {
        repo.setFile(r.file);
        // ContextFile.update_content_by_line_numbers: the edit's new spans join the shared context.
        if (r.newSpanIds.length) shared.getFile(p)?.addSpans(r.newSpanIds);
      }
      return { updated: r.updated, ...(r.diff ? { diff: r.diff } : {}), ...(r.error ? { error: r.error } : {}) };
    },
    saveFile: (p) => repo.saveFile(p),
    lint: async (p): Promise<LintMessage[] | undefined> => {
      if (!o.runtime || !o.repoDir) return undefined;
      const r = await runPylint(o.runtime, o.repoDir, p);
      return r.available ? r.errors.map((e) => ({ code: e.code, message: e.message, line: e.line })) : undefined;
    },
    countTokens,
  };
  return {
    index: agentIndex,
    repo: codeRepo,
    fileContext: agentFileContext(shared),
    createFileContext: (max) => agentFileContext(new FileContext(repo, max ?? 4000)),
  };
}

/** The embedder the config asks for, or none (BM25). The key is read from the named environment variable only. */
export function embedderFromConfig(r: MoatlessConfig['retrieval']): Embedder | undefined {
  if (r.backend !== 'embeddings') return undefined;
  if (!r.baseURL || !r.model) throw new Error('moatless retrieval: backend "embeddings" needs retrieval.baseURL and retrieval.model');
  return openAIEmbedder({ baseURL: r.baseURL, model: r.model, apiKey: r.apiKeyEnv ? process.env[r.apiKeyEnv] : undefined });
}

/**
 * The agent's `openWorkspace`: index the checkout in the rollout container at the task's base commit (cached per
 * repository and commit) before any edit, and return the workspace over it.
 */
export async function openMoatlessWorkspace(ctx: AgentContext, config: MoatlessConfig): Promise<OpenedWorkspace> {
  const index = await CodeIndex.build(runtimeSource(ctx.runtime, ctx.repoDir), {
    repoKey: ctx.task.repo,
    commit: ctx.task.base_commit,
    embedder: embedderFromConfig(config.retrieval),
  });
  const workspace = moatlessWorkspace(index, { runtime: ctx.runtime, repoDir: ctx.repoDir, maxFileContextTokens: config.max_file_context_tokens });
  return { workspace, indexedFiles: index.stats.pythonFiles, indexMs: Math.round(index.stats.buildMs) };
}
