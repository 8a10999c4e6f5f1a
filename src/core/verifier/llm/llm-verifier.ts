import { z } from 'zod';
import { countTokens } from '../tokens.js';
import type { ChatMessage } from '../../events.js';
import type { Candidate, Score, Verifier } from '../types.js';
import { renderTrajectory } from './render.js';
import { CHAT_TEMPLATES, CHOICES, JUDGEMENT_OPEN, judgeMessages, loadJudgeTemplates, type JudgePrompt } from './prompt.js';
import { choiceLogprobAtEnd, pickChoices, pYes } from './logprobs.js';
import { maskSecret, OpenAiChatModel, type CallHooks, type ChatModel, type RetryInfo } from '../../model/index.js';
import { toSwegymText } from '../../session/text-trajectory.js';

export const LlmVerifierConfig = z.object({
  baseURL: z.string().url(),
  model: z.string(),
  /** Name of the env var holding the key; the key itself is never stored. */
  apiKeyEnv: z.string().default('OPENAI_API_KEY'),
  template: z.enum(Object.keys(CHAT_TEMPLATES) as [keyof typeof CHAT_TEMPLATES, ...(keyof typeof CHAT_TEMPLATES)[]]).default('chatml'),
  /** Token budget of the verifier's context (SWE-Gym served it with 32,768). */
  maxContextTokens: z.number().int().positive().default(32768),
  promptDir: z.string().optional(),
  timeoutMs: z.number().int().positive().default(120_000),
  /** Our retries (each reported through `onRetry`); 3 attempts as the SDK's former silent default. */
  retry: z
    .object({
      max_attempts: z.number().int().positive().default(3),
      base_delay_ms: z.number().int().nonnegative().default(1000),
      max_delay_ms: z.number().int().nonnegative().default(30_000),
    })
    .strict()
    .prefault({}),
  /**
   * Convert trajectories to SWE-Gym's text form first (native calls to `<function=...>` text, results as user
   * messages, in-context example removed), as the verifier's training data was (facts §5, §6.1). Default true.
   */
  textFormat: z.boolean().default(true),
});
export type LlmVerifierConfig = z.input<typeof LlmVerifierConfig>;

export interface LlmVerifierOptions {
  /** The model to ask. Default: an OpenAI-compatible model on `baseURL` with `apiKey`. */
  model?: ChatModel;
  /** The key itself, looked up by the caller (from the variable named by `apiKeyEnv`); never read here. */
  apiKey?: string;
  /** Every retry of a model call, before its pause (the CLI prints it). */
  onRetry?: (info: RetryInfo) => void;
  fetch?: typeof fetch;
  /**
   * The two forced continuations and what opens the answer (default SWE-Gym's OpenHands verifier: " YES" / " NO"
   * after `<judgement>`; the Moatless verifier answers "True" / "False" right at the start of the assistant turn).
   */
  choices?: { yes: string; no: string; answerOpen: string };
}

/** Drops middle messages (keeping system, the first user message and the latest turns) until the prompt fits. */
export function truncateMiddle(messages: ChatMessage[], fits: (m: ChatMessage[]) => boolean): { messages: ChatMessage[]; dropped: number } {
  const head = messages.findIndex((m) => m.role === 'user') + 1 || 1;
  let cur = messages;
  let dropped = 0;
  while (!fits(cur) && cur.length > head + 1) {
    const mid = head + Math.floor((cur.length - head) / 2) - 1;
    cur = [...cur.slice(0, Math.max(head, mid)), ...cur.slice(Math.max(head, mid) + 1)];
    dropped++;
  }
  return { messages: cur, dropped };
}

/**
 * SWE-Gym's outcome verifier: renders the trajectory into the judge prompt and scores P(YES) from the
 * log-probabilities of the forced continuations " YES" and " NO" right after `<judgement>` (completions API,
 * echoed prompt logprobs, as vLLM serves them). Fallbacks, flagged: the top logprobs of a generated token, then
 * the parsed answer.
 */
