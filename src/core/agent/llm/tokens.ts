/**
 * Token estimates for endpoints that report no usage, with a real BPE tokenizer (cl100k_base via gpt-tokenizer;
 * exact for OpenAI's older models, a close estimate for others). Loaded lazily: only runs that need it pay for it.
 */
import type { ChatMessage } from '../../events.js';

type CountFn = (text: string) => number;
let counter: Promise<CountFn> | undefined;

async function getCounter(): Promise<CountFn> {
  counter ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => (text: string) => m.countTokens(text));
  return counter;
}

/** OpenAI's chat accounting: ~3 tokens of framing per message plus 3 for the reply primer. */
export async function estimatePromptTokens(messages: ChatMessage[], toolsJson?: string): Promise<number> {
  const count = await getCounter();
  let n = 3;
  for (const m of messages) {
    n += 3 + count(m.content ?? '') + count(m.role);
    for (const tc of m.tool_calls ?? []) n += 3 + count(tc.function.name) + count(tc.function.arguments);
    if (m.name) n += 1 + count(m.name);
  }
  if (toolsJson) n += count(toolsJson);
  return n;
}

export async function estimateCompletionTokens(content: string | null, toolCalls: { name: string; arguments: string }[]): Promise<number> {
  const count = await getCounter();
  let n = content ? count(content) : 0;
  for (const tc of toolCalls) n += 3 + count(tc.name) + count(tc.arguments);
  return Math.max(n, 1);
}
