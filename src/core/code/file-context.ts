/**
 * Port of the fork's `moatless/file_context.py` (`FileContext`, `ContextFile`): which spans of which files the agent
 * has in view, and `create_prompt`, the text every Moatless state shows the model. The rendering is byte-for-byte
 * the fork's (placeholders, `<span id='…'>` tags, `str(n).ljust(6)` line numbers, token budgets); checked against
 * test/fixtures/moatless-oracle.
 */
import { blockTypeGroup, type BlockSpan, type CodeBlock, type Module } from './codeblock.js';
import type { CodeFile, FileRepository } from './repository.js';

export interface RankedFileSpan {
  filePath: string;
  spanId: string;
  rank: number;
  tokens: number;
}

export interface ContextSpan {
  spanId: string;
  startLine?: number | null;
  endLine?: number | null;
  tokens: number | null;
}

/** The flags of `create_prompt`; each Moatless state uses a fixed set (see `RENDER_FLAGS`). */
export interface PromptFlags {
  showSpanIds?: boolean;
  showLineNumbers?: boolean;
  excludeComments?: boolean;
  showOutcommentedCode?: boolean;
  outcommentCodeComment?: string;
}

/** The flag sets the fork's states pass to `create_prompt` (v0.0.2, as SWE-Gym configured it). */
export const RENDER_FLAGS = {
  /** PlanToCode and IdentifyCode (search results and the identified context). */
  plan: { showSpanIds: true, excludeComments: true, showOutcommentedCode: true, outcommentCodeComment: '... rest of the code' },
  /** DecideRelevance. */
  decide: { excludeComments: true, showOutcommentedCode: true, outcommentCodeComment: '... rest of the code' },
  /** EditCode. */
  edit: { showOutcommentedCode: true, outcommentCodeComment: '... other code' },
  /** ClarifyCodeChange. */
  clarify: { showLineNumbers: true, showOutcommentedCode: true, outcommentCodeComment: '... other code' },
  /** SearchCode's initial context (signatures only when spans are added with tokens=1). */
  searchInitial: { excludeComments: true, showOutcommentedCode: false },
} as const satisfies Record<string, PromptFlags>;

interface CurrentPromptSpan {
  spanId: string | null;
  tokens: number;
}

export class ContextFile {
  spans: ContextSpan[] = [];

  /**
   * The file is looked up in the repository on every use: an accepted edit replaces it there, and every context that
   * holds the file sees the new content (the fork mutates the one shared CodeFile object).
   */
  constructor(private readonly repo: FileRepository, readonly filePath: string, public showAllSpans = false) {}

  get file(): CodeFile {
    const f = this.repo.getFile(this.filePath);
    if (!f) throw new Error(`${this.filePath} is no longer in the repository`);
    return f;
  }

  get module(): Module | null {
    return this.file.module;
  }

  get spanIds(): Set<string> {
    return new Set(this.spans.map((s) => s.spanId));
  }

  toPrompt(f: PromptFlags = {}): string {
    let code: string;
    if (this.module) {
      if (!this.showAllSpans && this.spans.length === 0) return '';
      code = this.renderBlock(this.module, { spanId: null, tokens: 0 }, {
        showSpanIds: f.showSpanIds ?? false,
        showLineNumbers: f.showLineNumbers ?? false,
        excludeComments: f.excludeComments ?? false,
        showOutcommentedCode: f.showOutcommentedCode ?? false,
        outcommentCodeComment: f.outcommentCodeComment ?? '...',
      });
    } else {
      code = this.toPromptWithLineSpans(f.showSpanIds ?? false);
    }
    return `${this.filePath}\n\`\`\`\n${code}\n\`\`\`\n`;
  }

  private findSpan(block: CodeBlock): ContextSpan | null {
    if (!block.belongsToSpan) return null;
    return this.spans.find((s) => s.spanId === block.belongsToSpan!.spanId) ?? null;
  }

