/**
 * The six working states of the Moatless v0.0.2 state machine, ported from SWE-Gym/Moatless-Agent-Fork 816c6a2:
 * moatless/find/search_v2.py (SearchCode), find/identify.py (IdentifyCode), find/decide.py (DecideRelevance),
 * edit/plan.py (PlanToCode), edit/clarify.py (ClarifyCodeChange), edit/edit.py (EditCode). Prompt layouts (tags,
 * blank lines) are copied from the f-strings there; the texts come from prompts/moatless/.
 */
import type { ChatMessage } from '../../events.js';
import type { ApplyChangeAction, DecisionAction, FileWithSpans, IdentifyAction, LineNumberClarificationAction, SearchAction } from './actions.js';
import type { LintMessage, RankedFileSpan, RenderOptions } from './code-env.js';
import { Finished, MoatlessState, Rejected, renderAction, retry, transition, type ActionResponse, type AnyAction, type StateName } from './machine.js';

const REST = '... rest of the code';
const OTHER = '... other code';

function asJson<T>(a: AnyAction): T {
  if (a.kind !== 'json') throw new Error('expected a structured action');
  return a.value as T;
}

function str(v: unknown, field: string, state: string): string {
  // The fork builds the next state with pydantic; a missing or null str field fails there and ends the rollout.
  if (typeof v !== 'string') throw new Error(`1 validation error for ${state}\n${field}\n  Input should be a valid string`);
  return v;
}

// ---------------------------------------------------------------------------------------------------- SearchCode

export function isTestPattern(filePattern: string): boolean {
  for (const p of ['test_*.py', '/tests/']) if (filePattern.includes(p)) return true;
  if (filePattern.startsWith('test')) return true;
  return /^test_.*\.py$/s.test(filePattern);
}

export class SearchCode extends MoatlessState {
  override readonly name = 'SearchCode' as const;
  constructor(message?: string | null) {
    super();
    this.message = message ?? undefined;
  }

  override systemPrompt(): string {
    const p = this.loop.prompts;
    return p.text('searchSystem') + p.text('searchJsonFewShot') + p.text('ignoreTest');
  }
  override actionType() {
    return 'Search' as const;
  }

  private async initialContext(): Promise<string> {
    const cached = this.loop.memo.get('initial_context');
    if (typeof cached === 'string') return cached;
    const { config, quirks, workspace } = this.loop;
    const kept = quirks.initial_context_params_ignored;
    const result = await workspace.index.semanticSearch({
      query: this.loop.issue,
      max_spans_per_file: kept ? 5 : config.initial_context_spans_per_file,
      max_results: kept ? 50 : config.initial_search_results,
    });
    const ctx = workspace.createFileContext(kept ? 4000 : config.initial_context_tokens);
    for (const hit of result.hits) for (const span of hit.spans) ctx.addSpanToContext(hit.file_path, span.span_id, 1);
    this.loop.emit({
      type: 'moatless_search',
      transition: this.loop.transitionNo,
      kind: 'initial_context',
      requests: [],
      hits: result.hits.map((h) => ({ file_path: h.file_path, span_ids: h.spans.map((s) => s.span_id) })),
      backend: workspace.index.backend,
    });
    const text =
      this.loop.prompts.message('search_initial_context_intro') +
      ctx.createPrompt({ show_span_ids: false, show_line_numbers: false, exclude_comments: true, show_outcommented_code: false });
    this.loop.memo.set('initial_context', text);
    return text;
  }

  override async messages(): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    let content = `<issue>\n${this.loop.issue}\n</issue>`;
    content += await this.initialContext();
    for (const t of this.loop.previousTransitions('SearchCode')) {
      if (t.state.message) content += t.state.message;
      messages.push({ role: 'user', content });
      messages.push({ role: 'assistant', content: renderAction(t.actions[t.actions.length - 1].action) });
      content = '';
    }
    if (this.message) content += `\n\n${this.message}\n`;
    const fc = this.loop.workspace.fileContext;
    const fileContext = fc.filePaths().length
      ? fc.createPrompt({ show_span_ids: false, show_line_numbers: false, exclude_comments: true, show_outcommented_code: true, outcomment_code_comment: REST })
      : 'No files found yet.';
    content += `\n\n<file_context>\n${fileContext}\n</file_context>`;
    messages.push({ role: 'user', content });
    messages.push(...this.retryMessages());
    return messages;
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    const action = asJson<SearchAction>(a);
    if (action.complete) return transition('finish', { message: action.scratch_pad });
    const p = this.loop.prompts;
    const hasAttrs = (r: SearchAction['search_requests'][number]) => !!(r.query || r.code_snippet || r.class_names.length || r.function_names.length);
    if (!action.search_requests.every(hasAttrs)) return this.retryOrFinish(p.message('search_missing_attributes'));
    for (const r of action.search_requests) if (r.file_pattern && isTestPattern(r.file_pattern)) return this.retryOrFinish(p.message('search_test_files'));

