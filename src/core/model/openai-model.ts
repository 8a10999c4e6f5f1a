/**
 * The OpenAI-compatible `ChatModel`: the real `openai` client with its own retries off, and our retry loop, so
 * every retry is reported (`onRetry`) instead of being a silent pause inside the SDK. The API key is handed in by
 * the caller (never looked up here) and masked out of every error text this model throws or reports.
 */
import OpenAI, { APIError } from 'openai';
import { ContextWindowError, ENDPOINT_REJECTED_STATUSES, EndpointRejectedError, ModelCallError } from './chat-model.js';
import type { CallHooks, ChatModel, ChatReply, ChatRequest, EmbedReply, EmbedRequest, PromptLogprobs, PromptReply, PromptRequest, TokenLogprob, Usage } from './chat-model.js';
import { errorStatus, isContextLengthError, isRetryable, retryDelay, sleep, type RetryPolicy } from './retry.js';

export interface OpenAiModelOptions {
  baseURL: string;
  model: string;
  /** The key itself (undefined or '' for endpoints without auth). */
  apiKey?: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** fetch handed to the openai client (the scheduler wraps it to cap concurrent requests per endpoint). */
  fetch?: typeof fetch;
}

export const DEFAULT_RETRY: RetryPolicy = { max_attempts: 6, base_delay_ms: 1000, max_delay_ms: 60_000 };

/** Replaces every occurrence of `secret` in `text` (short strings are not treated as secrets: they would mask noise). */
export function maskSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[REDACTED]');
}

/**
 * The `openai` client as every caller here needs it: the SDK's own retries off (ours are reported), and a dummy key
 * for endpoints without auth (local servers), which the client insists on. `swegym doctor` uses it for
 * `models.list`, which is not part of ChatModel.
 */