  private toPromptWithLineSpans(showSpanId: boolean): string {
    const lines = this.file.content.split('\n');
    if (this.spans.length === 0) return this.file.content;
    let out = '';
    let outcommented = true;
    lines.forEach((line, i) => {
      const n = i + 1;
      const span = this.spans.find((s) => s.startLine && s.endLine && s.startLine <= n && n <= s.endLine);
      if (span) {
        if (outcommented && showSpanId) out += `<span id=${span.spanId}>\n`;
        out += line + '\n';
        outcommented = false;
      } else if (!outcommented) {
        out += '... other code\n';
        outcommented = true;
      }
    });
    return out;
  }

  /** `ContextFile._to_prompt`. `current` is shared with the caller on purpose: the fork mutates it across levels. */
  private renderBlock(block: CodeBlock, currentIn: CurrentPromptSpan, f: Required<PromptFlags>): string {
    let current = currentIn;
    let contents = '';
    let outcommented: CodeBlock | null = null;
    const spanIds = this.spanIds;
    let child: CodeBlock | undefined;
    for (child of block.children) {
      if (f.excludeComments && blockTypeGroup(child.type) === 'Comment') continue;
      let showNewSpanId = false;
      let show = false;
      const childSpan = this.findSpan(child);
      if (childSpan) {
        if (childSpan.spanId !== current.spanId) {
          show = true;
          showNewSpanId = f.showSpanIds;
          current = { spanId: childSpan.spanId, tokens: 0 };
        } else if (!childSpan.tokens) {
          show = true;
        } else {
          // Whole statements count with their children; structures and compound statements only their own lines.
          const childTokens = blockTypeGroup(child.type) === 'Implementation' && child.type !== 'COMPOUND' && child.type !== 'DEPENDENT_CLAUSE'
            ? child.sumTokens() : child.tokens;
          if (current.tokens + childTokens <= childSpan.tokens) show = true;
          current.tokens += childTokens;
        }
      } else if (child.hasAnySpan(spanIds)) {
        // (The fork also tests `child.belongs_to_any_span not in self.spans`, a bound method: always true.)
        show = true;
        if (child.belongsToSpan && current.spanId !== child.belongsToSpan.spanId) {
          showNewSpanId = f.showSpanIds;
          current = { spanId: child.belongsToSpan.spanId, tokens: 0 };
        }
      }
      if (this.showAllSpans) show = true;

      if (show) {
        if (outcommented) contents += outcommented.toPromptString({ showLineNumbers: f.showLineNumbers });
        outcommented = null;
        contents += child.toPromptString({ showSpanId: showNewSpanId, showLineNumbers: f.showLineNumbers, spanMarker: 'tag' });
        contents += this.renderBlock(child, current, f);
      } else if (f.showOutcommentedCode && !outcommented) {
        outcommented = child.createCommentedOutBlock(f.outcommentCodeComment);
        outcommented.startLine = child.startLine;
      }
    }
    if (f.outcommentCodeComment && outcommented && child && child.type !== 'COMMENT' && child.type !== 'COMMENTED_OUT_CODE' && child.type !== 'SPACE') {
      contents += outcommented.toPromptString({ showLineNumbers: f.showLineNumbers });
    }
    return contents;
  }

  contextSize(): number {
    if (!this.module) return 0;
    let tokens = 0;
    for (const id of this.spanIds) tokens += this.module.findSpanById(id)?.tokens ?? 0;
    return tokens;
  }

  addSpans(spanIds: Iterable<string>, tokens: number | null = null): void {
    for (const id of spanIds) this.addSpan(id, tokens);
  }

  addSpan(spanId: string, tokens: number | null = null): void {
    const existing = this.spans.find((s) => s.spanId === spanId);
    if (existing) existing.tokens = tokens;
    else if (this.module?.findSpanById(spanId)) this.spans.push({ spanId, tokens });
  }

  /** `add_line_span`: the span of the structure that holds the line. */
  addLineSpan(startLine: number): void {
    if (!this.module) return;
    const block = this.module.findFirstByStartLine(startLine);
    const span = block?.structureBlock()?.belongsToSpan;
    if (span) this.spans.push({ spanId: span.spanId, tokens: null });
  }

  removeSpan(spanId: string): void {
    this.spans = this.spans.filter((s) => s.spanId !== spanId);
  }

  getSpans(): BlockSpan[] {
    if (!this.module) return [];
    return this.spans.map((s) => this.module!.findSpanById(s.spanId)).filter((s): s is BlockSpan => !!s);
  }

