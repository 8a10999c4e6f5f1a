/**
 * The Moatless code-block tree (SWE-Gym/Moatless-Agent-Fork 816c6a2, `moatless/codeblocks/codeblocks.py` and
 * `module.py`, v0.0.2 semantics): blocks, spans, relationships. Only the parts the agent, search, rendering and
 * editing use are ported; the behaviour (including its odd corners) follows the Python code, because span ids and
 * renders must equal the fork's byte for byte (test/fixtures/moatless-oracle).
 */

export type BlockTypeGroup = 'Structures' | 'Implementation' | 'Imports' | 'BlockDelimiter' | 'Space' | 'Comment' | 'Error';

/** CodeBlockType name → [value, group], as the Python enum declares them. */
const BLOCK_TYPES = {
  MODULE: ['Module', 'Structures'],
  CLASS: ['Class', 'Structures'],
  FUNCTION: ['Function', 'Structures'],
  CONSTRUCTOR: ['Constructor', 'Structures'],
  TEST_SUITE: ['TestSuite', 'Structures'],
  TEST_CASE: ['TestCase', 'Structures'],
  IMPORT: ['Import', 'Imports'],
  EXPORT: ['Export', 'Implementation'],
  COMPOUND: ['Compound', 'Implementation'],
  DEPENDENT_CLAUSE: ['DependentClause', 'Implementation'],
  ASSIGNMENT: ['Assignment', 'Implementation'],
  CALL: ['Call', 'Implementation'],
  STATEMENT: ['Statement', 'Implementation'],
  CODE: ['Code', 'Implementation'],
  BLOCK_DELIMITER: ['BlockDelimiter', 'BlockDelimiter'],
  SPACE: ['Space', 'Space'],
  COMMENT: ['Comment', 'Comment'],
  COMMENTED_OUT_CODE: ['Placeholder', 'Comment'],
  ERROR: ['Error', 'Error'],
} as const satisfies Record<string, readonly [string, BlockTypeGroup]>;

export type BlockType = keyof typeof BLOCK_TYPES;

export function blockTypeGroup(type: BlockType): BlockTypeGroup {
  return BLOCK_TYPES[type][1];
}

export function blockTypeValue(type: BlockType): string {
  return BLOCK_TYPES[type][0];
}

const TAG_TO_BLOCK_TYPE: Record<string, BlockType> = {
  'definition.assignment': 'ASSIGNMENT',
  'definition.block_delimiter': 'BLOCK_DELIMITER',
  'definition.call': 'CALL',
  'definition.class': 'CLASS',
  'definition.code': 'CODE',
  'definition.comment': 'COMMENT',
  'definition.compound': 'COMPOUND',
  'definition.constructor': 'CONSTRUCTOR',
  'definition.dependent_clause': 'DEPENDENT_CLAUSE',
  'definition.error': 'ERROR',
  'definition.export': 'EXPORT',
  'definition.function': 'FUNCTION',
  'definition.import': 'IMPORT',
  'definition.module': 'MODULE',
  'definition.statement': 'STATEMENT',
  'definition.test_suite': 'TEST_SUITE',
  'definition.test_case': 'TEST_CASE',
};

/** `CodeBlockType.from_string`: only `definition.*` capture names name a block type. */
export function blockTypeFromTag(tag: string): BlockType | undefined {
  if (!tag.startsWith('definition')) return undefined;
  return TAG_TO_BLOCK_TYPE[tag];
}

export type ReferenceScope = 'external' | 'dependency' | 'file' | 'project' | 'class' | 'local' | 'global';
export type RelationshipType =
  | 'utilizes' | 'uses' | 'defined_by' | 'is_a' | 'provides' | 'imports' | 'calls' | 'dependency' | 'type';

export interface Relationship {
  scope: ReferenceScope;
  identifier: string | null;
  type: RelationshipType;
  externalPath: string[];
  path: string[];
}

