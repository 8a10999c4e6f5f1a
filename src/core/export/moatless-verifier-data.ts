/**
 * Training data of the Moatless verifier as SWE-Gym curated it (SWE-Gym/SWE-Gym scripts/moatless-verifier
 * parse_to_orm_data.py + curate_dataset.ipynb; paper §4.1.2): per verified Moatless rollout the messages
 * [system, user (issue, identified spans, before/after hunks), assistant "True"/"False"]; at most 2 positives and
 * 2 negatives per instance (seeded), negatives subsampled to match positives 1:1, shuffled; examples over 10,240
 * tokens (ChatML) dropped.
 */
import type { ChatMessage } from '../events.js';
import { seededRandom, shuffled } from '../util/rng.js';
import { TOKENIZER_NAME } from '../verifier/tokens.js';
import { chatmlTokens } from './moatless-sft.js';

export interface MoatlessVerifierExample {
  rolloutId: string;
  instance_id: string;
  resolved: boolean;
  /** system + user, built by the Moatless verifier's prompt builder. */
  prompt: ChatMessage[];
}

export interface MoatlessVerifierDataOptions {
  perInstance?: number;
  maxTokens?: number;
  seed?: number;
}

export function buildMoatlessVerifierData(examples: readonly MoatlessVerifierExample[], opts: MoatlessVerifierDataOptions = {}) {
  const cap = opts.perInstance ?? 2;
  const maxTokens = opts.maxTokens ?? 10240;
  const rand = seededRandom(opts.seed ?? 42);
  let droppedLong = 0;
  const withMessages: { ex: MoatlessVerifierExample; messages: ChatMessage[] }[] = [];
  for (const ex of examples) {
    const messages: ChatMessage[] = [...ex.prompt, { role: 'assistant', content: ex.resolved ? 'True' : 'False' }];
    if (chatmlTokens(messages) > maxTokens) {
      droppedLong++;
      continue;
    }
    withMessages.push({ ex, messages });
  }
  const groups = new Map<string, typeof withMessages>();
  for (const k of withMessages) {
    const key = `${k.ex.instance_id}\0${k.ex.resolved}`;
    groups.set(key, [...(groups.get(key) ?? []), k]);
  }
  const pos: typeof withMessages = [];
  const neg: typeof withMessages = [];
  for (const key of [...groups.keys()].sort()) {
    const chosen = shuffled(groups.get(key)!, rand).slice(0, cap);
    (chosen[0]!.ex.resolved ? pos : neg).push(...chosen);
  }
  const negKept = shuffled(neg, rand).slice(0, pos.length);
  const lines = shuffled([...pos, ...negKept], rand).map((k) => ({
    messages: k.messages,
    metadata: { rollout_id: k.ex.rolloutId, instance_id: k.ex.instance_id, resolved: k.ex.resolved },
  }));
  return {
    lines,
    stats: {
      positives: pos.length,
      negatives: negKept.length,
      positives_available: withMessages.filter((k) => k.ex.resolved).length,
      negatives_available: withMessages.filter((k) => !k.ex.resolved).length,
      dropped_over_budget: droppedLong,
      tokenizer: `${TOKENIZER_NAME}, ChatML framing`,
    },
  };
}