    const ranked: RankedFileSpan[] = [];
    const hits: { file_path: string; span_ids: string[] }[] = [];
    for (const r of action.search_requests) {
      const res = await this.loop.workspace.index.search({
        file_pattern: r.file_pattern,
        query: r.query,
        code_snippet: r.code_snippet,
        class_names: r.class_names,
        function_names: r.function_names,
        max_results: Math.trunc(this.loop.config.max_search_results / action.search_requests.length),
      });
      for (const hit of res.hits) {
        hits.push({ file_path: hit.file_path, span_ids: hit.spans.map((s) => s.span_id) });
        for (const s of hit.spans) ranked.push({ file_path: hit.file_path, span_id: s.span_id, rank: s.rank, tokens: s.tokens });
      }
    }
    this.loop.emit({
      type: 'moatless_search',
      transition: this.loop.transitionNo,
      kind: 'search',
      requests: action.search_requests as unknown as Record<string, unknown>[],
      hits,
      backend: this.loop.workspace.index.backend,
    });
    if (ranked.length === 0) return this.retryOrFinish(p.message('search_no_results'));
    return transition('did_search', { ranked_spans: ranked, search_requests: action.search_requests, complete: action.complete });
  }

  /** `_retry`: after more than 3 retries with files in the context, finish instead (the loop's cap fires first). */
  private retryOrFinish(message: string): ActionResponse {
    if (this.retries() > 3 && this.loop.workspace.fileContext.filePaths().length) return transition('finish');
    return retry(message);
  }
}

// -------------------------------------------------------------------------------------------------- IdentifyCode

export class IdentifyCode extends MoatlessState {
  override readonly name = 'IdentifyCode' as const;
  constructor(
    private readonly rankedSpans: RankedFileSpan[],
    private readonly searchRequests: SearchAction['search_requests'] = [],
  ) {
    super();
  }

  override systemPrompt(): string {
    return this.loop.prompts.text('identifySystem');
  }
  override actionType() {
    return 'Identify' as const;
  }

  override async messages(): Promise<ChatMessage[]> {
    const { workspace, config, issue } = this.loop;
    const opts: RenderOptions = { show_span_ids: true, show_line_numbers: false, exclude_comments: true, show_outcommented_code: true, outcomment_code_comment: REST };
    const results = workspace.createFileContext(config.max_prompt_file_tokens);
    results.addRankedSpans(this.rankedSpans);
    let searchResults = 'No new search results found.';
    if (results.filePaths().length) {
      results.expandContextWithInitSpans();
      results.expandContextWithRelatedSpans(config.max_prompt_file_tokens, true);
      results.expandSmallClasses(config.max_prompt_file_tokens);
      searchResults = results.createPrompt(opts);
    }
    const fc = workspace.fileContext;
    const fileContext = fc.filePaths().length ? fc.createPrompt(opts) : 'No relevant code identified yet.';
    const content = `<issue>\n${issue}\n</issue>\n\n<file_context>\n${fileContext}\n</file_context>\n\n<search_results>\n${searchResults}\n</search_results>\n`;
    return [{ role: 'user', content }];
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    const action = asJson<IdentifyAction>(a);
    if (action.identified_spans && action.identified_spans.length) {
      this.loop.workspace.fileContext.addFilesWithSpans(action.identified_spans);
      this.loop.emit({ type: 'moatless_spans', transition: this.loop.transitionNo, identified: action.identified_spans.map((f: FileWithSpans) => ({ ...f })) });
      return transition('finish');
    }
    const p = this.loop.prompts;
    let message = p.message('identify_nothing_relevant', { count: this.rankedSpans.length, scratch_pad: action.scratch_pad });
    if (!this.loop.quirks.identify_message_overwritten) {
      // Fixed: the search parameters the fork meant to send, one line per request, before the verdict.
      const lines: string[] = [];
      for (const r of this.searchRequests) {
        if (r.file_pattern) lines.push(`\n* **File Pattern:** \`${r.file_pattern}\``);
        if (r.query) lines.push(`\n* **Query:** \`${r.query}\``);
        if (r.code_snippet) lines.push(`\n* **Code Snippet:** \`${r.code_snippet}\``);
        for (const c of r.class_names) lines.push(`\n* **Class Name:** \`${c}\``);
        for (const f of r.function_names) lines.push(`\n* **Function Name:** \`${f}\``);
      }
      message = p.message('identify_search_parameters', { parameters: lines.join('') }) + '\n\n' + message;
    }
    return transition('search', { message });
  }
}

