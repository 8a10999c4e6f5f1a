/**
 * One chat-completions call through the `openai` package (its own retries off), streamed or not, with our retry
 * loop: every retry is reported (a `model_retry` event), never a silent pause.
 */
import OpenAI from 'openai';
import type { ChatMessage } from '../../events.js';
import { errorStatus, isContextLengthError, isRetryable, retryDelay, sleep, type RetryPolicy } from './retry.js';

export interface ReplyToolCall {
  id: string;
  name: string;
  arguments: string;
}
export interface ModelReply {
  content: string | null;
  toolCalls: ReplyToolCall[];
  finishReason: string | null;
  usage?: { prompt_tokens: number; completion_tokens: number };
  latencyMs: number;
}

export type Delta = { content: string } | { tool_call_index: number; tool_name?: string; arguments: string };

export class ContextWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextWindowError';
  }
}
export class ModelCallError extends Error {
  constructor(message: string, readonly status?: number, readonly attempts = 1) {
    super(message);
    this.name = 'ModelCallError';
  }
}

export interface CallOptions {
  stream: boolean;
  signal: AbortSignal;
  retry: RetryPolicy;
  onRetry: (info: { attempt: number; status?: number; delayMs: number; error: string }) => void;
  onDelta: (d: Delta) => void;
}

export function makeClient(baseURL: string, apiKey: string | undefined, timeoutMs: number, fetchImpl?: typeof fetch): OpenAI {
  // Endpoints without auth (local servers) still need a non-empty key for the client; it is never logged.
  return new OpenAI({ baseURL, apiKey: apiKey && apiKey !== '' ? apiKey : 'sk-no-key', maxRetries: 0, timeout: timeoutMs, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function callModel(
  client: OpenAI,
  params: Record<string, unknown> & { messages: ChatMessage[] },
  opts: CallOptions,
): Promise<ModelReply> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    try {
      const reply = opts.stream ? await streamOnce(client, params, opts) : await once(client, params, opts);
      return { ...reply, latencyMs: Date.now() - started };
    } catch (err) {
      if (opts.signal.aborted) throw err;
      if (isContextLengthError(err)) throw new ContextWindowError(describe(err));
      if (!isRetryable(err) || attempt >= opts.retry.max_attempts) {
        throw new ModelCallError(describe(err), errorStatus(err), attempt);
      }
      const delayMs = retryDelay(attempt, opts.retry, err);
      opts.onRetry({ attempt, status: errorStatus(err), delayMs, error: describe(err) });
      await sleep(delayMs, opts.signal);
    }
  }
}

async function once(client: OpenAI, params: Record<string, unknown>, opts: CallOptions): Promise<Omit<ModelReply, 'latencyMs'>> {
  const res = (await client.chat.completions.create({ ...params, stream: false } as never, { signal: opts.signal })) as unknown as OpenAI.Chat.Completions.ChatCompletion;
  const choice = res.choices?.[0];
  if (!choice) throw new ModelCallError('the endpoint returned no choices');
  const msg = choice.message;
  const toolCalls = (msg.tool_calls ?? [])
    .filter((tc) => tc.type === 'function')
    .map((tc, i) => {
      const f = (tc as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function;
      return { id: tc.id || `call_${i}`, name: f.name, arguments: f.arguments ?? '' };
    });
  const usage = res.usage ? { prompt_tokens: res.usage.prompt_tokens ?? 0, completion_tokens: res.usage.completion_tokens ?? 0 } : undefined;
  return { content: msg.content ?? null, toolCalls, finishReason: choice.finish_reason ?? null, usage };
}

async function streamOnce(client: OpenAI, params: Record<string, unknown>, opts: CallOptions): Promise<Omit<ModelReply, 'latencyMs'>> {
  const stream = (await client.chat.completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } } as never,
    { signal: opts.signal },
  )) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
  let content: string | null = null;
  const calls: { id: string; name: string; arguments: string }[] = [];
  let finishReason: string | null = null;
  let usage: ModelReply['usage'];
  for await (const chunk of stream) {
    if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens ?? 0, completion_tokens: chunk.usage.completion_tokens ?? 0 };
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const d = choice.delta ?? {};
    if (typeof d.content === 'string' && d.content !== '') {
      content = (content ?? '') + d.content;
      opts.onDelta({ content: d.content });
    }
    for (const tc of d.tool_calls ?? []) {
      const idx = tc.index ?? 0;
      const slot = (calls[idx] ??= { id: '', name: '', arguments: '' });
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.name += tc.function.name;
      const frag = tc.function?.arguments ?? '';
      if (frag !== '' || tc.function?.name) slot.arguments += frag;
      opts.onDelta({ tool_call_index: idx, tool_name: tc.function?.name || undefined, arguments: frag });
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  const toolCalls = calls.filter(Boolean).map((c, i) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments }));
  return { content, toolCalls, finishReason, usage };
}