export class LlmVerifier implements Verifier {
  readonly name = 'llm';
  private readonly cfg: z.output<typeof LlmVerifierConfig>;
  private readonly model: ChatModel;
  private readonly apiKey?: string;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly templates: JudgePrompt;
  private readonly choices: { yes: string; no: string; answerOpen: string };

  constructor(config: LlmVerifierConfig, opts: LlmVerifierOptions = {}) {
    this.cfg = LlmVerifierConfig.parse(config);
    this.choices = opts.choices ?? { ...CHOICES, answerOpen: JUDGEMENT_OPEN };
    this.apiKey = opts.apiKey;
    this.onRetry = opts.onRetry;
    this.model =
      opts.model ??
      new OpenAiChatModel({ baseURL: this.cfg.baseURL, model: this.cfg.model, apiKey: opts.apiKey, timeoutMs: this.cfg.timeoutMs, retry: this.cfg.retry, fetch: opts.fetch });
    this.templates = loadJudgeTemplates(this.cfg.promptDir);
  }

  private hooks(signal?: AbortSignal): CallHooks {
    return { signal, onRetry: this.onRetry };
  }

  /** The completion prompt for one trajectory, cut right after `<judgement>`; exported for golden tests. */
  buildPrompt(messages: ChatMessage[]): { prompt: string; judge: ChatMessage[]; flags: string[] } {
    const judge = (m: ChatMessage[]) => judgeMessages(renderTrajectory(m), this.templates);
    const render = (m: ChatMessage[]) => CHAT_TEMPLATES[this.cfg.template](judge(m), JUDGEMENT_OPEN);
    const fits = (m: ChatMessage[]) => countTokens(render(m)) + 4 <= this.cfg.maxContextTokens;
    const { messages: kept, dropped } = truncateMiddle(messages, fits);
    const flags = dropped ? [`truncated:${dropped}_messages`] : [];
    if (!fits(kept)) flags.push('over_budget');
    return { prompt: render(kept), judge: judge(kept), flags };
  }