// ----------------------------------------------------------------------------------------------- DecideRelevance

export class DecideRelevance extends MoatlessState {
  override readonly name = 'DecideRelevance' as const;

  override systemPrompt(): string {
    return this.loop.prompts.text('decideSystem');
  }
  override actionType() {
    return 'Decision' as const;
  }

  private lastScratchPad(): string | undefined {
    const searches = this.loop.previousTransitions('SearchCode');
    const last = searches[searches.length - 1];
    const action = last?.actions[last.actions.length - 1]?.action;
    return action && action.kind === 'json' ? (action.value.scratch_pad as string) : undefined;
  }

  override async messages(): Promise<ChatMessage[]> {
    const { workspace, config, issue } = this.loop;
    const fc = workspace.fileContext;
    fc.expandContextWithInitSpans();
    fc.expandContextWithRelatedSpans(config.max_prompt_file_tokens);
    fc.expandSmallClasses(config.max_prompt_file_tokens);
    const fileContext = fc.createPrompt({ show_span_ids: false, show_line_numbers: false, exclude_comments: true, show_outcommented_code: true, outcomment_code_comment: REST });
    let content = `<issue>\n${issue}\n</issue>\n`;
    const sp = this.lastScratchPad();
    if (sp) content += `<scratch_pad>\n${sp}\n</scratch_pad>`;
    content += `\n<file_context>\n${fileContext}\n</file_context>\n`;
    return [{ role: 'user', content }];
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    const action = asJson<DecisionAction>(a);
    if (action.complete && action.relevant) return transition('finish');
    if (action.relevant && this.relevantCount() >= this.loop.config.finish_after_relevant_count) return transition('finish');
    return transition('search', { message: action.search_suggestions });
  }

