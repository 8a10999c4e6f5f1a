/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 (ephemeral port) for tests: chat completions (JSON or SSE
 * streaming, tool calls, usage present or absent), the legacy completions API (logprobs / echo), scripted error
 * statuses (429 + Retry-After, 400 context-length, 5xx) and delays. Every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** JSON string, or an object to be JSON-encoded. Malformed strings are sent as they are. */
  arguments: string | Record<string, unknown>;
}

export interface ReplyStep {
  content?: string | null;
  tool_calls?: ScriptedToolCall[];
  finish_reason?: string;
  /** Omitted or null: the response carries no usage at all. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  delayMs?: number;
  /** Chat logprobs block (`{content:[{token,logprob,top_logprobs}]}`) returned as it is. */
  logprobs?: unknown;
  /** vLLM's `stop_reason` (the stop string that ended a text-mode reply), sent next to finish_reason. */
  stop_reason?: string | null;
  /** Wire shape of this reply (default: the server's, see ServerOptions.wire). */
  wire?: Wire;
  /**
   * Streaming only: after the content, send this error as a data event and end the stream (vLLM's
   * `create_streaming_error_response`: `{"error":{...}}` today; top-level `{"object":"error",...}` before 2025 and in
   * SGLang; see `vllmError(...).body`).
   */
  streamError?: unknown;
  /** Streaming: characters per content / argument fragment (default 7) and pause between chunks. */
  chunkSize?: number;
  chunkDelayMs?: number;
}

export interface ErrorStep {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface CompletionStep {
  completion: {
    text: string;
    /** Per-token logprobs returned when the request asks for logprobs. */
    tokens?: string[];
    token_logprobs?: (number | null)[];
    top_logprobs?: (Record<string, number> | null)[] | null;
    /** As the server reports them; default: cumulative JavaScript lengths of `tokens`. */
    text_offset?: number[];
    /** The response text in full (default: the prompt when echoing, then `text`). */
    full_text?: string;
    finish_reason?: string;
    usage?: { prompt_tokens: number; completion_tokens: number } | null;
  };
  delayMs?: number;
}

/**
 * A `/v1/embeddings` reply: one vector per input. `reversed` sends the list in reverse order (each item keeps its
 * `index`, which is what clients must go by); `drop` leaves out that many items (a faulty server).
 */
export interface EmbeddingStep {
  embeddings: (input: string, index: number) => number[];
  reversed?: boolean;
  drop?: number;
  delayMs?: number;
}

/** Never answers (until the client gives up or the server closes). */
export interface HangStep {
  hang: true;
}

export type Step = ReplyStep | ErrorStep | CompletionStep | EmbeddingStep | HangStep;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  at: number;
}

export type Script = Step[] | ((req: RecordedRequest, index: number) => Step | Promise<Step>);

/**
 * `openai`: OpenAI's own shape (arguments as given, the name delta with `arguments: ""`, even fragments).
 * `vllm`: vLLM's hermes-style tool parser and `serving_chat.py`: arguments re-serialised by Python's
 * `json.dumps(..., ensure_ascii=False)`; the first delta of a call carries `index`, `id`, `type` and
 * `function: {name}` only; then a prefix of the arguments, then irregular token-sized pieces (cutting through JSON
 * escapes); the unstreamed rest of the last call comes in the final chunk together with `finish_reason`.
 * `sglang`: SGLang's `serving_chat.py` (sgl-project/sglang 0c078e6) with its `BaseFormatDetector` streaming parser
 * (72a0fbe) and pydantic models (protocol.py 9b116df), which serialise every unset field as `null`: deltas carry
 * `role`, `content`, `reasoning_content` and `tool_calls` (null when unset), choices `matched_stop`, chunks `usage`.
 * A call's first piece has `id` (`call_` + 24 hex), `type`, `function.name` and `arguments: ""`; later pieces have
 * `id: null` and `name: null`. Streamed arguments are `json.dumps(arguments)` with Python's default `ensure_ascii`
 * (non-ASCII as `\uXXXX`), sent as the common prefix of successive partial parses (so the closing characters come
 * only when the call's JSON is complete); non-streamed ones are `json.dumps(..., ensure_ascii=False)`. The finish
 * reason comes alone, in a last chunk whose delta is all null, then the usage chunk (`choices: []`).
 */
export type Wire = 'openai' | 'vllm' | 'sglang';

