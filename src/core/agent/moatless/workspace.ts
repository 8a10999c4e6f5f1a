/**
 * The Moatless agent's workspace over the code area (src/core/code): the checkout in the rollout container read through
 * `runtimeSource`, indexed once per (repository, commit) by `CodeIndex.build` (cached on disk), the fork's FileContext,
 * the editing primitives, and pylint in the container. Edits are written into the container, so the patch is the
 * container checkout's diff, as the fork's was `git diff` of its checkout.
 */
import { CodeIndex as CodeArea, FileContext as CodeFileContext, applyLineEdit, countTokens, runtimeSource, runPylint, type CodeBlock, type FileRepository } from '../../code/index.js';
import { blockTypeValue } from '../../code/codeblock.js';
import { openAIEmbedder } from '../../code/retrieval.js';
import type { Runtime } from '../../runtime/types.js';
import type { AgentContext } from '../types.js';
import type { BlockInfo, CodeIndex, CodeRepo, FileContext, LintMessage, MoatlessWorkspace, RenderOptions, SearchResponse, SpanInfo } from './code-env.js';
import type { MoatlessConfig } from './config.js';
import type { OpenedWorkspace } from './agent.js';

function blockInfo(b: CodeBlock): BlockInfo {
  const structureChildren = b.children.filter((c) => c.belongsToSpan && ['CLASS', 'FUNCTION', 'CONSTRUCTOR', 'MODULE', 'TEST_SUITE', 'TEST_CASE'].includes(c.type));
  return {
    type: blockTypeValue(b.type),
    isStructure: ['CLASS', 'FUNCTION', 'CONSTRUCTOR', 'MODULE', 'TEST_SUITE', 'TEST_CASE'].includes(b.type),
    start_line: b.startLine,
    end_line: b.endLine,
    sumTokens: b.sumTokens(),
    ...(b.children.length ? { firstChildStartLine: b.children[0]!.startLine } : {}),
    childStructureSpanIds: [...new Set(structureChildren.map((c) => c.belongsToSpan!.spanId))],
    hasAnySpan: (ids) => b.hasAnySpan(ids),
    parentStructure: () => {
      const p = b.findTypeGroupInParents('Structures');
      return p ? blockInfo(p) : undefined;
    },
  };
}

function flags(o: RenderOptions) {
  return {
    showSpanIds: o.show_span_ids,
    showLineNumbers: o.show_line_numbers,
    excludeComments: o.exclude_comments,
    showOutcommentedCode: o.show_outcommented_code,
    ...(o.outcomment_code_comment !== undefined ? { outcommentCodeComment: o.outcomment_code_comment } : {}),
  };
}

/** The fork's FileContext behind the states' interface. */
export function contextAdapter(ctx: CodeFileContext): FileContext & { inner: CodeFileContext } {
  return {
    inner: ctx,
    filePaths: () => ctx.contextFiles.map((f) => f.filePath),
    spanIds: (p) => ctx.getSpans(p).map((s) => s.spanId),
    addSpanToContext: (p, id, tokens) => ctx.addSpanToContext(p, id, tokens ?? null),
    addRankedSpans: (spans) => ctx.addRankedSpans(spans.map((s) => ({ filePath: s.file_path, spanId: s.span_id, rank: s.rank, tokens: s.tokens }))),
    addFilesWithSpans: (files) => ctx.addFilesWithSpans(files.map((f) => ({ filePath: f.file_path, spanIds: f.span_ids }))),
    expandContextWithInitSpans: () => ctx.expandContextWithInitSpans(),
    expandContextWithRelatedSpans: (max, set) => ctx.expandContextWithRelatedSpans(max, set ?? false),
    expandSmallClasses: (max) => ctx.expandSmallClasses(max),
    createPrompt: (o) => ctx.createPrompt(flags(o)),
  };
}

function toResponse(r: { hits: { filePath: string; spans: { spanId: string; rank: number; tokens: number }[] }[]; message: string | null }): SearchResponse {
  return {
    hits: r.hits.map((h) => ({ file_path: h.filePath, spans: h.spans.map((s) => ({ span_id: s.spanId, rank: s.rank, tokens: s.tokens })) })),
    ...(r.message ? { message: r.message } : {}),
  };
}