  private relevantCount(): number {
    let n = 0;
    for (const t of this.loop.previousTransitions('DecideRelevance'))
      for (const x of t.actions) if (x.action.kind === 'json' && x.action.name === 'Decision' && x.action.value.relevant) n++;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------------- PlanToCode

export class PlanToCode extends MoatlessState {
  override readonly name = 'PlanToCode' as const;
  override readonly maxIterations: number;
  constructor(
    message: string | null | undefined,
    private readonly diff: string | undefined,
    private readonly verificationErrors: LintMessage[] | undefined,
    maxIterations: number,
  ) {
    super();
    this.message = message ?? undefined;
    this.maxIterations = maxIterations;
  }

  override async init(): Promise<void> {
    // expand_context_with_related_spans is False in SWE-Gym's config: init spans only.
    this.loop.workspace.fileContext.expandContextWithInitSpans();
  }

  override systemPrompt(): string {
    const p = this.loop.prompts;
    return p.text('coderSystem') + p.text('selectSpanSystem') + p.text('coderFinalSystem');
  }
  override actionType() {
    return 'ApplyChange' as const;
  }

  override toMessage(): string {
    let msg = this.message ?? '';
    if (this.diff) msg += `\n\n<diff>\n${this.diff}\n</diff>`;
    if (this.verificationErrors && this.verificationErrors.length) {
      const lint = this.verificationErrors.map((e) => ` * ${e.code}: ${e.message} (line ${e.line})\n`).join('');
      msg += this.loop.prompts.message('plan_lint_errors', { lint });
    }
    return msg;
  }

  override async messages(): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    let content = this.loop.issue ? `<issue>\n${this.loop.issue}\n</issue>` : '';
    for (const t of this.loop.previousTransitions('PlanToCode')) {
      const m = t.state.toMessage();
      if (m && !content) content = m;
      else if (m) content += `\n\n${m}`;
      messages.push({ role: 'user', content });
      messages.push({ role: 'assistant', content: renderAction(t.actions[t.actions.length - 1].action) });
      content = '';
    }
    content += this.toMessage();
    const fileContext = this.loop.workspace.fileContext.createPrompt({
      show_span_ids: true,
      show_line_numbers: false,
      exclude_comments: true,
      show_outcommented_code: true,
      outcomment_code_comment: REST,
    });
    content += `\n\n<file_context>\n${fileContext}\n</file_context>`;
    messages.push({ role: 'user', content });
    messages.push(...this.retryMessages());
    return messages;
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    const action = asJson<ApplyChangeAction>(a);
    const p = this.loop.prompts;
    const plan = (next: string, extra: Record<string, unknown> = {}) =>
      this.loop.emit({
        type: 'moatless_plan',
        transition: this.loop.transitionNo,
        action: action.action,
        scratch_pad: action.scratch_pad,
        ...(action.instructions ? { instructions: action.instructions } : {}),
        ...(action.file_path ? { file_path: action.file_path } : {}),
        ...(action.span_id ? { span_id: action.span_id } : {}),
        ...extra,
        next,
      });
    if (action.action === 'review') {
      if (this.diff && finishOnReview) {
        plan('Finished');
        return transition('finish', { message: p.message('plan_finish_on_review') });
      }
      return retry(p.message('plan_review_impossible'));
    }
    if (action.finish) {
      plan('Finished');
      return transition('finish', { message: action.finish });
    }
    if (action.reject) {
      plan('Rejected');
      return transition('reject', { message: action.reject });
    }
    if (action.file_path && action.span_id) return this.requestForChange(action, plan);
    return retry(p.message('plan_no_action'));
  }

  private requestForChange(rfc: ApplyChangeAction, plan: (next: string, extra?: Record<string, unknown>) => void): ActionResponse {
    const { workspace, prompts, config } = this.loop;
    const fc = workspace.fileContext;
    const filePath = rfc.file_path!;
    const spanId = rfc.span_id!;
    if (!fc.filePaths().includes(filePath)) {
      const files = fc.filePaths().map((f) => ` * ${f}\n`).join('');
      return retry(prompts.message('plan_file_not_in_context', { file_path: filePath, files }));
    }
    const inContext = fc.spanIds(filePath);
    let span = inContext.includes(spanId) ? workspace.repo.findSpanById(filePath, spanId) : undefined;
    if (!span) {
      // A parent span of a span shown in the prompt (e.g. the class of a shown method) is accepted.
      const notInContext = workspace.repo.findSpanById(filePath, spanId);
      if (notInContext && notInContext.block.hasAnySpan(new Set(inContext))) span = notInContext;
      if (!span) return retry(prompts.message('plan_span_not_found', { span_id: spanId, spans: inContext.join(', ') }));
    }
    const startLine = span.start_line;
    let endLine: number;
    let tokens: number;
    if (span.block.type === 'Class') {
      // A class span stands for the whole class.
      tokens = span.block.sumTokens;
      endLine = span.block.end_line;
    } else {
      tokens = span.tokens;
      endLine = span.end_line;
    }
    if (tokens > config.max_tokens_in_edit_prompt) {
      plan('ClarifyCodeChange');
      return transition('edit_code', { instructions: rfc.instructions, file_path: filePath, span_id: spanId });
    }
    plan('EditCode', { start_line: startLine, end_line: endLine });
    return transition('edit_code', { instructions: rfc.instructions, file_path: filePath, span_id: spanId, start_line: startLine, end_line: endLine });
  }
}

/** SWE-Gym's PlanToCode: finish_on_review True. */
const finishOnReview = true;

// --------------------------------------------------------------------------------------------- ClarifyCodeChange

export function preStartLine(startLine: number, minStartLine: number, lines: string[], maxLines = 4): number {
  if (startLine > lines.length) throw new Error(`start_line ${startLine} is out of range (${lines.length}).`);
  if (startLine - minStartLine < maxLines) return minStartLine;
  const startIdx = startLine - 1;
  const from = Math.max(0, startIdx - 1);
  const to = Math.max(minStartLine, startIdx - maxLines);
  const nonEmpty: number[] = [];
  for (let i = from; i >= to; i--) if (lines[i].trim() !== '') nonEmpty.push(i);
  if (nonEmpty.length) return nonEmpty[nonEmpty.length - 1] + 1;
  if (lines[startIdx].trim() !== '') return startIdx + 1;
  throw new Error('No non-empty line found within 3 lines above the start_line.');
}

export function postEndLine(endLine: number, maxEndLine: number, lines: string[], maxLines = 4): number {
  if (endLine < 1 || endLine > lines.length) throw new Error('end_line is out of range.');
  if (maxEndLine - endLine < maxLines) return maxEndLine;
  const endIdx = endLine - 1;
  const from = Math.min(lines.length - 1, endIdx + 1);
  const to = Math.min(maxEndLine - 1, endIdx + maxLines);
  const nonEmpty: number[] = [];
  for (let i = from; i <= to; i++) if (lines[i].trim() !== '') nonEmpty.push(i);
  if (nonEmpty.length) return nonEmpty[nonEmpty.length - 1] + 1;
  if (lines[endIdx].trim() !== '') return endIdx + 1;
  throw new Error('No non-empty line found within 3 lines after the end_line.');
}

export class ClarifyCodeChange extends MoatlessState {
  override readonly name = 'ClarifyCodeChange' as const;
  private codeText = '';
  constructor(
    private instructions: string,
    private readonly filePath: string,
    private readonly spanId: string,
  ) {
    super();
  }