export function makeClient(baseURL: string, apiKey: string | undefined, timeoutMs: number, fetchImpl?: typeof fetch): OpenAI {
  return new OpenAI({ baseURL, apiKey: apiKey ? apiKey : 'sk-no-key', maxRetries: 0, timeout: timeoutMs, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

export class OpenAiChatModel implements ChatModel {
  readonly info: { model: string; base_url: string };
  private readonly client: OpenAI;
  private readonly retry: RetryPolicy;
  private readonly apiKey?: string;

  constructor(opts: OpenAiModelOptions) {
    this.apiKey = opts.apiKey;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.info = { model: opts.model, base_url: opts.baseURL };
    this.client = makeClient(opts.baseURL, opts.apiKey, opts.timeoutMs ?? 600_000, opts.fetch);
  }

  /** Error text with the key masked: the only way error texts leave this class. */
  private describe(err: unknown): string {
    return maskSecret(err instanceof Error ? err.message : String(err), this.apiKey);
  }

  /** What a 401/403/404 means for the user, naming the endpoint (without credentials) and what to check. */
  private rejection(status: number, err: unknown): string {
    const where = displayUrl(this.info.base_url);
    const said = this.describe(err);
    if (status === 401) return `the endpoint ${where} rejected the API key (HTTP 401: ${said}); check OPENAI_API_KEY (or the agent config's apiKeyEnv)`;
    if (status === 403) return `the endpoint ${where} denied access (HTTP 403: ${said}); check the API key's permissions for model "${this.info.model}"`;
    return `model "${this.info.model}" not found at ${where} (HTTP 404: ${said}); check --model and --base-url (it usually ends in /v1)`;
  }

  /** Our retry loop around one request; context overflows and final failures become typed, masked errors. */
  private async withRetries<T>(hooks: CallHooks, once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (caught) {
        if (hooks.signal?.aborted) throw caught;
        const err = withStreamStatus(caught);
        if (err instanceof ModelCallError) throw err;
        if (isContextLengthError(err)) throw new ContextWindowError(this.describe(err));
        const status = errorStatus(err);
        if (status !== undefined && ENDPOINT_REJECTED_STATUSES.includes(status)) throw new EndpointRejectedError(this.rejection(status, err), status, attempt);
        if (!isRetryable(err) || attempt >= this.retry.max_attempts) throw new ModelCallError(this.describe(err), errorStatus(err), attempt);
        const delayMs = retryDelay(attempt, this.retry, err);
        hooks.onRetry?.({ attempt, status: errorStatus(err), delayMs, error: this.describe(err) });
        await sleep(delayMs, hooks.signal);
      }
    }
  }

  private body(req: ChatRequest): Record<string, unknown> {
    const b: Record<string, unknown> = { ...(req.extra ?? {}), model: this.info.model, messages: req.messages };
    if (req.tools?.length) b.tools = req.tools;
    if (req.temperature !== undefined) b.temperature = req.temperature;
    if (req.top_p !== undefined) b.top_p = req.top_p;
    if (req.max_tokens !== undefined) b.max_tokens = req.max_tokens;
    if (req.seed !== undefined) b.seed = req.seed;
    if (req.stop?.length) b.stop = req.stop;
    if (req.response_format) b.response_format = req.response_format;
    if (req.top_logprobs !== undefined) {
      b.logprobs = true;
      b.top_logprobs = req.top_logprobs;
    }
    return b;
  }

  complete(req: ChatRequest, hooks: CallHooks = {}): Promise<ChatReply> {
    return this.withRetries(hooks, async () => {
      const started = Date.now();
      const res = (await this.client.chat.completions.create({ ...this.body(req), stream: false } as never, { signal: hooks.signal })) as unknown as OpenAI.Chat.Completions.ChatCompletion;
      const choice = res.choices?.[0];
      if (!choice) throw new ModelCallError('the endpoint returned no choices');
      const msg = choice.message;
      const toolCalls = (msg.tool_calls ?? [])
        .filter((tc) => tc.type === 'function')
        .map((tc, i) => {
          const f = (tc as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function;
          return { id: tc.id || `call_${i}`, name: f.name, arguments: f.arguments ?? '' };
        });
      const logprobs = chatLogprobs(choice.logprobs?.content);
      return {
        content: msg.content ?? null,
        toolCalls,
        finishReason: choice.finish_reason ?? null,
        usage: usageOf(res.usage),
        ...(logprobs ? { logprobs } : {}),
        latencyMs: Date.now() - started,
      };
    });
  }

  stream(req: ChatRequest, hooks: CallHooks = {}): Promise<ChatReply> {
    return this.withRetries(hooks, async () => {
      const started = Date.now();
      const stream = (await this.client.chat.completions.create({ ...this.body(req), stream: true, stream_options: { include_usage: true } } as never, {
        signal: hooks.signal,
      })) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
      let content: string | null = null;
      const calls: { id: string; name: string; arguments: string }[] = [];
      let finishReason: string | null = null;
      let usage: Usage | undefined;
      let logprobs: TokenLogprob[] | undefined;
      for await (const chunk of stream) {
        // vLLM before 2025 and SGLang report an error inside the stream as a top-level `{"object":"error",...}`
        // chunk, which the SDK passes on as if it were data: without this the reply would silently end empty.
        const raw = chunk as unknown as { object?: string; message?: string; code?: unknown };
        if (raw.object === 'error') throw new APIError(typeof raw.code === 'number' ? raw.code : undefined, raw, raw.message ?? 'error in the stream', undefined);
        // vLLM and OpenAI send usage in a last chunk with `choices: []` (stream_options.include_usage).
        if (chunk.usage) usage = usageOf(chunk.usage);
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const d = choice.delta ?? {};
        if (typeof d.content === 'string' && d.content !== '') {
          content = (content ?? '') + d.content;
          hooks.onDelta?.({ content: d.content });
        }
        for (const tc of d.tool_calls ?? []) {
          const idx = tc.index ?? 0;
          const slot = (calls[idx] ??= { id: '', name: '', arguments: '' });
          if (tc.id) slot.id = tc.id;
          if (tc.function?.name) slot.name += tc.function.name;
          const frag = tc.function?.arguments ?? '';
          slot.arguments += frag;
          hooks.onDelta?.({ tool_call_index: idx, tool_name: tc.function?.name || undefined, arguments: frag });
        }
        const lp = chatLogprobs(choice.logprobs?.content);
        if (lp) logprobs = [...(logprobs ?? []), ...lp];
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      const toolCalls = calls.filter(Boolean).map((c, i) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments }));
      return { content, toolCalls, finishReason, usage, ...(logprobs ? { logprobs } : {}), latencyMs: Date.now() - started };
    });
  }

  completePrompt(req: PromptRequest, hooks: CallHooks = {}): Promise<PromptReply> {
    return this.withRetries(hooks, async () => {
      const started = Date.now();
      const body: Record<string, unknown> = { ...(req.extra ?? {}), model: this.info.model, prompt: req.prompt, max_tokens: req.max_tokens };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.echo) body.echo = true;
      if (req.logprobs !== undefined) body.logprobs = req.logprobs;
      if (req.stop?.length) body.stop = req.stop;
      const res = (await this.client.completions.create(body as never, { signal: hooks.signal })) as unknown as OpenAI.Completions.Completion;
      const c = res.choices?.[0];
      if (!c) throw new ModelCallError('the endpoint returned no choices');
      const lp = c.logprobs as unknown as Partial<PromptLogprobs> | null | undefined;
      const logprobs: PromptLogprobs | undefined =
        lp?.tokens && lp.token_logprobs
          ? { tokens: lp.tokens, token_logprobs: lp.token_logprobs, top_logprobs: lp.top_logprobs ?? null, text_offset: lp.text_offset ?? [] }
          : undefined;
      return { text: c.text ?? '', finishReason: c.finish_reason ?? null, usage: usageOf(res.usage), ...(logprobs ? { logprobs } : {}), latencyMs: Date.now() - started };
    });
  }

  embed(req: EmbedRequest, hooks: CallHooks = {}): Promise<EmbedReply> {
    return this.withRetries(hooks, async () => {
      const started = Date.now();
      const res = await this.client.embeddings.create({ model: this.info.model, input: req.input }, { signal: hooks.signal });
      // Servers may return the vectors in any order; each says which input it belongs to.
      const byIndex = [...(res.data ?? [])].sort((a, b) => a.index - b.index);
      if (byIndex.length !== req.input.length) {
        throw new ModelCallError(`the embeddings endpoint ${displayUrl(this.info.base_url)} returned ${byIndex.length} vectors for ${req.input.length} inputs`);
      }
      return {
        vectors: byIndex.map((d) => d.embedding as number[]),
        ...(res.usage ? { usage: { prompt_tokens: res.usage.prompt_tokens ?? 0 } } : {}),
        latencyMs: Date.now() - started,
      };
    });
  }
}

/** A base URL as shown in messages: no user, password or query (keys hide there). */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(the configured endpoint)';
  }
}

/**
 * An error event inside a stream (`data: {"error":{...,"code":500}}`) reaches us as an APIError without an HTTP
 * status; vLLM puts the status in `code`, so the retry rules can treat it like the same error sent as a response.
 */
function withStreamStatus(err: unknown): unknown {
  if (!(err instanceof APIError) || err.status !== undefined) return err;
  const body = err.error as { code?: unknown; message?: unknown } | undefined;
  if (typeof body?.code !== 'number') return err;
  return new APIError(body.code, body, typeof body.message === 'string' ? body.message : err.message, err.headers);
}

function usageOf(u: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): Usage | undefined {
  return u ? { prompt_tokens: u.prompt_tokens ?? 0, completion_tokens: u.completion_tokens ?? 0 } : undefined;
}

function chatLogprobs(content: OpenAI.Chat.Completions.ChatCompletionTokenLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (!content) return undefined;
  return content.map((t) => ({ token: t.token, logprob: t.logprob, top_logprobs: (t.top_logprobs ?? []).map((x) => ({ token: x.token, logprob: x.logprob })) }));
}