  getBlockSpan(spanId: string): BlockSpan | null {
    if (!this.module || !this.spans.some((s) => s.spanId === spanId)) return null;
    return this.module.findSpanById(spanId) ?? null;
  }

  /** Module-level import spans, and the init spans of every class in view. */
  expandContextWithInitSpans(): void {
    if (!this.module) return;
    for (const child of this.module.children) {
      if (child.type === 'IMPORT' && child.belongsToSpan!.spanType === 'init') this.addSpan(child.belongsToSpan!.spanId);
    }
    for (const id of this.spanIds) {
      const span = this.module.findSpanById(id);
      if (span && span.initiatingBlock.type === 'CLASS') {
        for (const c of span.initiatingBlock.children) if (c.belongsToSpan!.spanType === 'init') this.addSpan(c.belongsToSpan!.spanId);
      }
    }
  }

  /** A lone class span under `maxTokens` in total brings in the whole class. */
  expandSmallClasses(maxTokens: number): void {
    if (!this.module || this.spans.length !== 1) return;
    const span = this.module.findSpanById(this.spans[0].spanId);
    if (span && span.initiatingBlock.type === 'CLASS' && span.initiatingBlock.sumTokens() < maxTokens) {
      for (const id of span.initiatingBlock.getAllSpanIds()) this.addSpan(id);
    }
  }
}

/** The fork's `FileContext`: files in insertion order, each with its spans. */
export class FileContext {
  private readonly files = new Map<string, ContextFile>();

  constructor(readonly repo: FileRepository, readonly maxTokens = 4000) {}

  get contextFiles(): ContextFile[] {
    return [...this.files.values()];
  }

  addFile(filePath: string, showAllSpans = false): void {
    if (this.files.has(filePath)) return;
    const file = this.repo.getFile(filePath);
    if (file) this.files.set(filePath, new ContextFile(this.repo, filePath, showAllSpans));
  }

  removeFile(filePath: string): void {
    this.files.delete(filePath);
  }

  exists(filePath: string): boolean {
    return this.files.has(filePath);
  }

  getFile(filePath: string): ContextFile | null {
    return this.files.get(filePath) ?? null;
  }

  /** `get_context_file`: adds the file (without spans) when the repository has it. */
  getContextFile(filePath: string): ContextFile | null {
    let cf = this.files.get(filePath);
    if (!cf) {
      const file = this.repo.getFile(filePath);
      if (!file) return null;
      cf = new ContextFile(this.repo, filePath);
      this.files.set(filePath, cf);
    }
    return cf;
  }

  addSpansToContext(filePath: string, spanIds: Iterable<string>, tokens: number | null = null): void {
    this.getContextFile(filePath)?.addSpans(spanIds, tokens);
  }

  addSpanToContext(filePath: string, spanId: string, tokens: number | null = null): void {
    this.getContextFile(filePath)?.addSpan(spanId, tokens);
  }

  addLineSpanToContext(filePath: string, startLine: number): void {
    this.getContextFile(filePath)?.addLineSpan(startLine);
  }

  addFilesWithSpans(files: { filePath: string; spanIds: string[] }[]): void {
    for (const f of files) this.addSpansToContext(f.filePath, new Set(f.spanIds));
  }

  /** `to_files_with_spans` (span order within a file is the context's insertion order). */
  toFilesWithSpans(): { filePath: string; spanIds: string[] }[] {
    return this.contextFiles.map((f) => ({ filePath: f.filePath, spanIds: [...f.spanIds] }));
  }

  removeSpanFromContext(filePath: string, spanId: string, removeFile = false): void {
    const cf = this.getContextFile(filePath);
    if (!cf) return;
    cf.removeSpan(spanId);
    if (!cf.spans.length && removeFile) this.removeFile(filePath);
  }

  hasSpan(filePath: string, spanId: string): boolean {
    return this.getContextFile(filePath)?.spanIds.has(spanId) ?? false;
  }

  getSpan(filePath: string, spanId: string): BlockSpan | null {
    return this.getContextFile(filePath)?.getBlockSpan(spanId) ?? null;
  }