  private maxTokens(): number {
    // SWE-Gym's 750 reaches PlanToCode only; this state keeps its default 500 (quirk clarify_uses_default_token_limit).
    return this.loop.quirks.clarify_uses_default_token_limit ? 500 : this.loop.config.max_tokens_in_edit_prompt;
  }

  private span() {
    const span = this.loop.workspace.repo.findSpanById(this.filePath, this.spanId);
    if (!span) throw new Error(`ClarifyCodeChange: span ${this.spanId} not found in ${this.filePath}`);
    return span;
  }

  override async init(): Promise<void> {
    const { workspace } = this.loop;
    const span = this.span();
    const ctx = workspace.createFileContext();
    ctx.addFilesWithSpans([{ file_path: this.filePath, span_ids: [span.span_id] }]);
    if (span.block.type === 'Class') for (const id of span.block.childStructureSpanIds) if (id !== span.span_id) ctx.addSpanToContext(this.filePath, id, 1);
    this.codeText = ctx.createPrompt({ show_line_numbers: true, show_span_ids: false, exclude_comments: false, show_outcommented_code: true, outcomment_code_comment: OTHER });
  }

  override systemPrompt(): string {
    return this.loop.prompts.text('clarifySystem');
  }
  override actionType() {
    return 'LineNumberClarification' as const;
  }

  override async messages(): Promise<ChatMessage[]> {
    return [{ role: 'user', content: `<instructions>\n${this.instructions}\n</instructions>\n<code>\n${this.codeText}\n</code>` }, ...this.retryMessages()];
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    const req = asJson<LineNumberClarificationAction>(a);
    if (req.reject) return transition('reject', { message: req.scratch_pad });
    const problem = this.verify(req);
    if (problem) return retry(problem);
    let [start, end] = [req.start_line, req.end_line];
    if (req.end_line - req.start_line < 4) [start, end] = this.lineSpan(req.start_line, req.end_line, this.maxTokens());
    if (req.scratch_pad) this.instructions += '\n\n' + req.scratch_pad;
    return transition('edit_code', { instructions: this.instructions, file_path: this.filePath, span_id: this.spanId, start_line: start, end_line: end });
  }