export function relationship(r: Partial<Relationship> & { scope: ReferenceScope }): Relationship {
  const rel: Relationship = {
    scope: r.scope,
    identifier: r.identifier ?? null,
    type: r.type ?? 'uses',
    externalPath: r.externalPath ?? [],
    path: r.path ?? [],
  };
  // The pydantic root validator: a reference must point somewhere.
  if (rel.externalPath.length === 0 && rel.path.length === 0) throw new Error('Cannot create Reference without external_path or path.');
  return rel;
}

/** `str(Relationship)`, e.g. `(text)-[:USES {scope: local}]->(str)`. */
export function relationshipToString(r: Relationship): string {
  let end = '';
  if (r.externalPath.length) end = r.externalPath.join('/');
  if (r.path.length) {
    if (r.externalPath.length) end += '/';
    end += r.path.join('.');
  }
  return `(${r.identifier ?? ''})-[:${r.type.toUpperCase()} {scope: ${r.scope}}]->(${end})`;
}

export interface Parameter {
  identifier: string;
  type: string | null;
}

export type SpanType = 'init' | 'docs' | 'impl';
export const SPAN_TYPE_NAME: Record<SpanType, string> = { init: 'INITATION', docs: 'DOCUMENTATION', impl: 'IMPLEMENTATION' };

export class BlockSpan {
  spanId: string;
  spanType: SpanType;
  startLine: number;
  endLine: number;
  initiatingBlock: CodeBlock;
  index: number;
  parentBlockPath: string[];
  isPartial: boolean;
  blockPaths: string[][] = [];
  tokens = 0;

  constructor(a: {
    spanId: string; spanType: SpanType; startLine: number; endLine: number; initiatingBlock: CodeBlock;
    parentBlockPath: string[]; isPartial?: boolean; index?: number;
  }) {
    this.spanId = a.spanId;
    this.spanType = a.spanType;
    this.startLine = a.startLine;
    this.endLine = a.endLine;
    this.initiatingBlock = a.initiatingBlock;
    this.parentBlockPath = a.parentBlockPath;
    this.isPartial = a.isPartial ?? false;
    this.index = a.index ?? 0;
  }

  get blockType(): BlockType {
    return this.initiatingBlock.type;
  }
}

const PRE_CODE_RE = /^[ \n\\]*$/;

export interface CodeBlockInit {
  type: BlockType;
  content: string;
  identifier?: string | null;
  parent?: CodeBlock | null;
  previous?: CodeBlock | null;
  parameters?: Parameter[];
  relationships?: Relationship[];
  startLine?: number;
  endLine?: number;
  preCode?: string;
  preLines?: number;
  indentation?: string;
  tokens?: number;
  properties?: { query: string | null; treeSitterType: string | null };
}

export class CodeBlock {
  content: string;
  type: BlockType;
  identifier: string | null;
  parameters: Parameter[];
  relationships: Relationship[];
  spanIds = new Set<string>();
  belongsToSpan: BlockSpan | null = null;
  contentLines: string[];
  startLine: number;
  endLine: number;
  properties: { query: string | null; treeSitterType: string | null };
  preCode: string;
  preLines: number;
  indentation: string;
  tokens: number;
  children: CodeBlock[] = [];
  validationErrors: string[] = [];
  parent: CodeBlock | null;
  previous: CodeBlock | null;
  next: CodeBlock | null = null;

  constructor(d: CodeBlockInit) {
    this.content = d.content;
    this.type = d.type;
    this.identifier = d.identifier ?? null;
    this.parameters = d.parameters ?? [];
    this.relationships = d.relationships ?? [];
    this.startLine = d.startLine ?? 0;
    this.endLine = d.endLine ?? 0;
    this.properties = d.properties ?? { query: null, treeSitterType: null };
    this.preCode = d.preCode ?? '';
    this.preLines = d.preLines ?? 0;
    this.indentation = d.indentation ?? '';
    this.tokens = d.tokens ?? 0;
    this.parent = d.parent ?? null;
    this.previous = d.previous ?? null;
    if (this.preCode && !PRE_CODE_RE.test(this.preCode)) {
      throw new CodeParseError(
        `Failed to parse code block with type ${this.type} and content \`${this.content}\`. ` +
          `Expected pre_code to only contain spaces and line breaks. Got \`${this.preCode}\``,
      );
    }
    if (this.preCode && !this.indentation && !this.preLines) {
      const preCodeLines = this.preCode.split('\n');
      this.preLines = preCodeLines.length - 1;
      this.indentation = this.preLines > 0 ? preCodeLines[preCodeLines.length - 1] : this.preCode;
    }
    this.contentLines = this.content.split('\n');
  }

