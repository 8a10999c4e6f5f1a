import { encode } from 'gpt-tokenizer';

/** Name of the tokenizer used for every budget and filter in verifier and export code. */
export const TOKENIZER_NAME = 'gpt-tokenizer (o200k_base)';

/**
 * Token count of a text. Chat-template markers (`<|im_start|>`) and special tokens that a trajectory may contain
 * are counted as tokens, never rejected (gpt-tokenizer throws on them by default).
 */
export function countTokens(text: string): number {
  return encode(text, { allowedSpecial: 'all' }).length;
}
