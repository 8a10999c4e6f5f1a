import { countTokens, TOKENIZER_NAME } from '../verifier/tokens.js';
import type { ChatMessage } from '../events.js';
import { renderTrajectory } from '../verifier/llm/render.js';
import { judgeMessages, loadJudgeTemplates, CHAT_TEMPLATES, type ChatTemplateName } from '../verifier/llm/prompt.js';
import { seededRandom, shuffled } from '../util/rng.js';

export interface VerifierExample {
  rolloutId: string;
  instance_id: string;
  resolved: boolean;
  messages: ChatMessage[];
}

export interface VerifierDataOptions {
  /** Examples whose full conversation (template-rendered) reaches this many tokens are dropped (SWE-Gym: 32,768). */
  maxTokens?: number;
  /** Negatives per positive (SWE-Gym's main set: 1; ablations 0.5, 2, 4). `Infinity` keeps every negative. */
  negativeRatio?: number;
  seed?: number;
  template?: ChatTemplateName;
  promptDir?: string;
}

/**
 * Verifier training data as SWE-Gym built it (facts §6.4): system / user (rendered trajectory) / assistant
 * (`<judgement>YES</judgement>` or `NO`) chat lines; over-long examples dropped, negatives sampled at random to the
 * requested ratio.
 */
export function buildVerifierData(examples: readonly VerifierExample[], opts: VerifierDataOptions = {}) {
  const maxTokens = opts.maxTokens ?? 32768;
  const templates = loadJudgeTemplates(opts.promptDir);
  const render = CHAT_TEMPLATES[opts.template ?? 'chatml'];
  const kept: Array<{ ex: VerifierExample; messages: ChatMessage[] }> = [];
  let droppedLong = 0;
  for (const ex of examples) {
    const messages: ChatMessage[] = [
      ...judgeMessages(renderTrajectory(ex.messages), templates),
      { role: 'assistant', content: `<judgement>${ex.resolved ? 'YES' : 'NO'}</judgement>` },
    ];
    const tokens = countTokens(render(messages.slice(0, 2), messages[2]!.content ?? ''));
    if (tokens >= maxTokens) {
      droppedLong++;
      continue;
    }
    kept.push({ ex, messages });
  }
  const pos = kept.filter((k) => k.ex.resolved);
  const negAll = kept.filter((k) => !k.ex.resolved);
  const ratio = opts.negativeRatio ?? 1;
  const nNeg = Number.isFinite(ratio) ? Math.min(negAll.length, Math.round(pos.length * ratio)) : negAll.length;
  const neg = shuffled(negAll, seededRandom(opts.seed ?? 42)).slice(0, nNeg);
  const lines = [...pos, ...neg].map((k) => ({ messages: k.messages, metadata: { rollout_id: k.ex.rolloutId, instance_id: k.ex.instance_id, resolved: k.ex.resolved } }));
  return { lines, stats: { positives: pos.length, negatives: neg.length, negatives_available: negAll.length, dropped_over_budget: droppedLong, tokenizer: TOKENIZER_NAME } };
}
