/**
 * The one model interface: everything that talks to a language model (the LLM agent, the Moatless agent, the LLM
 * verifier, the code index's embeddings) goes through a `ChatModel`. Implementations: `OpenAiChatModel` (any
 * OpenAI-compatible endpoint through the `openai` client) and `RecordedModel` (replays a recorded trajectory through
 * the same agent loop).
 *
 * Retries belong to the implementation and are never silent: each one is reported through `onRetry` before the
 * pause, so callers can turn it into a `model_retry` event. Error texts an implementation throws or reports are
 * already masked (no API key in them).
 */
import type { ChatMessage, StopReason } from '../events.js';

/** An OpenAI `tools` entry (function tools), as JSON. */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/** JSON mode (`json_object`), a JSON schema the endpoint enforces (`json_schema`), or plain text. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  /** Stop words (OpenAI allows at most 4). The endpoint withholds them from the reply. */
  stop?: string[];
  response_format?: ResponseFormat;
  /** Per-token logprobs of the reply, with this many alternatives each (0-20). */
  top_logprobs?: number;
  /** Endpoint-specific body fields passed through as they are (e.g. vLLM's `include_stop_str_in_output`). */
  extra?: Record<string, unknown>;
}

export interface ReplyToolCall {
  id: string;
  name: string;
  /** The raw JSON text the model produced (possibly malformed). */
  arguments: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  top_logprobs: { token: string; logprob: number }[];
}

export interface ChatReply {
  content: string | null;
  toolCalls: ReplyToolCall[];
  finishReason: string | null;
  /** Absent when the endpoint reported none (callers may estimate, and must say so). */
  usage?: Usage;
  /** Only when the request asked for `top_logprobs`. */
  logprobs?: TokenLogprob[];
  latencyMs: number;
}

/** A streamed fragment: content text, or a piece of one tool call (its name comes with the first piece). */
export type Delta = { content: string } | { tool_call_index: number; tool_name?: string; arguments: string };

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  status?: number;
  delayMs: number;
  /** Masked error text. */
  error: string;
}

export interface CallHooks {
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Streaming only. */
  onDelta?: (d: Delta) => void;
  /** Something the caller's user should see (a recorded model reports a divergence here). */
  onLog?: (level: 'info' | 'warn', message: string) => void;
}

/** The legacy completions API: what the LLM verifier needs for echoed prompt logprobs. */
export interface PromptRequest {
  prompt: string;
  max_tokens: number;
  temperature?: number;
  /** Echo the prompt back (with its tokens' logprobs when `logprobs` is set). */
  echo?: boolean;
  /** Alternatives per token (0 = only the chosen token's logprob). */
  logprobs?: number;
  stop?: string[];
  extra?: Record<string, unknown>;
}

/** The completions API's logprobs block, as vLLM and SGLang return it (offsets are theirs, see the verifier). */
export interface PromptLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null> | null;
  text_offset: number[];
}

export interface PromptReply {
  text: string;
  finishReason: string | null;
  usage?: Usage;
  logprobs?: PromptLogprobs;
  latencyMs: number;
}

/** Embeddings (`/v1/embeddings`): one vector per input text, in input order. */
export interface EmbedRequest {
  input: string[];
}

export interface EmbedReply {
  vectors: number[][];
  usage?: { prompt_tokens: number };
  latencyMs: number;
}

export interface ChatModel {
  /** What may be recorded about the model (never a key). */
  readonly info: { model: string; base_url?: string };
  /** One chat completion, whole. */
  complete(req: ChatRequest, hooks?: CallHooks): Promise<ChatReply>;
  /** One chat completion, streamed: fragments go to `onDelta` as they arrive; resolves to the whole reply. */
  stream(req: ChatRequest, hooks?: CallHooks): Promise<ChatReply>;
  /** One completion of a raw prompt (completions API). */
  completePrompt(req: PromptRequest, hooks?: CallHooks): Promise<PromptReply>;
  /** Embeddings of texts, for a model served for that (semantic code search); absent where a model has none. */
  embed?(req: EmbedRequest, hooks?: CallHooks): Promise<EmbedReply>;
  /**
   * Called once when the agent stops, with the final history and patch. A model that keeps its own account (a
   * recording) checks the last results here and may give the run's closing message.
   */
  endRun?(run: { messages: ChatMessage[]; patch: string }, hooks?: CallHooks): { message?: string } | undefined;
}

/** The model ends the run with this stop reason (a recording that has no more turns). Not an error. */
export class ModelStop extends Error {
  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
    this.name = 'ModelStop';
  }
}

/** The prompt does not fit the model's context (the caller may shorten the history and ask again). */
export class ContextWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextWindowError';
  }
}

/** The call failed for good (not retryable, or out of attempts). */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/**
 * The endpoint refuses this configuration itself (HTTP 401 bad key, 403 no access, 404 no such model or path): every
 * later call would fail the same way, so it is no result of the rollout and no reason to go on with a batch.
 */
export class EndpointRejectedError extends ModelCallError {
  constructor(message: string, status: number, attempts = 1) {
    super(message, status, attempts);
    this.name = 'EndpointRejectedError';
  }
}

/** HTTP statuses that say the endpoint, key or model name is wrong (not this request). */
export const ENDPOINT_REJECTED_STATUSES: readonly number[] = [401, 403, 404];
