/** P(YES) from the two choices' log-probabilities: e^l_yes / (e^l_yes + e^l_no), computed stably. */
export function pYes(lYes: number, lNo: number): number {
  const m = Math.max(lYes, lNo);
  const a = Math.exp(lYes - m);
  const b = Math.exp(lNo - m);
  return a / (a + b);
}

export interface EchoLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  text_offset: number[];
}

/**
 * Log-probability of the text in [start, end) of an echoed prompt: the sum over the tokens that overlap it.
 * Returns the sum, the token count, and whether a token straddled the start boundary (tokenizer merged across it).
 */
export function spanLogprob(lp: EchoLogprobs, start: number, end: number): { sum: number; count: number; straddles: boolean } | undefined {
  let sum = 0;
  let count = 0;
  let straddles = false;
  for (let i = 0; i < lp.tokens.length; i++) {
    const from = lp.text_offset[i]!;
    const to = from + lp.tokens[i]!.length;
    if (to <= start || from >= end) continue;
    const l = lp.token_logprobs[i];
    if (l === null || l === undefined) return undefined;
    if (from < start) straddles = true;
    sum += l;
    count++;
  }
  return count ? { sum, count, straddles } : undefined;
}

/** Finds the exact choice strings in a top-logprobs map; a decoy like "YES" without the space is ignored. */
export function pickChoices(top: Record<string, number>, yes: string, no: string): { lYes?: number; lNo?: number; floor: number } {
  const values = Object.values(top);
  const floor = values.length ? Math.min(...values) : -Infinity;
  return { lYes: top[yes], lNo: top[no], floor };
}