export interface ServerOptions {
  wire?: Wire;
}

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const contextLengthError = (): ErrorStep => ({
  status: 400,
  body: {
    error: {
      message: "This model's maximum context length is 32768 tokens. However, your messages resulted in 40000 tokens. Please reduce the length of the messages.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  },
});

/**
 * vLLM's two error-body forms (`ErrorResponse`): today `{"error":{message,type,param,code:<HTTP status>}}`; before
 * 2025, and SGLang today, the same fields at top level with `"object":"error"` (vLLM `entrypoints/openai/protocol.py`,
 * SGLang `srt/entrypoints/openai/protocol.py`).
 */
export function vllmError(message: string, opts: { form?: 'current' | 'legacy'; status?: number; type?: string; param?: string | null } = {}): ErrorStep {
  const status = opts.status ?? 400;
  const fields = { message, type: opts.type ?? 'BadRequestError', param: opts.param ?? null, code: status };
  return { status, body: opts.form === 'legacy' ? { object: 'error', ...fields } : { error: fields } };
}

/** vLLM's context-overflow wordings, transcribed from its source (see vllm-wire-check-2026-12-03.md §1). */
export const VLLM_CONTEXT_MESSAGES = {
  /** Current renderer (param "input_tokens"). */
  renderer:
    "This model's maximum context length is 32768 tokens. However, you requested 1024 output tokens and your prompt contains at least 32001 input tokens, for a total of at least 33025 tokens. Please reduce the length of the input prompt or the number of requested output tokens.",
  /** Older serving layer. */
  older: "This model's maximum context length is 32768 tokens. However, you requested 33025 tokens (32001 in the messages, 1024 in the completion). Please reduce the length of the messages or completion.",
  /** The engine's input processor (a ValueError, so a 400 with no param). */
  decoder:
    'The decoder prompt (length 40000) is longer than the maximum model length of 32768. Make sure that `max_model_len` is no smaller than the number of text tokens.',
};

/**
 * A byte-level-BPE-like tokenizer for echoed prompts: words with their leading space, single digits and punctuation
 * are tokens; a character above U+00FF becomes one token per UTF-8 byte, each decoding on its own to U+FFFD (what
 * vLLM's per-token decode returns for a partial byte sequence).
 */
export function toyTokens(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.match(/ ?[A-Za-z]+| ?\d| ?[^\sA-Za-z\d]|\s+?/gu) ?? []) {
    let plain = '';
    for (const ch of piece) {
      if (ch.codePointAt(0)! <= 0xff) {
        plain += ch;
        continue;
      }
      if (plain) out.push(plain);
      plain = '';
      for (let i = 0; i < Buffer.byteLength(ch); i++) out.push('\ufffd');
    }
    if (plain) out.push(plain);
  }
  return out;
}

/**
 * A completions reply to `echo: true, logprobs: N, max_tokens: 1` as vLLM or SGLang sends it: the prompt's tokens
 * (the first with a null logprob), then one generated token. vLLM's `text_offset[i]` is the previous offset plus
 * Python `len()` of the previous token decoded alone (`_create_completion_logprobs` in
 * vllm/entrypoints/openai/completion/serving.py); SGLang appends -1 for every token (`to_openai_style_logprobs` in
 * python/sglang/srt/entrypoints/openai/utils.py, "Not supported yet").
 */
export function echoCompletion(prompt: string, opts: { server: 'vllm' | 'sglang'; logprob: (token: string, index: number, tokens: string[]) => number; generated?: string }): CompletionStep {
  const generated = opts.generated ?? '</';
  const tokens = [...toyTokens(prompt), generated];
  const token_logprobs = tokens.map((t, i) => (i === 0 ? null : opts.logprob(t, i, tokens)));
  let offset = 0;
  const text_offset = tokens.map((t) => {
    if (opts.server === 'sglang') return -1;
    const o = offset;
    offset += [...t].length; // Python len(): code points
    return o;
  });
  const top_logprobs = tokens.map((t, i) => (i === 0 ? null : { [t]: token_logprobs[i]! }));
  return {
    completion: {
      text: generated,
      full_text: prompt + generated,
      tokens,
      token_logprobs,
      top_logprobs,
      text_offset,
      usage: { prompt_tokens: tokens.length - 1, completion_tokens: 1 },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chunks(s: string, n: number): string[] {
  if (s === '') return [];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

/**
 * Python's `json.dumps(value, ensure_ascii=False)`: `", "` and `": "` separators, non-ASCII kept. With `ensureAscii`,
 * Python's default: every non-ASCII UTF-16 unit as `\uXXXX` (astral characters as their surrogate pair).
 */
export function pyJsonDumps(value: unknown, opts: { ensureAscii?: boolean } = {}): string {
  const text = Array.isArray(value)
    ? `[${value.map((v) => pyJsonDumps(v, opts)).join(', ')}]`
    : value && typeof value === 'object'
      ? `{${Object.entries(value).map(([k, v]) => `${pyJsonDumps(k, opts)}: ${pyJsonDumps(v, opts)}`).join(', ')}}`
      : JSON.stringify(value);
  return opts.ensureAscii ? text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}

/** SGLang's tool call id (`_process_tool_call_id` for every parser but kimi_k2): `call_` + 24 hex digits. */
function sglangCallId(request: number, call: number): string {
  return `call_${(request * 1000 + call).toString(16).padStart(24, '0')}`;
}

/** Token-sized pieces of irregular length (1-7 characters, a fixed cycle so runs are reproducible). */
export function irregularPieces(s: string): string[] {
  const sizes = [3, 1, 6, 2, 7, 4, 1, 5, 2];
  const out: string[] = [];
  for (let i = 0, k = 0; i < s.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

export async function startScriptedServer(script: Script, opts: ServerOptions = {}): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let created = Math.floor(Date.now() / 1000);

  const server = http.createServer(async (req, res) => {
    const bodyText = await new Promise<string>((resolve) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (data += c));
      req.on('end', () => resolve(data));
    });
    let body: any;
    try {
      body = bodyText ? JSON.parse(bodyText) : undefined;
    } catch {
      body = bodyText;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], headers: req.headers, body, at: Date.now() };
    const index = requests.length;
    requests.push(rec);

    let step: Step | undefined;
    try {
      step = typeof script === 'function' ? await script(rec, index) : script[index];
    } catch (e) {
      step = { status: 500, body: { error: { message: `script threw: ${(e as Error).message}` } } };
    }
    if (!step) {
      // 418: not retryable, so a test that runs past its script fails fast instead of backing off.
      return sendJson(res, 418, { error: { message: `scripted server: no step for request #${index}`, type: 'script_exhausted' } });
    }
    if ('hang' in step) return;
    if (step.delayMs) await sleep(step.delayMs);
    if ('status' in step) {
      return sendJson(res, step.status, step.body ?? { error: { message: `scripted status ${step.status}` } }, step.headers);
    }
    const id = `chatcmpl-${index}`;
    const model = body?.model ?? 'scripted';
    created += 1;

    if ('embeddings' in step) {
      const input: string[] = Array.isArray(body?.input) ? body.input : [String(body?.input ?? '')];
      let data = input.map((t, i) => ({ object: 'embedding', index: i, embedding: step.embeddings(t, i) }));
      if (step.drop) data = data.slice(0, Math.max(0, data.length - step.drop));
      if (step.reversed) data.reverse();
      const tokens = input.reduce((n, t) => n + toyTokens(t).length, 0);
      return sendJson(res, 200, { object: 'list', model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }

    if ('completion' in step) {
      const c = step.completion;
      const wantLogprobs = body?.logprobs !== undefined && body?.logprobs !== null;
      const text = c.full_text ?? (body?.echo ? String(body?.prompt ?? '') + c.text : c.text);
      const choice: any = { index: 0, text, finish_reason: c.finish_reason ?? 'length', logprobs: null };
      if (wantLogprobs) {
        const tokens = c.tokens ?? [c.text];
        let off = 0;
        choice.logprobs = {
          tokens,
          token_logprobs: c.token_logprobs ?? tokens.map(() => null),
          top_logprobs: c.top_logprobs ?? null,
          text_offset: c.text_offset ?? tokens.map((t) => {
            const o = off;
            off += t.length;
            return o;
          }),
        };
      }
      const out: any = { id: `cmpl-${index}`, object: 'text_completion', created, model, choices: [choice] };
      if (c.usage) out.usage = { ...c.usage, total_tokens: c.usage.prompt_tokens + c.usage.completion_tokens };
      return sendJson(res, 200, out);
    }

    const wire = step.wire ?? opts.wire ?? 'openai';
    const calls = (step.tool_calls ?? []).map((tc, i) => ({
      // vLLM names calls `chatcmpl-tool-<random hex>` (make_tool_call_id); SGLang `call_<24 hex>`.
      id: tc.id ?? (wire === 'vllm' ? `chatcmpl-tool-${index.toString(16).padStart(8, '0')}${i}` : wire === 'sglang' ? sglangCallId(index, i) : `call_${index}_${i}`),
      name: tc.name,
      arguments: typeof tc.arguments === 'string' ? tc.arguments : wire === 'openai' ? JSON.stringify(tc.arguments) : pyJsonDumps(tc.arguments),
      // What SGLang's streaming parser sends: json.dumps with ensure_ascii (Python's default).
      streamedArguments: typeof tc.arguments === 'string' ? tc.arguments : wire === 'sglang' ? pyJsonDumps(tc.arguments, { ensureAscii: true }) : '',
    }));
    const finish = step.finish_reason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    const usage = step.usage ? { ...step.usage, total_tokens: step.usage.prompt_tokens + step.usage.completion_tokens } : undefined;
    const content = step.content === undefined ? (calls.length > 0 ? null : '') : step.content;

    if (wire === 'sglang') return sendSglang(res, { id, created, model, body, step, calls, content, finish, usage });

    if (!body?.stream) {
      const message: any = { role: 'assistant', content };
      if (calls.length > 0) message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
      const choice: any = { index: 0, message, finish_reason: finish, logprobs: step.logprobs ?? null };
      if (wire === 'vllm') choice.stop_reason = step.stop_reason ?? null;
      const out: any = { id, object: 'chat.completion', created, model, choices: [choice] };
      if (usage) out.usage = usage;
      return sendJson(res, 200, out);
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const n = step.chunkSize ?? 7;
    const send = async (delta: any, finish_reason: string | null = null) => {
      const choice: any = { index: 0, delta, logprobs: null, finish_reason };
      if (wire === 'vllm' && finish_reason) choice.stop_reason = step.stop_reason ?? null;
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [choice] })}\n\n`);
      if (step && 'chunkDelayMs' in step && step.chunkDelayMs) await sleep(step.chunkDelayMs);
    };
    await send({ role: 'assistant', content: '' });
    for (const c of chunks(content ?? '', n)) await send({ content: c });
    if (step.streamError !== undefined) {
      res.write(`data: ${JSON.stringify(step.streamError)}\n\n`);
      res.write('data: [DONE]\n\n');
      return res.end();
    }
    let finalDelta: any = {};
    for (const [i, c] of calls.entries()) {
      if (wire === 'openai') {
        await send({ tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
        for (const a of chunks(c.arguments, n)) await send({ tool_calls: [{ index: i, function: { arguments: a } }] });
        continue;
      }
      await send({ tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.name } }] });
      // The parser's first argument delta is a prefix of json.dumps(partial arguments); then model tokens; the
      // closing characters are held back (the parser strips the final `}`) and sent as the unstreamed rest.
      const head = Math.min(c.arguments.length, Math.max(1, c.arguments.indexOf(': ') + 3));
      const tail = Math.min(c.arguments.length - head, 2);
      const middle = c.arguments.slice(head, c.arguments.length - tail);
      if (head > 0) await send({ tool_calls: [{ index: i, function: { arguments: c.arguments.slice(0, head) } }] });
      for (const a of irregularPieces(middle)) await send({ tool_calls: [{ index: i, function: { arguments: a } }] });
      const rest = { tool_calls: [{ index: i, function: { arguments: c.arguments.slice(c.arguments.length - tail) } }] };
      if (tail === 0) continue;
      if (i === calls.length - 1) finalDelta = rest;
      else await send(rest);
    }
    await send(finalDelta, finish);
    if (usage && body?.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
    }
    res.write('data: [DONE]\n\n');
    res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A chat reply in SGLang's shapes (see Wire), whole or streamed. */
async function sendSglang(
  res: http.ServerResponse,
  r: {
    id: string;
    created: number;
    model: string;
    body: any;
    step: ReplyStep;
    calls: { id: string; name: string; arguments: string; streamedArguments: string }[];
    content: string | null;
    finish: string;
    usage?: Record<string, number>;
  },
): Promise<void> {
  const { id, created, model, body, step, calls, content, finish, usage } = r;
  if (!body?.stream) {
    const tool_calls = calls.length ? calls.map((c, i) => ({ id: c.id, index: i, type: 'function', function: { name: c.name, arguments: c.arguments } })) : null;
    const message = { role: 'assistant', content: content ? content : null, reasoning_content: null, tool_calls };
    const out: any = { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish, matched_stop: null }] };
    out.usage = usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    return sendJson(res, 200, out);
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const delta = (d: Record<string, unknown>) => ({ role: null, content: null, reasoning_content: null, tool_calls: null, ...d });
  const send = async (d: Record<string, unknown>, finish_reason: string | null = null) => {
    const choice = { index: 0, delta: delta(d), logprobs: null, finish_reason, matched_stop: null };
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [choice], usage: null })}\n\n`);
    if (step.chunkDelayMs) await sleep(step.chunkDelayMs);
  };
  await send({ role: 'assistant', content: '' });
  for (const c of chunks(content ?? '', step.chunkSize ?? 7)) await send({ content: c });
  for (const [i, c] of calls.entries()) {
    await send({ tool_calls: [{ id: c.id, index: i, type: 'function', function: { name: c.name, arguments: '' } }] });
    // While the call's JSON is incomplete the parser sends the common prefix of successive partial parses, which
    // never holds the closing characters; they come with the diff of the complete call.
    const args = c.streamedArguments;
    const tail = Math.min(args.length, 2);
    const piece = (a: string) => send({ tool_calls: [{ id: null, index: i, type: 'function', function: { name: null, arguments: a } }] });
    for (const a of irregularPieces(args.slice(0, args.length - tail))) await piece(a);
    if (tail > 0) await piece(args.slice(args.length - tail));
  }
  await send({}, finish);
  if (usage && body?.stream_options?.include_usage) {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  }
  res.write('data: [DONE]\n\n');
  res.end();
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