  private verify(r: LineNumberClarificationAction): string | undefined {
    const { prompts, workspace } = this.loop;
    const span = this.span();
    if (r.start_line <= span.start_line && r.end_line >= span.end_line) return prompts.message('clarify_whole_span', { start_line: r.start_line, end_line: r.end_line });
    const block = span.block;
    if (block.isStructure) {
      if (block.firstChildStartLine === undefined) throw new Error(`ClarifyCodeChange: block of ${span.span_id} has no children`);
      const lastSignatureLine = block.firstChildStartLine - 1;
      if (r.start_line === block.start_line && lastSignatureLine >= r.end_line && block.sumTokens > this.maxTokens())
        return prompts.message('clarify_signature_only', { start_line: r.start_line, end_line: r.end_line, block_type: block.type });
    }
    const lines = (workspace.repo.content(this.filePath) ?? '').split('\n');
    const tokens = workspace.repo.countTokens(lines.slice(r.start_line - 1, r.end_line).join('\n'));
    if (tokens > this.maxTokens()) return prompts.message('clarify_too_many_tokens', { start_line: r.start_line, end_line: r.end_line, tokens, max_tokens: this.maxTokens() });
    return undefined;
  }

  /** get_line_span: grow a short range to its structure when that is small enough, else pad it. */
  private lineSpan(startLine: number, endLine: number, maxTokens: number): [number, number] {
    const repo = this.loop.workspace.repo;
    const startBlock = repo.findFirstByStartLine(this.filePath, startLine);
    if (!startBlock) throw new Error(`No block found in ${this.filePath} that starts at line ${startLine}`);
    const structure = startBlock.isStructure && (!endLine || startBlock.end_line > endLine) ? startBlock : startBlock.parentStructure();
    if (!structure) throw new Error(`No structure block found for line ${startLine} of ${this.filePath}`);
    if (structure.sumTokens < maxTokens) return [structure.start_line, structure.end_line];
    if (!endLine) endLine = startLine;
    const lines = (repo.content(this.filePath) ?? '').split('\n');
    endLine = structure.end_line - endLine < 5 ? structure.end_line : postEndLine(endLine, structure.end_line, lines);
    startLine = startLine - structure.start_line < 5 ? structure.start_line : preStartLine(startLine, structure.start_line, lines);
    return [startLine, endLine];
  }
}

// ------------------------------------------------------------------------------------------------------ EditCode

export class EditCode extends MoatlessState {
  override readonly name = 'EditCode' as const;
  override readonly maxIterations: number;
  private codeToReplace = '';
  private failures = 0;
  constructor(
    private readonly instructions: string,
    private readonly filePath: string,
    private readonly spanId: string,
    private readonly startLine: number,
    private readonly endLine: number,
    maxIterations: number,
  ) {
    super();
    this.maxIterations = maxIterations;
  }

  override async init(): Promise<void> {
    const { workspace } = this.loop;
    if (!workspace.fileContext.filePaths().includes(this.filePath)) throw new Error(`File not found: ${this.filePath}`);
    const lines = (workspace.repo.content(this.filePath) ?? '').split('\n');
    this.codeToReplace = lines.slice(this.startLine - 1, this.endLine).join('\n');
  }

  override systemPrompt(): string {
    const p = this.loop.prompts;
    // show_initial_message True, chain_of_thought False (SWE-Gym).
    return p.text('editRole') + '\n\n' + p.text('editMainObjective') + '\n\n' + p.text('editSearchReplace');
  }
  override stopWords(): string[] {
    return ['</replace>'];
  }

  override async messages(): Promise<ChatMessage[]> {
    const { workspace, config, issue } = this.loop;
    let content = `<main_objective>\n${issue}\n</main_objective>\n\n`;
    content += `<instructions>\n${this.instructions}\n</instructions>\n`;
    // show_file_context False: the edited span with its init and related spans, not the shared context.
    const ctx = workspace.createFileContext();
    ctx.addSpanToContext(this.filePath, this.spanId);
    ctx.expandContextWithInitSpans();
    ctx.expandContextWithRelatedSpans(config.edit_max_prompt_file_tokens);
    const fileContext = ctx.createPrompt({ show_line_numbers: false, show_span_ids: false, exclude_comments: false, show_outcommented_code: true, outcomment_code_comment: OTHER });
    content += `<file_context>\n${fileContext}\n</file_context>\n`;
    content += `<search>\n${this.codeToReplace}\n</search>`;
    return [{ role: 'user', content }, ...this.retryMessages()];
  }

