/** The model area: one interface for every caller of a language model, and its implementations. */
export * from './chat-model.js';
export { OpenAiChatModel, DEFAULT_RETRY, makeClient, maskSecret, type OpenAiModelOptions } from './openai-model.js';
export { isContextLengthError, isAbort, isRetryable, retryAfterMs, retryDelay, type RetryPolicy } from './retry.js';
