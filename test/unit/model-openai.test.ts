/**
 * The OpenAI-compatible ChatModel over real HTTP (scripted server on 127.0.0.1, real `openai` client): request
 * options reach the wire, replies and usage come back, retries are reported and never silent, and the key never
 * appears in an error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedServer, vllmError, VLLM_CONTEXT_MESSAGES, type Script } from '../helpers/scripted-openai-server.js';
import { ContextWindowError, EndpointRejectedError, ModelCallError, OpenAiChatModel, type RetryInfo } from '../../src/core/model/index.js';

const KEY = 'sk-test-9f8e7d6c5b4a';
const fast = { max_attempts: 3, base_delay_ms: 5, max_delay_ms: 20 };

async function withModel(script: Script, fn: (m: OpenAiChatModel, s: Awaited<ReturnType<typeof startScriptedServer>>) => Promise<void>) {
  const server = await startScriptedServer(script);
  try {
    await fn(new OpenAiChatModel({ baseURL: server.url, model: 'judge-7b', apiKey: KEY, timeoutMs: 5000, retry: fast }), server);
  } finally {
    await server.close();
  }
}

test('complete: JSON mode, stop words, seed and logprobs go over the wire; reply, usage and logprobs come back', async () => {
  const logprobs = { content: [{ token: '{"', logprob: -0.01, top_logprobs: [{ token: '{"', logprob: -0.01 }, { token: '{', logprob: -4.6 }] }] };
  await withModel([{ content: '{"action": "finish"}', usage: { prompt_tokens: 12, completion_tokens: 5 }, logprobs }], async (m, server) => {
    const reply = await m.complete({
      messages: [{ role: 'user', content: 'answer in JSON' }],
      response_format: { type: 'json_object' },
      stop: ['</s>', 'Observation:'],
      seed: 3,
      temperature: 0,
      top_logprobs: 2,
      extra: { include_stop_str_in_output: false },
    });
    const body = server.requests[0].body;
    assert.equal(server.requests[0].path, '/v1/chat/completions');
    assert.equal(server.requests[0].headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.deepEqual(body.stop, ['</s>', 'Observation:']);
    assert.equal(body.seed, 3);
    assert.equal(body.model, 'judge-7b');
    assert.equal(body.logprobs, true);
    assert.equal(body.top_logprobs, 2);
    assert.equal(body.include_stop_str_in_output, false);
    assert.equal(body.stream, false);
    assert.equal(reply.content, '{"action": "finish"}');
    assert.deepEqual(reply.usage, { prompt_tokens: 12, completion_tokens: 5 });
    assert.equal(reply.logprobs?.[0]?.top_logprobs[1]?.token, '{');
  });
});

test('stream: deltas in order, the same reply as complete, usage from the final chunk', async () => {
  const step = { content: 'Let me look.', tool_calls: [{ id: 'c1', name: 'execute_bash', arguments: { command: 'ls -la "/testbed"' } }], usage: { prompt_tokens: 30, completion_tokens: 9 }, chunkSize: 3 };
  await withModel([step, step], async (m, server) => {
    const deltas: unknown[] = [];
    const streamed = await m.stream({ messages: [{ role: 'user', content: 'go' }] }, { onDelta: (d) => deltas.push(d) });
    const whole = await m.complete({ messages: [{ role: 'user', content: 'go' }] });
    assert.equal(server.requests[0].body.stream, true);
    assert.deepEqual(server.requests[0].body.stream_options, { include_usage: true });
    assert.deepEqual({ ...streamed, latencyMs: 0 }, { ...whole, latencyMs: 0 });
    assert.deepEqual(streamed.usage, { prompt_tokens: 30, completion_tokens: 9 });
    const args = deltas.filter((d): d is { arguments: string } => typeof d === 'object' && d !== null && 'arguments' in d).map((d) => d.arguments).join('');
    assert.equal(args, JSON.stringify({ command: 'ls -la "/testbed"' }));
  });
});

test('retries: each one reported before the pause, with Retry-After honoured; the key masked in what is reported', async () => {
  const echoKey = { status: 503, body: { error: { message: `overloaded (key ${KEY})` } }, headers: { 'retry-after': '0.01' } };
  await withModel([echoKey, { status: 429, body: { error: { message: 'slow down' } } }, { content: 'ok' }], async (m, server) => {
    const retries: RetryInfo[] = [];
    const reply = await m.complete({ messages: [{ role: 'user', content: 'x' }] }, { onRetry: (r) => retries.push(r) });
    assert.equal(reply.content, 'ok');
    assert.equal(server.requests.length, 3);
    assert.deepEqual(retries.map((r) => [r.attempt, r.status]), [[1, 503], [2, 429]]);
    assert.equal(retries[0].delayMs, 10);
    assert.ok(!retries[0].error.includes(KEY) && retries[0].error.includes('[REDACTED]'), retries[0].error);
  });
});

test('no silent SDK retries: a failure after max_attempts is one request per reported attempt', async () => {
  await withModel(() => ({ status: 500, body: { error: { message: `boom ${KEY}` } } }), async (m, server) => {
    const retries: RetryInfo[] = [];
    const err = await m.complete({ messages: [{ role: 'user', content: 'x' }] }, { onRetry: (r) => retries.push(r) }).catch((e) => e);
    assert.ok(err instanceof ModelCallError);
    assert.equal(err.attempts, 3);
    assert.equal(server.requests.length, 3);
    assert.equal(retries.length, 2);
    assert.ok(!err.message.includes(KEY));
  });
});

test('context overflow in every vLLM wording and both body forms is a ContextWindowError, not retried', async () => {
  for (const [name, text] of Object.entries(VLLM_CONTEXT_MESSAGES)) {
    for (const form of ['current', 'legacy'] as const) {
      await withModel([vllmError(`${text} (${KEY})`, { form, param: name === 'renderer' ? 'input_tokens' : null })], async (m, server) => {
        const err = await m.complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
        assert.ok(err instanceof ContextWindowError, `${name}/${form}: ${err}`);
        assert.ok(!err.message.includes(KEY));
        assert.equal(server.requests.length, 1);
      });
    }
  }
});

test('completePrompt: echo and logprobs on the completions API', async () => {
  await withModel([{ completion: { text: ' YES', tokens: ['Is', ' it', '?', ' YES'], token_logprobs: [null, -1, -2, -0.1] } }], async (m, server) => {
    const r = await m.completePrompt({ prompt: 'Is it?', max_tokens: 1, echo: true, logprobs: 1, temperature: 0 });
    assert.equal(server.requests[0].path, '/v1/completions');
    assert.equal(server.requests[0].body.echo, true);
    assert.equal(server.requests[0].body.logprobs, 1);
    assert.equal(r.text, 'Is it? YES');
    assert.deepEqual(r.logprobs?.token_logprobs, [null, -1, -2, -0.1]);
  });
});

test("vLLM's streamed tool-call shape: name-only first delta, argument pieces cut through escapes, the rest with finish_reason", async () => {
  const args0 = { command: 'grep -rn "def parse\\\\d" src/ && echo ✓ done' };
  const args1 = { command: 'view', path: '/testbed/a b.py', view_range: [1, 20] };
  const step = { content: 'Let me look at the parser first.\n\n', tool_calls: [{ name: 'execute_bash', arguments: args0 }, { name: 'str_replace_editor', arguments: args1 }], usage: { prompt_tokens: 1000, completion_tokens: 20 } };
  const server = await startScriptedServer([step, step], { wire: 'vllm' });
  try {
    const m = new OpenAiChatModel({ baseURL: server.url, model: 'native', retry: fast });
    const deltas: import('../../src/core/model/index.js').Delta[] = [];
    const streamed = await m.stream({ messages: [{ role: 'user', content: 'go' }] }, { onDelta: (d) => deltas.push(d) });
    const whole = await m.complete({ messages: [{ role: 'user', content: 'go' }] });
    // vLLM re-serialises arguments with Python's json.dumps (", " and ": " separators, non-ASCII kept).
    const py0 = '{"command": "grep -rn \\"def parse\\\\\\\\d\\" src/ && echo ✓ done"}';
    assert.equal(streamed.toolCalls[0]!.arguments, py0);
    assert.deepEqual(JSON.parse(streamed.toolCalls[0]!.arguments), args0);
    assert.deepEqual(JSON.parse(streamed.toolCalls[1]!.arguments), args1);
    assert.match(streamed.toolCalls[0]!.id, /^chatcmpl-tool-/);
    assert.equal(streamed.content, 'Let me look at the parser first.\n\n');
    assert.equal(streamed.finishReason, 'tool_calls');
    assert.deepEqual(streamed.usage, { prompt_tokens: 1000, completion_tokens: 20 });
    const same = (r: typeof streamed) => ({ ...r, latencyMs: 0, toolCalls: r.toolCalls.map((c) => ({ ...c, id: '' })) });
    assert.deepEqual(same(streamed), same(whole));
    // The first delta of each call names it and carries no argument text; some piece ends inside an escape.
    const pieces = deltas.filter((d): d is { tool_call_index: number; tool_name?: string; arguments: string } => 'tool_call_index' in d);
    for (const i of [0, 1]) {
      const mine = pieces.filter((d) => d.tool_call_index === i);
      assert.equal(mine[0]!.tool_name, i === 0 ? 'execute_bash' : 'str_replace_editor');
      assert.equal(mine[0]!.arguments, '');
      assert.ok(mine.length >= 5, `call ${i} arrives in ${mine.length} pieces`);
    }
    assert.ok(pieces.some((d) => d.arguments.endsWith('\\') && !d.arguments.endsWith('\\\\')), 'a piece ends in the middle of an escape');
  } finally {
    await server.close();
  }
});

test('an error inside the stream, in both body forms, is an error (retried when 5xx), never a silently empty reply', async () => {
  for (const form of ['current', 'legacy'] as const) {
    const busy = { content: 'Let me', streamError: vllmError('engine overloaded', { form, status: 503, type: 'ServiceUnavailableError' }).body };
    const bad = { content: 'Let me', streamError: vllmError(`bad token id ${KEY}`, { form }).body };
    await withModel([busy, { content: 'fine' }, bad], async (m, server) => {
      const retries: RetryInfo[] = [];
      const ok = await m.stream({ messages: [{ role: 'user', content: 'x' }] }, { onRetry: (r) => retries.push(r) });
      assert.equal(ok.content, 'fine', form);
      assert.deepEqual(retries.map((r) => r.status), [503], form);
      const err = await m.stream({ messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
      assert.ok(err instanceof ModelCallError, `${form}: ${err}`);
      assert.equal(err.status, 400, form);
      assert.match(err.message, /bad token id \[REDACTED\]/, form);
      assert.equal(server.requests.length, 3, form);
    });
  }
});

test('401 / 403 / 404 (bad key, no access, unknown model): EndpointRejectedError at once, never retried, a message that says what to check', async () => {
  const cases: Array<{ status: number; message: string; expect: RegExp }> = [
    { status: 401, message: `Incorrect API key provided: ${KEY}`, expect: /rejected the API key \(HTTP 401: .*Incorrect API key provided: \[REDACTED\]\); check OPENAI_API_KEY/ },
    { status: 403, message: 'You do not have access to this model', expect: /denied access \(HTTP 403: .*do not have access.*\); check the API key's permissions for model "judge-7b"/ },
    { status: 404, message: 'The model `judge-7b` does not exist.', expect: /model "judge-7b" not found at http:\/\/127\.0\.0\.1:\d+\/v1 \(HTTP 404: .*does not exist.*\); check --model and --base-url/ },
  ];
  for (const c of cases) {
    await withModel([{ status: c.status, body: { error: { message: c.message, type: 'invalid_request_error', code: c.status } } }, { content: 'never reached' }], async (m, server) => {
      const retries: RetryInfo[] = [];
      const e = await m.complete({ messages: [{ role: 'user', content: 'hi' }] }, { onRetry: (r) => retries.push(r) }).then(
        () => assert.fail(`HTTP ${c.status} must fail`),
        (err: unknown) => err,
      );
      assert.ok(e instanceof EndpointRejectedError, `HTTP ${c.status}: ${String(e)}`);
      assert.ok(e instanceof ModelCallError, 'still a ModelCallError for callers that only know that');
      assert.equal(e.status, c.status);
      assert.match(e.message, c.expect);
      assert.equal(e.message.includes(KEY), false, 'the key is masked');
      assert.equal(server.requests.length, 1, `HTTP ${c.status} is not retried`);
      assert.equal(retries.length, 0);
    });
  }
});

test('embed: vectors in input order whatever order the server lists them, retries reported, a short reply an error', async () => {
  const vec = (t: string) => [t.length, t.charCodeAt(0)];
  const overloaded = { status: 503, body: { error: { message: `busy (key ${KEY})` } } };
  await withModel([overloaded, { embeddings: vec, reversed: true }, { embeddings: vec, drop: 1 }], async (m, server) => {
    const retries: RetryInfo[] = [];
    const r = await m.embed({ input: ['a', 'bb', 'ccc'] }, { onRetry: (x) => retries.push(x) });
    assert.deepEqual(r.vectors, [vec('a'), vec('bb'), vec('ccc')]);
    assert.ok(r.usage && r.usage.prompt_tokens > 0);
    assert.deepEqual(retries.map((x) => [x.attempt, x.status]), [[1, 503]]);
    assert.ok(!retries[0]!.error.includes(KEY));
    assert.equal(server.requests[1]!.path, '/v1/embeddings');
    assert.equal(server.requests[1]!.body.model, 'judge-7b');
    assert.deepEqual(server.requests[1]!.body.input, ['a', 'bb', 'ccc']);
    assert.equal(server.requests[1]!.headers.authorization, `Bearer ${KEY}`);
    const err = await m.embed({ input: ['a', 'bb'] }).catch((e) => e);
    assert.ok(err instanceof ModelCallError && /returned 1 vectors for 2 inputs/.test(err.message), String(err));
    assert.equal(server.requests.length, 3, 'a malformed reply is not retried');
  });
});

test("SGLang's streamed tool-call shape: null-filled deltas, named first piece, ASCII-escaped arguments, finish reason alone", async () => {
  const args0 = { command: 'grep -rn "def parse" src/ && echo ✓ done 🎉' };
  const args1 = { command: 'view', path: '/testbed/a b.py', view_range: [1, 20] };
  const step = { content: 'Checking the parser.\n', tool_calls: [{ name: 'execute_bash', arguments: args0 }, { name: 'str_replace_editor', arguments: args1 }], usage: { prompt_tokens: 900, completion_tokens: 30 } };
  const server = await startScriptedServer([step, step], { wire: 'sglang' });
  try {
    const m = new OpenAiChatModel({ baseURL: server.url, model: 'qwen-coder', retry: fast });
    const deltas: import('../../src/core/model/index.js').Delta[] = [];
    const streamed = await m.stream({ messages: [{ role: 'user', content: 'go' }] }, { onDelta: (d) => deltas.push(d) });
    const whole = await m.complete({ messages: [{ role: 'user', content: 'go' }] });
    // Streamed: Python json.dumps with ensure_ascii (✓ and the emoji's surrogate pair escaped); whole: kept as they are.
    assert.equal(streamed.toolCalls[0]!.arguments, '{"command": "grep -rn \\"def parse\\" src/ && echo \\u2713 done \\ud83c\\udf89"}');
    assert.equal(whole.toolCalls[0]!.arguments, '{"command": "grep -rn \\"def parse\\" src/ && echo ✓ done 🎉"}');
    for (const r of [streamed, whole]) {
      assert.deepEqual(r.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]), [['execute_bash', args0], ['str_replace_editor', args1]]);
      assert.ok(r.toolCalls.every((c) => /^call_[0-9a-f]{24}$/.test(c.id)), r.toolCalls.map((c) => c.id).join(' '));
      assert.equal(r.content, 'Checking the parser.\n');
      assert.equal(r.finishReason, 'tool_calls');
      assert.deepEqual(r.usage, { prompt_tokens: 900, completion_tokens: 30 });
    }
    // Each call's first piece names it with empty arguments; the pieces after it carry no name.
    const pieces = deltas.filter((d): d is { tool_call_index: number; tool_name?: string; arguments: string } => 'tool_call_index' in d);
    for (const i of [0, 1]) {
      const mine = pieces.filter((d) => d.tool_call_index === i);
      assert.equal(mine[0]!.tool_name, i === 0 ? 'execute_bash' : 'str_replace_editor');
      assert.equal(mine[0]!.arguments, '');
      assert.ok(mine.slice(1).every((d) => d.tool_name === undefined) && mine.length >= 4, `call ${i}: ${mine.length} pieces`);
      assert.equal(mine.map((d) => d.arguments).join(''), streamed.toolCalls[i]!.arguments);
    }
    assert.deepEqual(deltas.filter((d) => 'content' in d).map((d) => (d as { content: string }).content).join(''), 'Checking the parser.\n');
  } finally {
    await server.close();
  }
});