  override async handleAction(a: AnyAction): Promise<ActionResponse> {
    if (a.kind !== 'content') throw new Error('EditCode expects free text');
    const text = a.content;
    const p = this.loop.prompts;
    let scratchPad: string | undefined;
    if (text.includes('<scratch_pad>')) scratchPad = text.split('<scratch_pad>')[1].split('</scratch_pad>')[0];
    if (text.includes('<reject>')) return transition('reject', { message: text.split('<reject>')[1].split('</reject>')[0] });
    const parts = text.split('<replace>');
    if (parts.length === 1) return retry(p.message('edit_no_replace'));
    if (parts[0] && !scratchPad) scratchPad = parts[0];
    const replacement = parts[1].includes('</replace>') ? parts[1].split('</replace>')[0] : parts[1];

    const { repo } = this.loop.workspace;
    const result = repo.updateByLineNumbers(this.filePath, this.startLine - 1, this.endLine, replacement);
    const edit = (applied: boolean, extra: { error?: string; lint?: LintMessage[] | null } = {}) =>
      this.loop.emit({
        type: 'moatless_edit',
        transition: this.loop.transitionNo,
        file_path: this.filePath,
        start_line: this.startLine,
        end_line: this.endLine,
        applied,
        diff: result.diff ?? '',
        ...extra,
      });
    if (result.diff && result.updated) {
      let message = p.message('edit_applied', { file_path: this.filePath });
      if (scratchPad) message += p.message('edit_applied_scratch_pad', { scratch_pad: scratchPad });
      // pylint on the file as it is on disk before the save, then after: only new (code, message) pairs go on.
      const lintOn = this.loop.config.lint;
      const before = lintOn ? await repo.lint(this.filePath) : undefined;
      await repo.saveFile(this.filePath);
      const after = lintOn ? await repo.lint(this.filePath) : undefined;
      let newErrors: LintMessage[] = [];
      if (before && after) {
        const seen = new Set(before.map((e) => `${e.code}\u0000${e.message}`));
        newErrors = after.filter((e) => !seen.has(`${e.code}\u0000${e.message}`));
      }
      edit(true, { lint: before && after ? newErrors : null });
      return transition('finish', { message, diff: result.diff, verification_errors: newErrors });
    }
    edit(false, { error: result.error ?? (result.diff ? 'not applied' : 'no change') });
    if (this.failures > 2) {
      // The fork builds a message with the scratch pad and then overwrites it (quirk edit_reject_drops_scratch_pad).
      return transition('reject', { message: p.message('edit_failed') });
    }
    this.failures++;
    if (result.diff) return retry(p.message('edit_not_applied', { diff: result.diff, error: result.error ?? 'None' }));
    return retry(p.message('edit_unchanged'));
  }
}

// ------------------------------------------------------------------------------------------------------ factory

/** Builds the destination state from the transition output (the fork's global + state params + output merge). */
export function makeState(name: StateName, data: Record<string, unknown>, limits: { planMaxIterations: number; editMaxIterations: number }): MoatlessState {
  switch (name) {
    case 'SearchCode':
      return new SearchCode(data.message as string | null | undefined);
    case 'IdentifyCode':
      return new IdentifyCode((data.ranked_spans as RankedFileSpan[]) ?? [], (data.search_requests as SearchAction['search_requests']) ?? []);
    case 'DecideRelevance':
      return new DecideRelevance();
    case 'PlanToCode':
      return new PlanToCode(
        data.message as string | null | undefined,
        data.diff as string | undefined,
        data.verification_errors as LintMessage[] | undefined,
        limits.planMaxIterations,
      );
    case 'ClarifyCodeChange':
      return new ClarifyCodeChange(str(data.instructions, 'instructions', name), str(data.file_path, 'file_path', name), str(data.span_id, 'span_id', name));
    case 'EditCode':
      return new EditCode(
        str(data.instructions, 'instructions', name),
        str(data.file_path, 'file_path', name),
        str(data.span_id, 'span_id', name),
        data.start_line as number,
        data.end_line as number,
        limits.editMaxIterations,
      );
    case 'Finished':
      return new Finished(data.message as string | undefined);
    case 'Rejected':
      return new Rejected((data.message as string | undefined) ?? '');
  }
}