export function indexAdapter(index: CodeArea): CodeIndex {
  const info = index.retrieval;
  return {
    backend: info.backend === 'bm25' ? 'bm25' : `embeddings:${info.model ?? 'unknown'}`,
    search: async (a) =>
      toResponse(
        await index.search({ filePattern: a.file_pattern, query: a.query, codeSnippet: a.code_snippet, classNames: a.class_names, functionNames: a.function_names, maxResults: a.max_results }),
      ),
    semanticSearch: async (a) => toResponse(await index.semanticSearch({ query: a.query, maxSpansPerFile: a.max_spans_per_file, maxResults: a.max_results })),
  };
}

/** The repository as EditCode changes it: edits spliced and validated in memory, saved into the container, linted there. */
export function repoAdapter(repo: FileRepository, shared: CodeFileContext, runtime: Runtime, repoDir: string, lint: boolean): CodeRepo & { lintUnavailable: () => boolean } {
  let unavailable = false;
  return {
    lintUnavailable: () => unavailable,
    content: (p) => repo.getFile(p)?.content,
    findSpanById: (p, id): SpanInfo | undefined => {
      const span = repo.getFile(p)?.module?.findSpanById(id);
      return span ? { span_id: span.spanId, start_line: span.startLine, end_line: span.endLine, tokens: span.tokens, block: blockInfo(span.initiatingBlock) } : undefined;
    },
    findFirstByStartLine: (p, line) => {
      const b = repo.getFile(p)?.module?.findFirstByStartLine(line);
      return b ? blockInfo(b) : undefined;
    },
    updateByLineNumbers: (p, startIndex, endLine, replacement) => {
      const r = applyLineEdit(shared, p, startIndex + 1, endLine, replacement);
      return { updated: r.updated, ...(r.diff ? { diff: r.diff } : {}), ...(r.error ? { error: r.error } : {}) };
    },
    saveFile: async (p) => {
      const f = repo.getFile(p);
      if (!f) throw new Error(`cannot save ${p}: not in the repository`);
      await repo.saveFile(p);
    },
    lint: async (p): Promise<LintMessage[] | undefined> => {
      if (!lint) return undefined;
      const r = await runPylint(runtime, repoDir, p);
      if (!r.available) {
        unavailable = true;
        return undefined;
      }
      return r.errors.map((e) => ({ code: e.code, message: e.message, line: e.line }));
    },
    countTokens: (t) => countTokens(t),
  };
}

/** Opens the workspace of a rollout: index (cached per repo and commit), repository and the shared file context. */
export async function openContainerWorkspace(ctx: AgentContext, config: MoatlessConfig, env: Record<string, string | undefined> = process.env): Promise<OpenedWorkspace> {
  const source = runtimeSource(ctx.runtime, ctx.repoDir);
  const r = config.retrieval;
  let embedder;
  if (r.backend === 'embeddings') {
    if (!r.baseURL || !r.model) throw new Error('retrieval.backend embeddings needs retrieval.baseURL and retrieval.model');
    embedder = openAIEmbedder({ baseURL: r.baseURL, model: r.model, apiKey: (r.apiKeyEnv ? env[r.apiKeyEnv] : undefined) ?? env.OPENAI_API_KEY });
  }
  const index = await CodeArea.build(source, { repoKey: ctx.task.repo, commit: ctx.task.base_commit, ...(embedder ? { embedder } : {}) });
  const shared = new CodeFileContext(index.repo, config.max_file_context_tokens);
  const workspace: MoatlessWorkspace = {
    index: indexAdapter(index),
    repo: repoAdapter(index.repo, shared, ctx.runtime, ctx.repoDir, config.lint),
    fileContext: contextAdapter(shared),
    createFileContext: (maxTokens) => contextAdapter(new CodeFileContext(index.repo, maxTokens ?? 4000)),
  };
  return { workspace, indexedFiles: index.stats.pythonFiles, indexMs: index.stats.buildMs };
}
