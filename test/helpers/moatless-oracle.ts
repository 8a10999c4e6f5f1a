/**
 * Reads the Moatless oracle (test/fixtures/moatless-oracle: what the fork's own Python parser and
 * FileContext.create_prompt returned) and serialises our port's structures into the same JSON shape, so the tests
 * compare field by field.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FileContext, FileRepository, SPAN_TYPE_NAME, relationshipToString, type BlockSpan, type CodeBlock, type Module, type PromptFlags,
} from '../../src/core/code/index.js';

export const ORACLE_DIR = fileURLToPath(new URL('../fixtures/moatless-oracle/', import.meta.url));

export interface OracleRender {
  name: string;
  span_ids: string[] | null;
  tokens: number | null;
  expand_init: boolean;
  create_prompt_kwargs: Record<string, unknown>;
  context_spans: { span_id: string; tokens: number | null }[];
  output: string;
}

export interface OracleFile {
  file_path: string;
  source: string;
  to_string_roundtrip_equal: boolean;
  spans: unknown[];
  related_span_ids: Record<string, string[]>;
  errors: unknown[];
  validation_errors: unknown[];
  module: unknown;
  chosen_span_ids: string[];
  renders: OracleRender[];
}

export function oracleFiles(): OracleFile[] {
  return readdirSync(ORACLE_DIR)
    .filter((f) => /^\d\d_.*\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(ORACLE_DIR, f), 'utf8')) as OracleFile);
}

export function spanToOracle(s: BlockSpan): unknown {
  return {
    span_id: s.spanId,
    span_type: s.spanType,
    span_type_name: SPAN_TYPE_NAME[s.spanType],
    start_line: s.startLine,
    end_line: s.endLine,
    tokens: s.tokens,
    index: s.index,
    is_partial: s.isPartial,
    parent_block_path: s.parentBlockPath,
    initiating_block: { type: s.initiatingBlock.type, path: s.initiatingBlock.fullPath() },
    block_paths: s.blockPaths,
  };
}

export function blockToOracle(b: CodeBlock): unknown {
  return {
    type: b.type,
    identifier: b.identifier,
    path: b.fullPath(),
    start_line: b.startLine,
    end_line: b.endLine,
    span_id: b.belongsToSpan ? b.belongsToSpan.spanId : null,
    span_ids: [...b.spanIds].sort(),
    tokens: b.tokens,
    pre_lines: b.preLines,
    indentation: b.indentation,
    pre_code: b.preCode,
    content: b.content,
    tree_sitter_type: b.properties.treeSitterType,
    query: b.properties.query,
    relationships: b.relationships.map(relationshipToString),
    parameters: b.parameters.map((p) => ({ identifier: p.identifier, type: p.type })),
    validation_errors: b.validationErrors,
    children: b.children.map(blockToOracle),
  };
}

export function errorsToOracle(m: Module): unknown[] {
  return m.findErrors().map((e) => ({ type: e.type, start_line: e.startLine, end_line: e.endLine, content: e.content }));
}

export function relatedToOracle(m: Module): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const id of m.spansById.keys()) out[id] = [...m.findRelatedSpanIds(id)].sort();
  return out;
}

/** `create_prompt` kwargs as the oracle records them (snake_case) → our flags. */
export function flagsFromKwargs(k: Record<string, unknown>): PromptFlags {
  const f: PromptFlags = {};
  if ('show_span_ids' in k) f.showSpanIds = k.show_span_ids as boolean;
  if ('show_line_numbers' in k) f.showLineNumbers = k.show_line_numbers as boolean;
  if ('exclude_comments' in k) f.excludeComments = k.exclude_comments as boolean;
  if ('show_outcommented_code' in k) f.showOutcommentedCode = k.show_outcommented_code as boolean;
  if ('outcomment_code_comment' in k) f.outcommentCodeComment = k.outcomment_code_comment as string;
  return f;
}

/** Fill a fresh FileContext as the oracle's generator did for one render (see the oracle README's table). */
export function renderLikeOracle(f: OracleFile, r: OracleRender): { context: FileContext; output: string } {
  const repo = new FileRepository(new Map([[f.file_path, f.source]]));
  const fc = new FileContext(repo, 4000);
  if (r.span_ids === null) fc.addFile(f.file_path, true);
  else for (const id of r.span_ids) fc.addSpanToContext(f.file_path, id, r.tokens);
  if (r.expand_init) fc.expandContextWithInitSpans();
  return { context: fc, output: fc.createPrompt(flagsFromKwargs(r.create_prompt_kwargs)) };
}
