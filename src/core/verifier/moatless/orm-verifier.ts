/**
 * `--verifier moatless-orm`: SWE-Gym's Moatless outcome verifier (paper §4.1.2; SWE-Gym/SWE-Gym
 * scripts/moatless-verifier). Its input is not the trajectory but the issue, the spans the agent identified
 * (line-numbered, read at the base commit) and before/after views of the patch with 5 lines of context, read from the
 * instance's image in a fresh container (the patch applied with `git apply -v`, else `patch --batch --fuzz=5 -p1`, as
 * the source's repo.apply_patch). Score = P("True") against "False", from logprobs, with the LLM verifier's
 * fallbacks (forced choices on echoed prompt logprobs, then top logprobs of a generated token, then the parsed
 * answer). A prompt over the context budget scores 0, as SWE-Gym's scorer did when the server refused it.
 */
import type { ChatMessage } from '../../events.js';
import type { TaskRecord } from '../../dataset/schema.js';
import type { Runtime, RuntimeProvider } from '../../runtime/types.js';
import { CodeParseError, parseModule } from '../../code/index.js';
import { runtimeSource } from '../../code/repository.js';
import { countTokens } from '../tokens.js';
import type { Candidate, Score, Verifier } from '../types.js';
import { LlmVerifier, type LlmVerifierConfig, type LlmVerifierOptions } from '../llm/llm-verifier.js';
import { CHAT_TEMPLATES } from '../llm/prompt.js';
import { beforeAfterViews, identifiedSpans, loadOrmTemplates, ormMessages, patchToLineNumbers, readlines, renderCodeSpans, type OrmTemplates, type SpanContent } from './orm-prompt.js';

const REPO = '/testbed';

export interface OrmFiles {
  before: Map<string, string>;
  after: Map<string, string>;
}

/** Reads the files a prompt needs at the base commit and after the patch, in a fresh container of the instance image. */
export async function filesFromContainer(provider: RuntimeProvider, image: string, task: TaskRecord, patch: string, paths: string[]): Promise<OrmFiles> {
  const rt: Runtime = await provider.start({ image, workdir: REPO, labels: { 'io.swegym.role': 'verifier', 'io.swegym.instance': task.instance_id } });
  try {
    const source = runtimeSource(rt, REPO);
    const before = await source.readFiles(paths);
    if (patch.trim()) {
      await rt.writeFile('/tmp/swegym-candidate.diff', patch.endsWith('\n') ? patch : patch + '\n');
      await rt.exec('git apply -v /tmp/swegym-candidate.diff || patch --batch --fuzz=5 -p1 -i /tmp/swegym-candidate.diff', { cwd: REPO, timeoutSec: 120 });
    }
    const after = await source.readFiles(paths);
    return { before, after };
  } finally {
    await rt.stop().catch(() => undefined);
  }
}

/** The files a candidate's prompt reads: the span files and both sides of every hunk. */
export function neededPaths(patch: string, spans: { file_path: string }[]): string[] {
  const out = new Set(spans.map((s) => s.file_path));
  for (const h of patchToLineNumbers(patch)) {
    if (h.filename_a) out.add(h.filename_a);
    if (h.filename_b) out.add(h.filename_b);
  }
  return [...out];
}

/** The verifier's messages for one candidate (system, user), from files already read. */
export function ormPromptFor(templates: OrmTemplates, issue: string, identified: { file_path: string; span_ids: string[] }[][], patch: string, files: OrmFiles): ChatMessage[] {
  const spans = identifiedSpans(identified).map((f) => {
    const text = files.before.get(f.file_path);
    const content: SpanContent[] = [];
    if (text !== undefined) {
      let module;
      try {
        module = parseModule(text);
      } catch (e) {
        // A file the parser refuses has no spans, as the fork's Workspace gives it no module.
        if (!(e instanceof CodeParseError)) throw e;
        module = undefined;
      }
      const lines = readlines(text);
      for (const id of f.span_ids) {
        const s = module?.findSpanById(id);
        if (s) content.push({ span_id: id, start_line: s.startLine, lines: lines.slice(s.startLine - 1, s.endLine) });
      }
    }
    return { file_path: f.file_path, content };
  });
  const views = beforeAfterViews(patch, files.before, files.after, 5);
  return ormMessages(templates, { issue_text: issue, code_spans: renderCodeSpans(spans), before_patch: views.before, after_patch: views.after });
}

export interface MoatlessOrmDeps {
  provider: RuntimeProvider;
  image: (task: TaskRecord) => Promise<string>;
  /** Files for a candidate (default: a fresh container of the instance image). */
  files?: (task: TaskRecord, patch: string, paths: string[]) => Promise<OrmFiles>;
}

/** Builds the verifier's messages for candidates: reads the files through deps (no model involved). */
export class MoatlessOrmPrompter {
  private readonly templates = loadOrmTemplates();
  constructor(private readonly deps: MoatlessOrmDeps) {}

  async messagesFor(c: Candidate): Promise<ChatMessage[]> {
    if (!c.task) throw new Error(`moatless-orm needs the task record of ${c.instanceId} (pass --dataset)`);
    const identified = c.identifiedSpans ?? [];
    const paths = neededPaths(c.patch, identifiedSpans(identified));
    const read = this.deps.files ?? (async (t: TaskRecord, p: string, ps: string[]) => filesFromContainer(this.deps.provider, await this.deps.image(t), t, p, ps));
    const files = await read(c.task, c.patch, paths);
    return ormPromptFor(this.templates, c.task.problem_statement, identified, c.patch, files);
  }
}

export class MoatlessOrmVerifier implements Verifier {
  readonly name = 'moatless-orm';
  private readonly llm: LlmVerifier;
  private readonly prompter: MoatlessOrmPrompter;
  private readonly template: keyof typeof CHAT_TEMPLATES;
  private readonly maxContextTokens: number;

  constructor(config: LlmVerifierConfig, deps: MoatlessOrmDeps, opts: LlmVerifierOptions = {}) {
    this.llm = new LlmVerifier(config, { ...opts, choices: { yes: 'True', no: 'False', answerOpen: '' } });
    this.prompter = new MoatlessOrmPrompter(deps);
    this.template = config.template ?? 'chatml';
    this.maxContextTokens = config.maxContextTokens ?? 32768;
  }

  messagesFor(c: Candidate): Promise<ChatMessage[]> {
    return this.prompter.messagesFor(c);
  }

  async scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]> {
    const out: Score[] = [];
    for (const c of candidates) {
      if (!c.patch.trim()) {
        out.push({ score: 0, explanation: 'empty patch', flags: ['empty_patch'] });
        continue;
      }
      const messages = await this.prompter.messagesFor(c);
      const flags = c.identifiedSpans?.length ? [] : ['no_identified_spans'];
      const prompt = CHAT_TEMPLATES[this.template](messages, '');
      if (countTokens(prompt) + 2 > this.maxContextTokens) {
        out.push({ score: 0, explanation: `prompt over the ${this.maxContextTokens}-token context (scored 0, as SWE-Gym's scorer did)`, flags: [...flags, 'over_budget'] });
        continue;
      }
      out.push(await this.llm.scorePrompt({ prompt, judge: messages, flags }, signal));
    }
    return out;
  }
}