  async scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]> {
    const out: Score[] = [];
    try {
      for (const c of candidates) out.push(await this.scoreOne(this.cfg.textFormat ? toSwegymText(c.messages) : c.messages, signal));
    } catch (e) {
      // Endpoint errors can echo the key (a 401 body); what the caller records or prints must not carry it.
      if (e instanceof Error) e.message = this.redact(e.message);
      throw e;
    }
    return out;
  }

  /** Endpoints may echo a rejected key in their error text: every error text we keep goes through here. */
  private redact(text: string): string {
    return maskSecret(text, this.apiKey);
  }

  async scoreOne(messages: ChatMessage[], signal?: AbortSignal): Promise<Score> {
    return this.scorePrompt(this.buildPrompt(messages), signal);
  }

  /** Scores a rendered completion prompt (cut where the answer starts) and its chat form, with the fallbacks. */
  async scorePrompt(p: { prompt: string; judge: ChatMessage[]; flags: string[] }, signal?: AbortSignal): Promise<Score> {
    const { prompt, judge } = p;
    const flags = [...p.flags];
    const label = this.choices.yes.trim();
    const forced = await this.forcedChoices(prompt, signal).catch((e: unknown) => ({ error: this.redact(String(e)) }));
    if ('lYes' in forced) {
      const score = pYes(forced.lYes, forced.lNo);
      if (forced.straddles) flags.push('boundary_token');
      return { score, explanation: `P(${label})=${score.toFixed(4)} from forced choices (l_yes=${forced.lYes.toFixed(4)}, l_no=${forced.lNo.toFixed(4)})`, flags };
    }
    const gen = await this.generated(prompt, judge, signal);
    if (gen.top) {
      const { lYes, lNo, floor } = pickChoices(gen.top, this.choices.yes, this.choices.no);
      if (lYes !== undefined || lNo !== undefined) {
        const f = [...flags, 'top_logprobs_fallback'];
        if (lYes === undefined || lNo === undefined) f.push('choice_missing');
        const score = pYes(lYes ?? floor, lNo ?? floor);
        return { score, explanation: `P(${label})=${score.toFixed(4)} from top logprobs of the generated token (forced choices failed: ${forced.error})`, flags: f };
      }
    }
    const yesWord = this.choices.yes.trim();
    const noWord = this.choices.no.trim();
    const m = new RegExp(`^\\s*(${yesWord}|${noWord})\\b`).exec(gen.text);
    if (m) {
      return { score: m[1] === yesWord ? 1 : 0, explanation: `parsed answer ${m[1]} (no usable logprobs)`, flags: [...flags, 'parsed_answer_fallback'] };
    }
    return { score: 0.5, explanation: `no answer could be read: ${JSON.stringify(gen.text.slice(0, 80))}`, flags: [...flags, 'no_answer'] };
  }

  /**
   * Scores " YES" and " NO" as continuations of the prompt via echoed prompt logprobs, each located from the end of
   * its echo (see choiceLogprobAtEnd: the servers' `text_offset` cannot be trusted).
   */
  private async forcedChoices(prompt: string, signal?: AbortSignal): Promise<{ lYes: number; lNo: number; straddles: boolean }> {
    const one = async (choice: string) => {
      const r = await this.model.completePrompt({ prompt: prompt + choice, max_tokens: 1, temperature: 0, echo: true, logprobs: 1 }, this.hooks(signal));
      const lp = r.logprobs;
      if (!lp?.tokens.length || !lp.token_logprobs) throw new Error('endpoint returned no echoed prompt logprobs');
      // The generated tokens follow the echo: as many as the usage says, else what the text shows (max_tokens is 1).
      const generatedText = r.text.startsWith(prompt + choice) ? r.text.slice(prompt.length + choice.length) : undefined;
      const counts = r.usage ? [r.usage.completion_tokens] : generatedText === '' ? [0, 1] : [1, 0];
      let span = choiceLogprobAtEnd(lp, choice, counts[0]!);
      if ('error' in span && counts[1] !== undefined) span = choiceLogprobAtEnd(lp, choice, counts[1]);
      if ('error' in span) throw new Error(`no logprobs for the choice ${JSON.stringify(choice)}: ${span.error}`);
      // SGLang's token_length_normalized choice method: mean logprob per token.
      return { l: span.sum / span.count, straddles: span.straddles };
    };
    const yes = await one(this.choices.yes);
    const no = await one(this.choices.no);
    return { lYes: yes.l, lNo: no.l, straddles: yes.straddles || no.straddles };
  }

  /** Lets the model generate the answer; returns its text and the top logprobs of the first generated token. */
  private async generated(prompt: string, judge: ChatMessage[], signal?: AbortSignal): Promise<{ text: string; top?: Record<string, number> }> {
    try {
      const r = await this.model.completePrompt({ prompt, max_tokens: 8, temperature: 0, logprobs: 20 }, this.hooks(signal));
      const top = r.logprobs?.top_logprobs?.[0] ?? undefined;
      return { text: r.text, top };
    } catch {
      const r = await this.model.complete({ messages: judge, max_tokens: 16, temperature: 0, top_logprobs: 20 }, this.hooks(signal));
      const text = r.content ?? '';
      const open = this.choices.answerOpen;
      const idx = open ? text.indexOf(open) : 0;
      const answer = idx >= 0 ? text.slice(idx + open.length) : text;
      // Top logprobs at the token right after `<judgement>` in the generated text.
      let top: Record<string, number> | undefined;
      let acc = '';
      for (const t of r.logprobs ?? []) {
        if (acc.endsWith(this.choices.answerOpen)) {
          top = Object.fromEntries(t.top_logprobs.map((x) => [x.token, x.logprob]));
          break;
        }
        acc += t.token;
      }
      return { text: answer, top };
    }
  }
}
