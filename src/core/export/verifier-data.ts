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
 * (`<judgement>YES</judgement>` or `NO`) chat lines; over-long examples dropped, the larger class sampled at random
 * down to the requested negatives-per-positive ratio.
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
  const posAll = kept.filter((k) => k.ex.resolved);
  const negAll = kept.filter((k) => !k.ex.resolved);
  const ratio = opts.negativeRatio ?? 1;
  if (!(ratio >= 0)) throw new Error(`negative ratio must be >= 0 (got ${ratio})`);
  const rand = seededRandom(opts.seed ?? 42);
  // SWE-Gym had far more negatives and sampled them down to `ratio` x positives; when negatives are the scarce side,
  // positives are sampled down instead, so the ratio holds either way. `Infinity` keeps every negative.
  let nPos = posAll.length;
  let nNeg = negAll.length;
  if (Number.isFinite(ratio)) {
    if (negAll.length >= Math.round(posAll.length * ratio)) nNeg = Math.round(posAll.length * ratio);
    else nPos = Math.min(posAll.length, Math.round(negAll.length / ratio));
  }
  const pos = shuffled(posAll, rand).slice(0, nPos);
  const neg = shuffled(negAll, rand).slice(0, nNeg);
  // Interleaved at random (same seed), so a consumer reading the head of the file sees both classes.
  const lines = shuffled([...pos, ...neg], rand).map((k) => ({
    messages: k.messages,
    metadata: { rollout_id: k.ex.rolloutId, instance_id: k.ex.instance_id, resolved: k.ex.resolved },
  }));
  return {
    lines,
    stats: {
      positives: pos.length,
      negatives: neg.length,
      positives_available: posAll.length,
      negatives_available: negAll.length,
      dropped_over_budget: droppedLong,
      tokenizer: TOKENIZER_NAME,
    },
  };
}