  appendChild(child: CodeBlock): void {
    this.children.push(child);
    for (const id of child.spanIds) this.spanIds.add(id);
    child.parent = this;
  }

  sumTokens(): number {
    let tokens = this.tokens;
    for (const c of this.children) tokens += c.sumTokens();
    return tokens;
  }

  fullPath(): string[] {
    const path = this.parent ? this.parent.fullPath() : [];
    if (this.identifier) path.push(this.identifier);
    return path;
  }

  pathString(): string {
    return this.fullPath().join('.');
  }

  /** Python's `CodeBlock.__eq__`: two blocks are equal when their full paths are. */
  samePathAs(other: CodeBlock): boolean {
    const a = this.fullPath();
    const b = other.fullPath();
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  get module(): Module {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let b: CodeBlock = this;
    while (b.parent) b = b.parent;
    return b as Module;
  }

  toString(): string {
    let contents = '';
    if (this.preLines) {
      contents += '\n'.repeat(this.preLines - 1);
      this.contentLines.forEach((line, i) => {
        if (i === 0 && line) contents += '\n' + this.indentation + line;
        else if (line) contents += '\n' + line;
        else contents += '\n';
      });
    } else {
      contents += this.preCode + this.content;
    }
    for (const child of this.children) contents += child.toString();
    return contents;
  }

  /** `_to_prompt_string`: the block's own lines, optionally with a span tag and `str(n).ljust(6)` line numbers. */
  toPromptString(opts: { showSpanId?: boolean; spanMarker?: 'tag' | 'comment'; showLineNumbers?: boolean } = {}): string {
    const showLineNumbers = opts.showLineNumbers ?? false;
    const marker = opts.spanMarker ?? 'comment';
    let contents = '';
    if (opts.showSpanId) {
      contents += '\n\n';
      const spanId = this.belongsToSpan!.spanId;
      if (marker === 'comment') contents += `${this.indentation}${createComment(`span_id: ${spanId}`)}`;
      else contents += `\n<span id='${spanId}'>`;
      if (!this.preLines) contents += '\n';
    }
    const printLine = (n: number) => (showLineNumbers ? String(n).padEnd(6) : '');
    if (this.parent && this.parent.type === 'MODULE' && this.parent.children[0]?.samePathAs(this)) {
      contents += printLine(this.startLine);
    }
    for (let i = 0; i < this.preLines; i++) {
      contents += '\n';
      contents += printLine(this.startLine - this.preLines + i + 1);
    }
    contents += this.indentation + this.contentLines[0];
    for (let i = 1; i < this.contentLines.length; i++) {
      contents += '\n';
      contents += printLine(this.startLine + i);
      contents += this.contentLines[i];
    }
    return contents;
  }

  findTypeInParents(type: BlockType): CodeBlock | null {
    if (!this.parent) return null;
    if (this.parent.type === type) return this.parent;
    return this.parent.findTypeInParents(type);
  }

  findTypeGroupInParents(group: BlockTypeGroup): CodeBlock | null {
    if (!this.parent) return null;
    if (blockTypeGroup(this.parent.type) === group) return this.parent;
    return this.parent.findTypeGroupInParents(group);
  }

  structureBlock(): CodeBlock | null {
    if (blockTypeGroup(this.type) === 'Structures') return this;
    return this.parent ? this.parent.structureBlock() : null;
  }

  findByPath(path: string[] | null | undefined): CodeBlock | null {
    if (path == null) return null;
    if (path.length === 0) return this;
    for (const child of this.children) {
      if (child.identifier === path[0]) {
        return path.length === 1 ? child : child.findByPath(path.slice(1));
      }
    }
    return null;
  }

  findErrors(): CodeBlock[] {
    const errors: CodeBlock[] = [];
    for (const c of this.children) errors.push(...c.findErrors());
    if (this.type === 'ERROR') errors.push(this);
    return errors;
  }

  findValidationErrors(): string[] {
    const errors = [...this.validationErrors];
    for (const c of this.children) errors.push(...c.findValidationErrors());
    return errors;
  }

  findBlocksWithTypes(types: BlockType[]): CodeBlock[] {
    const out: CodeBlock[] = [];
    if (types.includes(this.type)) out.push(this);
    for (const c of this.children) out.push(...c.findBlocksWithTypes(types));
    return out;
  }

  findBlocksBySpanId(spanId: string): CodeBlock[] {
    const out: CodeBlock[] = [];
    if (this.belongsToSpan && this.belongsToSpan.spanId === spanId) out.push(this);
    for (const c of this.children) out.push(...c.findBlocksBySpanId(spanId));
    return out;
  }

  findFirstByStartLine(startLine: number): CodeBlock | null {
    for (const child of this.children) {
      if (child.startLine >= startLine) return child;
      if (child.endLine >= startLine) {
        if (!child.children.length) return child;
        const found = child.findFirstByStartLine(startLine);
        if (found) return found;
      }
    }
    return null;
  }

  /** `find_spans_by_line_numbers`. */
  findSpansByLineNumbers(startLine: number, endLine?: number): BlockSpan[] {
    const spans: BlockSpan[] = [];
    const end = endLine ?? startLine;
    for (const child of this.children) {
      if (child.endLine < startLine) continue;
      if (child.startLine > end) return spans;
      const s = child.belongsToSpan;
      if (s && !spans.includes(s)) {
        if (!child.children.length || (child.startLine >= startLine && child.endLine <= end) ||
            child.startLine === startLine || child.endLine === end) spans.push(s);
      }
      for (const span of child.findSpansByLineNumbers(startLine, end)) if (!spans.includes(span)) spans.push(span);
    }
    return spans;
  }

  getAllSpanIds(includeSelf = true): Set<string> {
    const ids = new Set<string>();
    if (includeSelf && this.belongsToSpan) ids.add(this.belongsToSpan.spanId);
    for (const c of this.children) for (const id of c.getAllSpanIds()) ids.add(id);
    return ids;
  }

  hasAnySpan(spanIds: Set<string>): boolean {
    if (spanIds.size === 0) return false;
    const all = this.getAllSpanIds(false);
    for (const id of spanIds) if (all.has(id)) return true;
    return false;
  }

  belongsToAnySpan(spanIds: Set<string>): boolean {
    return !!this.belongsToSpan && spanIds.has(this.belongsToSpan.spanId);
  }

  hasLines(startLine: number, endLine: number): boolean {
    return !(this.endLine < startLine || this.startLine > endLine);
  }

  isWithinLines(startLine: number, endLine: number): boolean {
    return this.startLine >= startLine && this.endLine <= endLine;
  }

  /** `create_commented_out_block`: the `# ... rest of the code` placeholder that stands for hidden siblings. */
  createCommentedOutBlock(comment = '...'): CodeBlock {
    return new CodeBlock({ type: 'COMMENTED_OUT_CODE', indentation: this.indentation, parent: this, preLines: 1, content: createComment(comment) });
  }

  /** The `to_prompt` of `CodeBlock` (span/line filters; used by the clarify and edit states and the verifier). */
  toPrompt(o: {
    spanIds?: Set<string> | null; startLine?: number | null; endLine?: number | null; showOutcommentedCode?: boolean;
    outcommentCodeComment?: string; showSpanId?: boolean; currentSpanId?: string | null; showLineNumbers?: boolean;
    excludeBlockTypes?: BlockType[] | null; includeBlockTypes?: BlockType[] | null;
  } = {}): string {
    const showOutcommented = o.showOutcommentedCode ?? true;
    const comment = o.outcommentCodeComment ?? '...';
    let currentSpanId = o.currentSpanId ?? null;
    let contents = '';
    let hasOutcommented = false;
    let child: CodeBlock | undefined;
    for (child of this.children) {
      let show = true;
      if (o.excludeBlockTypes && o.excludeBlockTypes.includes(child.type)) show = false;
      if (show && o.spanIds && o.spanIds.size) show = child.hasAnySpan(o.spanIds);
      if (show && o.includeBlockTypes && o.includeBlockTypes.length) show = child.findBlocksWithTypes(o.includeBlockTypes).length > 0;
      if (show && o.startLine && o.endLine) {
        show = child.hasLines(o.startLine, o.endLine) || child.isWithinLines(o.startLine, o.endLine);
      }
      if (show) {
        if (hasOutcommented) contents += child.createCommentedOutBlock(comment).toString();
        hasOutcommented = false;
        const showNew = !!o.showSpanId && !!child.belongsToSpan && (!currentSpanId || currentSpanId !== child.belongsToSpan.spanId);
        if (child.belongsToSpan) currentSpanId = child.belongsToSpan.spanId;
        contents += child.toPromptString({ showSpanId: showNew, showLineNumbers: o.showLineNumbers });
        contents += child.toPrompt({ ...o, currentSpanId });
      } else if (showOutcommented && child.type !== 'COMMENT' && child.type !== 'COMMENTED_OUT_CODE') {
        hasOutcommented = true;
      }
    }
    if (comment && hasOutcommented && child && !['COMMENT', 'COMMENTED_OUT_CODE', 'SPACE'].includes(child.type)) {
      contents += o.showLineNumbers ? '\n.    ' : '\n';
      contents += child.createCommentedOutBlock(comment).toString();
      contents += '\n';
    }
    return contents;
  }
}

/** Python comments only (the fork hard-codes `get_comment_symbol("python")` here). */
export function createComment(comment: string): string {
  return `# ${comment}`;
}

export class CodeParseError extends Error {
  override name = 'CodeParseError';
}

/** The relation graph (networkx `DiGraph` in the fork): nodes keyed by block path string. */
export class BlockGraph {
  readonly blocks = new Map<string, CodeBlock>();
  readonly successors = new Map<string, Set<string>>();
  readonly predecessors = new Map<string, Set<string>>();

