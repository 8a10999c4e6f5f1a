import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

export interface RetryPolicy {
  max_attempts: number;
  base_delay_ms: number;
  max_delay_ms: number;
}

/** The endpoint says the prompt does not fit (OpenAI-compatible servers phrase it in several ways). */
export function isContextLengthError(err: unknown): boolean {
  if (!(err instanceof APIError) || err instanceof APIConnectionError) return false;
  if (err.code === 'context_length_exceeded') return true;
  const status = err.status ?? 0;
  if (status !== 400 && status !== 413 && status !== 422) return false;
  const body = err.error as { param?: unknown; error?: { param?: unknown } } | undefined;
  // vLLM's renderer tags its overflow with param "input_tokens" (body `{"error":{...}}`, or top-level before 2025).
  if (body?.param === 'input_tokens' || body?.error?.param === 'input_tokens') return true;
  // vLLM's engine input check says "The decoder prompt (length N) is longer than the maximum model length of M."
  return /maximum context length|context length|too many tokens|context window|maximum model length|prompt is too long/i.test(`${err.message} ${JSON.stringify(body ?? '')}`);
}

export function isAbort(err: unknown): boolean {
  return err instanceof APIUserAbortError || (err instanceof Error && err.name === 'AbortError');
}

/** 429, 408, 409, 5xx, timeouts and connection errors are worth another attempt. */
export function isRetryable(err: unknown): boolean {
  if (isAbort(err)) return false;
  if (err instanceof APIConnectionError) return true; // includes APIConnectionTimeoutError
  if (err instanceof APIError) {
    const s = err.status ?? 0;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  // A stream cut mid-body surfaces as a plain TypeError ("terminated") from undici.
  return err instanceof TypeError && /terminated|fetch failed|socket|ECONNRESET/i.test(err.message);
}

/** Retry-After as seconds or an HTTP date (and the non-standard retry-after-ms). Returns ms, or undefined. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  const t = ra.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000);
  const date = Date.parse(t);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** Exponential backoff: base * 2^(attempt-1), capped; a server's Retry-After wins (still capped by max_delay_ms). */
export function retryDelay(attempt: number, policy: RetryPolicy, err: unknown): number {
  const headers = err instanceof APIError ? (err.headers as Headers | undefined) : undefined;
  const ra = retryAfterMs(headers);
  if (ra !== undefined) return Math.min(ra, policy.max_delay_ms);
  return Math.min(policy.base_delay_ms * 2 ** (attempt - 1), policy.max_delay_ms);
}

export function errorStatus(err: unknown): number | undefined {
  return err instanceof APIError && typeof err.status === 'number' ? err.status : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
