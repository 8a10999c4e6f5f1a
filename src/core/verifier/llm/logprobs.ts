import type { PromptLogprobs } from '../../model/index.js';

/** P(YES) from the two choices' log-probabilities: e^l_yes / (e^l_yes + e^l_no), computed stably. */
export function pYes(lYes: number, lNo: number): number {
  const m = Math.max(lYes, lNo);
  const a = Math.exp(lYes - m);
  const b = Math.exp(lNo - m);
  return a / (a + b);
}

export type ChoiceSpan = { sum: number; count: number; straddles: boolean } | { error: string };

/**
 * Log-probability of `choice` where the echoed prompt ends (the request's prompt was `judge prompt + choice`), found
 * by walking back from the last echoed prompt token, not by `text_offset`: vLLM counts offsets in Python code points
 * of each token decoded alone (a byte-fragment token decodes to U+FFFD, an emoji is one code point but two UTF-16
 * units), so they drift from JavaScript positions as soon as the trajectory holds such a character; SGLang sets every
 * offset to -1. The choice is ASCII and the last tokens' texts are exact, so reading from the end is reliable.
 *
 * `generated` is how many tokens at the very end the model generated (after the echoed prompt). A token that starts
 * before the choice (the tokenizer merged across the boundary) is counted and flagged `straddles`.
 */
export function choiceLogprobAtEnd(lp: PromptLogprobs, choice: string, generated: number): ChoiceSpan {
  const end = lp.tokens.length - generated;
  if (end <= 0) return { error: `the echo holds ${lp.tokens.length} token(s), fewer than the ${generated} generated` };
  let text = '';
  let start = end;
  while (start > 0 && text.length < choice.length) text = lp.tokens[--start]! + text;
  if (!text.endsWith(choice)) return { error: `the echoed prompt ends with ${JSON.stringify(text)}, not the choice ${JSON.stringify(choice)}` };
  let sum = 0;
  for (let i = start; i < end; i++) {
    const l = lp.token_logprobs[i];
    if (l === null || l === undefined) return { error: `no logprob for the token ${JSON.stringify(lp.tokens[i])} of the choice ${JSON.stringify(choice)}` };
    sum += l;
  }
  return { sum, count: end - start, straddles: text !== choice };
}

/** Finds the exact choice strings in a top-logprobs map; a decoy like "YES" without the space is ignored. */
export function pickChoices(top: Record<string, number>, yes: string, no: string): { lYes?: number; lNo?: number; floor: number } {
  const values = Object.values(top);
  const floor = values.length ? Math.min(...values) : -Infinity;
  return { lYes: top[yes], lNo: top[no], floor };
}