  getSpans(filePath: string): BlockSpan[] {
    return this.getContextFile(filePath)?.getSpans() ?? [];
  }

  /**
   * `add_ranked_spans`: all spans when they fit; otherwise a token budget per span by exponential rank decay
   * (min `minTokens`), dropping the lowest-ranked spans when even the minimums do not fit.
   */
  addRankedSpans(rankedIn: RankedFileSpan[], decayRate = 1.05, minTokens = 50): void {
    if (!rankedIn.length) return;
    const sum = rankedIn.reduce((a, s) => a + s.tokens, 0);
    if (sum < this.maxTokens) {
      for (const s of rankedIn) this.addSpanToContext(s.filePath, s.spanId);
      return;
    }
    // Python's list.sort is stable, as is Array.prototype.sort; the fork sorts the caller's list in place.
    const ranked = rankedIn;
    ranked.sort((a, b) => a.rank - b.rank);
    let base = ranked.reduce((a, s) => a + Math.min(s.tokens, minTokens), 0);
    while (base > this.maxTokens && ranked.length) {
      const removed = ranked.pop()!;
      base -= Math.min(removed.tokens, minTokens);
    }
    if (!ranked.length) throw new Error('Not enough tokens to meet the minimum token requirement for any span');
    const remaining = this.maxTokens - base;
    const totalWeight = ranked.reduce((a, s) => a + decayRate ** -s.rank, 0);
    const distribution = ranked.map((s) => {
      const weight = decayRate ** -s.rank;
      return [s, Math.min(s.tokens, minTokens + Math.trunc(remaining * (weight / totalWeight)))] as const;
    });
    // Grouped by rank in first-seen order, as the fork's dict of rank groups iterates.
    const groups = new Map<number, (readonly [RankedFileSpan, number])[]>();
    for (const d of distribution) {
      if (!groups.has(d[0].rank)) groups.set(d[0].rank, []);
      groups.get(d[0].rank)!.push(d);
    }
    for (const group of groups.values()) {
      for (const [s, tokens] of group) this.addSpanToContext(s.filePath, s.spanId, Math.min(s.tokens, tokens));
    }
  }

  expandContextWithInitSpans(): void {
    for (const f of this.files.values()) f.expandContextWithInitSpans();
  }

  expandSmallClasses(maxTokens: number): void {
    for (const f of this.files.values()) f.expandSmallClasses(maxTokens);
  }

  /** `expand_context_with_related_spans`: related spans of the biggest spans first, while the budget allows. */
  expandContextWithRelatedSpans(maxTokens: number, setTokens = false): void {
    if (this.contextSize() > maxTokens) return;
    const spans: [ContextFile, ContextSpan][] = [];
    for (const f of this.files.values()) {
      if (!f.module || f.spans.length === 0) continue;
      for (const s of f.spans) spans.push([f, s]);
    }
    spans.sort((a, b) => (b[1].tokens ?? 0) - (a[1].tokens ?? 0));
    for (const [f, span] of spans) {
      for (const relatedId of f.module!.findRelatedSpanIds(span.spanId)) {
        if (f.spanIds.has(relatedId)) continue;
        const related = f.module!.findSpanById(relatedId)!;
        const tokens = Math.max(related.tokens, span.tokens ?? 0);
        if (tokens + this.contextSize() > maxTokens) return;
        if (setTokens) f.addSpan(relatedId, tokens);
        else f.addSpan(relatedId);
      }
    }
  }

  contextSize(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.contextSize();
    return n;
  }

  reset(): void {
    this.files.clear();
  }

  /** `FileContext.dict()`: what trajectories record. */
  toJSON(): { file_path: string; spans?: { span_id: string; tokens: number | null }[] }[] {
    return this.contextFiles.map((f) => (f.spans.length
      ? { file_path: f.filePath, spans: f.spans.map((s) => ({ span_id: s.spanId, tokens: s.tokens })) }
      : { file_path: f.filePath }));
  }

  /** `create_prompt`: `"\n\n" + path + "\n```\n" + code + "\n```\n"` per file. */
  createPrompt(flags: PromptFlags = {}): string {
    let out = '';
    for (const f of this.files.values()) out += '\n\n' + f.toPrompt(flags);
    return out;
  }
}
