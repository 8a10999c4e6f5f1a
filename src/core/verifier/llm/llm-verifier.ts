import OpenAI from 'openai';
import { z } from 'zod';
import { countTokens } from '../tokens.js';
import type { ChatMessage } from '../../events.js';
import type { Candidate, Score, Verifier } from '../types.js';
import { renderTrajectory } from './render.js';
import { CHAT_TEMPLATES, CHOICES, JUDGEMENT_OPEN, judgeMessages, loadJudgeTemplates, type JudgePrompt } from './prompt.js';
import { pickChoices, pYes, spanLogprob, type EchoLogprobs } from './logprobs.js';
import { toSwegymText } from '../../export/text-trajectory.js';

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
  /**
   * Convert trajectories to SWE-Gym's text form first (native calls to `<function=...>` text, results as user
   * messages, in-context example removed), as the verifier's training data was (facts §5, §6.1). Default true.
   */
  textFormat: z.boolean().default(true),
});
export type LlmVerifierConfig = z.input<typeof LlmVerifierConfig>;

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
  private readonly client: OpenAI;
  private readonly templates: JudgePrompt;

  constructor(config: LlmVerifierConfig) {
    this.cfg = LlmVerifierConfig.parse(config);
    this.client = new OpenAI({
      baseURL: this.cfg.baseURL,
      apiKey: process.env[this.cfg.apiKeyEnv] || 'none',
      maxRetries: 2,
      timeout: this.cfg.timeoutMs,
    });
    this.templates = loadJudgeTemplates(this.cfg.promptDir);
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
    const key = process.env[this.cfg.apiKeyEnv];
    if (!key || key.length < 4) return text;
    return text.split(key).join('[REDACTED]');
  }

  async scoreOne(messages: ChatMessage[], signal?: AbortSignal): Promise<Score> {
    const { prompt, judge, flags } = this.buildPrompt(messages);
    const forced = await this.forcedChoices(prompt, signal).catch((e: unknown) => ({ error: this.redact(String(e)) }));
    if ('lYes' in forced) {
      const score = pYes(forced.lYes, forced.lNo);
      if (forced.straddles) flags.push('boundary_token');
      return { score, explanation: `P(YES)=${score.toFixed(4)} from forced choices (l_yes=${forced.lYes.toFixed(4)}, l_no=${forced.lNo.toFixed(4)})`, flags };
    }
    const gen = await this.generated(prompt, judge, signal);
    if (gen.top) {
      const { lYes, lNo, floor } = pickChoices(gen.top, CHOICES.yes, CHOICES.no);
      if (lYes !== undefined || lNo !== undefined) {
        const f = [...flags, 'top_logprobs_fallback'];
        if (lYes === undefined || lNo === undefined) f.push('choice_missing');
        const score = pYes(lYes ?? floor, lNo ?? floor);
        return { score, explanation: `P(YES)=${score.toFixed(4)} from top logprobs of the generated token (forced choices failed: ${forced.error})`, flags: f };
      }
    }
    const m = /^\s*(YES|NO)\b/.exec(gen.text);
    if (m) {
      return { score: m[1] === 'YES' ? 1 : 0, explanation: `parsed answer ${m[1]} (no usable logprobs)`, flags: [...flags, 'parsed_answer_fallback'] };
    }
    return { score: 0.5, explanation: `no answer could be read: ${JSON.stringify(gen.text.slice(0, 80))}`, flags: [...flags, 'no_answer'] };
  }

  /** Scores " YES" and " NO" as continuations of the prompt via echoed prompt logprobs. */
  private async forcedChoices(prompt: string, signal?: AbortSignal): Promise<{ lYes: number; lNo: number; straddles: boolean }> {
    const one = async (choice: string) => {
      const r = await this.client.completions.create(
        { model: this.cfg.model, prompt: prompt + choice, max_tokens: 1, temperature: 0, echo: true, logprobs: 1 },
        { signal },
      );
      const lp = r.choices[0]?.logprobs as unknown as EchoLogprobs | undefined;
      if (!lp?.tokens || !lp.text_offset || !lp.token_logprobs) throw new Error('endpoint returned no echoed prompt logprobs');
      const span = spanLogprob(lp, prompt.length, prompt.length + choice.length);
      if (!span) throw new Error(`no logprobs for the choice ${JSON.stringify(choice)}`);
      // SGLang's token_length_normalized choice method: mean logprob per token.
      return { l: span.sum / span.count, straddles: span.straddles };
    };
    const yes = await one(CHOICES.yes);
    const no = await one(CHOICES.no);
    return { lYes: yes.l, lNo: no.l, straddles: yes.straddles || no.straddles };
  }

  /** Lets the model generate the answer; returns its text and the top logprobs of the first generated token. */
  private async generated(prompt: string, judge: ChatMessage[], signal?: AbortSignal): Promise<{ text: string; top?: Record<string, number> }> {
    try {
      const r = await this.client.completions.create({ model: this.cfg.model, prompt, max_tokens: 8, temperature: 0, logprobs: 20 }, { signal });
      const c = r.choices[0];
      const top = (c?.logprobs?.top_logprobs?.[0] ?? undefined) as Record<string, number> | undefined;
      return { text: c?.text ?? '', top };
    } catch {
      const r = await this.client.chat.completions.create(
        {
          model: this.cfg.model,
          messages: judge as OpenAI.ChatCompletionMessageParam[],
          max_tokens: 16,
          temperature: 0,
          logprobs: true,
          top_logprobs: 20,
        },
        { signal },
      );
      const c = r.choices[0];
      const text = c?.message?.content ?? '';
      const idx = text.indexOf(JUDGEMENT_OPEN);
      const answer = idx >= 0 ? text.slice(idx + JUDGEMENT_OPEN.length) : text;
      // Top logprobs at the token right after `<judgement>` in the generated text.
      let top: Record<string, number> | undefined;
      let acc = '';
      for (const t of c?.logprobs?.content ?? []) {
        if (acc.endsWith(JUDGEMENT_OPEN)) {
          top = Object.fromEntries(t.top_logprobs.map((x) => [x.token, x.logprob]));
          break;
        }
        acc += t.token;
      }
      return { text: answer, top };
    }
  }

}
