/**
 * What the Moatless states need from code understanding (parser, spans, file-context rendering, search, editing),
 * as a small typed surface. The implementation over the tree-sitter port lives in the code area; the states only
 * talk to this. Names follow the fork (moatless/file_context.py, codeblocks, index/code_index.py, repository.py).
 */
import type { FileWithSpans } from './actions.js';

export interface RankedFileSpan {
  file_path: string;
  span_id: string;
  rank: number;
  tokens: number;
}

export interface SearchHit {
  file_path: string;
  spans: { span_id: string; rank: number; tokens: number }[];
}

export interface SearchResponse {
  hits: SearchHit[];
  message?: string;
}

export interface SearchArgs {
  file_pattern: string | null;
  query: string | null;
  code_snippet: string | null;
  class_names: string[];
  function_names: string[];
  max_results: number;
}

/** `CodeIndex`: name search plus the semantic (vector or BM25) search over chunks. */
export interface CodeIndex {
  /** Which retrieval backend answers semantic queries, e.g. `bm25` or `embeddings:voyage-code-2`. */
  readonly backend: string;
  search(args: SearchArgs): Promise<SearchResponse>;
  semanticSearch(args: { query: string; max_spans_per_file: number; max_results: number }): Promise<SearchResponse>;
}

export interface RenderOptions {
  show_span_ids: boolean;
  show_line_numbers: boolean;
  exclude_comments: boolean;
  show_outcommented_code: boolean;
  outcomment_code_comment?: string;
}

/** `FileContext`: the spans chosen so far, rendered into prompts. */
export interface FileContext {
  /** Paths of the files in the context, in the order they were added. */
  filePaths(): string[];
  /** Span ids in the context for one file (`FileContext.get_spans`). */
  spanIds(filePath: string): string[];
  addSpanToContext(filePath: string, spanId: string, tokens?: number): void;
  addRankedSpans(spans: RankedFileSpan[]): void;
  addFilesWithSpans(files: FileWithSpans[]): void;
  expandContextWithInitSpans(): void;
  expandContextWithRelatedSpans(maxTokens: number, setTokens?: boolean): void;
  expandSmallClasses(maxTokens: number): void;
  createPrompt(opts: RenderOptions): string;
}

export interface BlockInfo {
  /** CodeBlockType value, e.g. `class`, `function`, `module`. */
  type: string;
  /** CodeBlockTypeGroup.STRUCTURE (module, class, function...). */
  isStructure: boolean;
  start_line: number;
  end_line: number;
  sumTokens: number;
  /** Start line of the first child (where the body begins), if any. */
  firstChildStartLine?: number;
  /** Span ids of the child structures (methods of a class), for ClarifyCodeChange's signatures. */
  childStructureSpanIds: string[];
  /** `has_any_span`: does this block (or its children) own one of these spans. */
  hasAnySpan(spanIds: Set<string>): boolean;
  /** `find_type_group_in_parents(STRUCTURE)`. */
  parentStructure(): BlockInfo | undefined;
}

export interface SpanInfo {
  span_id: string;
  start_line: number;
  end_line: number;
  tokens: number;
  /** The span's initiating block. */
  block: BlockInfo;
}

export interface UpdateResult {
  /** Unified diff of the change (also present when the change was refused). */
  diff?: string;
  updated: boolean;
  error?: string;
}

export interface LintMessage {
  code: string;
  message: string;
  line: number;
}

/** The repository as the agent edits it: file contents, spans, edits written to the checkout, lint. */
export interface CodeRepo {
  /** Current content of a file, or undefined when it does not exist. */
  content(filePath: string): string | undefined;
  findSpanById(filePath: string, spanId: string): SpanInfo | undefined;
  /** `module.find_first_by_start_line`. */
  findFirstByStartLine(filePath: string, line: number): BlockInfo | undefined;
  /**
   * `CodeFile.update_content_by_line_numbers(start_index, end_line, code)`: splice, duplicate-line removal, tree-sitter
   * validation, diff. On success the new content is kept in memory (saved with saveFile).
   */
  updateByLineNumbers(filePath: string, startIndex: number, endLine: number, replacement: string): UpdateResult;
  /** Write the in-memory content to the checkout. */
  saveFile(filePath: string): Promise<void>;
  /** pylint E/F messages for the file as it is on disk; undefined when lint is unavailable (flagged). */
  lint(filePath: string): Promise<LintMessage[] | undefined>;
  countTokens(text: string): number;
}

/** Everything a rollout's states share: the index, the repo and the shared file context. */
export interface MoatlessWorkspace {
  index: CodeIndex;
  repo: CodeRepo;
  fileContext: FileContext;
  createFileContext(maxTokens?: number): FileContext;
}
