/** The model area: one interface for every caller of a language model, and its implementations. */
export * from './chat-model.js';
export { OpenAiChatModel, DEFAULT_RETRY, makeClient, maskSecret, type OpenAiModelOptions } from './openai-model.js';
export { isContextLengthError, isAbort, isRetryable, retryAfterMs, retryDelay, type RetryPolicy } from './retry.js';
export { RecordedModel, type Divergence } from './recorded-model.js';
export { loadTrajectory, normalizeObservation, trajectoryFromEvents, type LoadedTrajectory, type RecordedCall, type RecordedTurn } from './recording.js';