  addNode(path: string, block: CodeBlock): void {
    this.blocks.set(path, block);
  }

  addEdge(from: string, to: string): void {
    if (!this.successors.has(from)) this.successors.set(from, new Set());
    this.successors.get(from)!.add(to);
    if (!this.predecessors.has(to)) this.predecessors.set(to, new Set());
    this.predecessors.get(to)!.add(from);
  }
}

export class Module extends CodeBlock {
  filePath: string | null = null;
  spansById = new Map<string, BlockSpan>();
  graph = new BlockGraph();

  findSpanById(spanId: string): BlockSpan | undefined {
    return this.spansById.get(spanId);
  }

  /** `Module.find_related_span_ids`: graph neighbours' spans, the class's init spans and the module's import spans. */
  findRelatedSpanIds(spanId: string): Set<string> {
    const related = new Set<string>();
    for (const block of this.findBlocksBySpanId(spanId)) {
      const key = block.pathString();
      for (const neighbours of [this.graph.successors.get(key), this.graph.predecessors.get(key)]) {
        for (const n of neighbours ?? []) {
          const b = this.graph.blocks.get(n);
          if (b) related.add(b.belongsToSpan!.spanId);
        }
      }
      if (block.parent && block.parent.type === 'CLASS') {
        related.add(block.belongsToSpan!.spanId);
        for (const classChild of block.parent.children) {
          if (classChild.belongsToSpan!.spanType === 'init') related.add(classChild.belongsToSpan!.spanId);
        }
      }
    }
    for (const span of this.spansById.values()) {
      if (span.blockType === 'MODULE' && span.spanType === 'init') related.add(span.spanId);
    }
    return related;
  }
}
