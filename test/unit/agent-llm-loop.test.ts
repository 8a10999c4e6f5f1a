import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../fixtures/agent-golden/harness.js';
import { swegymTestTools } from '../fixtures/agent-golden/swegym-tools.js';
import { contextLengthError, vllmError, VLLM_CONTEXT_MESSAGES } from '../helpers/scripted-openai-server.js';
import { NUDGE_GIVE_UP, NUDGE_MESSAGE } from '../../src/core/agent/prompts.js';

const golden = (f: string) => readFileSync(new URL(`../fixtures/agent-golden/${f}`, import.meta.url), 'utf8');
const bash = (command: string, id?: string) => ({ id, name: 'execute_bash', arguments: { command } });
const edit = (old_str: string, new_str: string) => ({ name: 'str_replace_editor', arguments: { command: 'str_replace', path: '/testbed/app.py', old_str, new_str } });
const finish = { name: 'finish', arguments: {} };
const usage = { prompt_tokens: 100, completion_tokens: 10 };

test('native tool calls: explore, edit, finish; events, patch, usage, exact prompt; no key anywhere', async () => {
  const run = await runAgent(
    [
      { content: 'Let me look.', tool_calls: [bash('cat app.py')], usage },
      { tool_calls: [edit('x = 1', 'x = 2')], usage },
      { tool_calls: [finish], usage },
    ],
    { temperature: 0, top_p: 0.95, seed: 7, max_tokens: 512, stop: ['<END>'], apiKeyEnv: 'SWEGYM_TEST_KEY' },
    { tools: swegymTestTools(), env: { SWEGYM_TEST_KEY: 'sk-very-secret-123' } },
  );
  const { result, server } = run;
  assert.equal(result.reason, 'finished');
  assert.equal(result.turns, 3);
  assert.match(result.patch, /^diff --git a\/app\.py b\/app\.py\n[\s\S]*-x = 1\n\+x = 2\n$/);
  assert.deepEqual(result.usage, { prompt_tokens: 300, completion_tokens: 30, estimated: false });

  const first = server.requests[0].body;
  assert.equal(server.requests[0].headers.authorization, 'Bearer sk-very-secret-123');
  assert.equal(first.model, 'test-model');
  assert.equal(first.temperature, 0);
  assert.equal(first.seed, 7);
  assert.equal(first.max_tokens, 512);
  assert.equal(first.top_p, 0.95);
  assert.deepEqual(first.stop, ['<END>']);
  assert.deepEqual(first.tools.map((t: any) => t.function.name), ['execute_bash', 'finish', 'str_replace_editor']);
  const ed = first.tools[2].function.parameters;
  assert.deepEqual(ed.required, ['command', 'path']);
  assert.deepEqual(ed.properties.command.enum, ['view', 'create', 'str_replace', 'insert', 'undo_edit']);
  assert.equal(ed.properties.insert_line.type, 'integer');
  assert.equal(first.messages.length, 2);
  assert.equal(first.messages[1].content, golden('first-user-message-getmoto__moto-5321.txt').replace(/<pr_description>\n[\s\S]*?\n<\/pr_description>/, '<pr_description>\nFix the bug in app.py\n</pr_description>'));

  const second = server.requests[1].body.messages;
  assert.deepEqual(second[2], { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_0_0', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"cat app.py"}' } }] });
  assert.deepEqual(second[3], { role: 'tool', tool_call_id: 'call_0_0', content: 'ran: cat app.py\n[Command finished with exit code 0]' });

  const types = run.events.map((e) => e.type);
  assert.deepEqual(types, [
    'model_request', 'model_response', 'tool_start', 'tool_output', 'tool_end',
    'model_request', 'model_response', 'tool_start', 'tool_end', 'patch_updated',
    'model_request', 'model_response', 'tool_start', 'tool_end', 'patch_updated', 'agent_stopped',
  ]);
  const reqs = run.of('model_request');
  assert.equal(reqs[0].new_messages.length, 2);
  assert.equal(reqs[1].new_messages.length, 2); // assistant + tool result
  assert.equal(reqs[2].total_messages, 6);
  assert.equal(run.of('tool_end')[0].exit_code, 0);
  assert.deepEqual(run.of('patch_updated')[0].files, ['app.py']);
  assert.equal(run.of('agent_stopped')[0].reason, 'finished');
  assert.ok(run.of('model_response').every((r) => r.latency_ms >= 0 && r.usage.prompt_tokens === 100));
  assert.equal(JSON.stringify(run.events).includes('sk-very-secret-123'), false);
  assert.equal(JSON.stringify(result.messages).includes('sk-very-secret-123'), false);
  // the trajectory keeps native calls with tool names
  assert.equal(result.messages.at(-1)?.role, 'tool');
  assert.equal(result.messages[3].name, 'execute_bash');
});

test('endpoint without auth works with a dummy key', async () => {
  const run = await runAgent([{ tool_calls: [finish] }], {}, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'finished');
  assert.equal(run.server.requests[0].headers.authorization, 'Bearer sk-no-key');
});

test('text format: system suffix, in-context example, stop word, results as user messages; same events as native', async () => {
  const run = await runAgent(
    [
      { content: 'I will list files.\n<function=execute_bash>\n<parameter=command>\nls -la\n</parameter>\n', finish_reason: 'stop', usage },
      { content: '<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>/testbed/app.py</parameter>\n<parameter=old_str>x = 1</parameter>\n<parameter=new_str>x = 3</parameter>\n', usage },
      { content: '<function=finish>\n', usage },
    ],
    { tool_mode: 'text' },
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  const r0 = run.server.requests[0].body;
  assert.equal(r0.tools, undefined);
  assert.deepEqual(r0.stop, ['</function']);
  assert.equal(r0.messages[0].content, golden('system-prompt-head.txt') + golden('function-block.txt') + golden('system-prompt-suffix-tail.txt'));
  assert.ok(r0.messages[1].content.startsWith("Here's a running example of how to perform a task with the provided tools.\n\n--------------------- START OF EXAMPLE"));
  assert.ok(r0.messages[1].content.includes('--------------------- NEW TASK DESCRIPTION ---------------------\n<uploaded_files>\n/workspace/getmoto__moto__4.1\n</uploaded_files>'));
  assert.ok(r0.messages[1].content.endsWith("very long.\n\n--------------------- END OF NEW TASK DESCRIPTION ---------------------\n\nPLEASE follow the format strictly! PLEASE EMIT ONE AND ONLY ONE FUNCTION CALL PER MESSAGE.\n"));
  const m1 = run.server.requests[1].body.messages;
  assert.deepEqual(m1.slice(2), [
    { role: 'assistant', content: 'I will list files.\n\n<function=execute_bash>\n<parameter=command>ls -la</parameter>\n</function>' },
    { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\nran: ls -la\n[Command finished with exit code 0]' },
  ]);
  assert.match(run.result.patch, /\+x = 3/);
  const kinds = run.events.map((e) => e.type);
  assert.deepEqual(kinds, [
    'model_request', 'model_response', 'tool_start', 'tool_output', 'tool_end',
    'model_request', 'model_response', 'tool_start', 'tool_end', 'patch_updated',
    'model_request', 'model_response', 'tool_start', 'tool_end', 'patch_updated', 'agent_stopped',
  ]);
  assert.deepEqual(run.of('tool_start')[0].args, { command: 'ls -la' });
  // the trajectory is kept with native calls; the wire rendering is derived
  assert.equal(run.result.messages[2].tool_calls?.[0].function.arguments, '{"command":"ls -la"}');
});

test('text format without the in-context example sends the plain first user message', async () => {
  const run = await runAgent([{ content: '<function=finish>\n</function>' }], { tool_mode: 'text', in_context_example: false }, { tools: swegymTestTools() });
  assert.ok(run.server.requests[0].body.messages[1].content.startsWith('<uploaded_files>\n/workspace/getmoto__moto__4.1\n'));
  assert.equal(run.result.reason, 'finished');
});

test('streaming: content and tool-call argument fragments become model_delta events; usage requested', async () => {
  const run = await runAgent(
    [
      { content: 'Streaming thoughts here.', tool_calls: [bash('echo streamed-args-here')], usage, chunkSize: 5 },
      { tool_calls: [finish], usage },
    ],
    { stream: true },
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  assert.equal(run.server.requests[0].body.stream, true);
  assert.deepEqual(run.server.requests[0].body.stream_options, { include_usage: true });
  const deltas = run.of('model_delta').filter((d) => d.turn === 1);
  const text = deltas.map((d) => d.content ?? '').join('');
  const args = deltas.filter((d) => d.tool_call_index === 0).map((d) => d.arguments ?? '').join('');
  assert.equal(text, 'Streaming thoughts here.');
  assert.equal(args, '{"command":"echo streamed-args-here"}');
  assert.ok(deltas.filter((d) => d.content).length >= 4, 'content arrives in several fragments');
  assert.ok(deltas.some((d) => d.tool_name === 'execute_bash'));
  // deltas come before the assembled response
  const firstResp = run.events.findIndex((e) => e.type === 'model_response');
  assert.ok(run.events.findIndex((e) => e.type === 'model_delta') < firstResp);
  assert.equal(run.of('model_response')[0].tool_calls[0].arguments, '{"command":"echo streamed-args-here"}');
  assert.deepEqual(run.result.usage, { prompt_tokens: 200, completion_tokens: 20, estimated: false });
});

test("vLLM's streamed shape: content plus two calls in one reply, both run in order with their arguments", async () => {
  const run = await runAgent(
    [
      { content: 'Let me look at the parser first.\n\n', tool_calls: [bash('grep -rn "x\\d" . && echo ✓'), bash('ls -la /testbed')], usage, wire: 'vllm' as const },
      { tool_calls: [finish], usage, wire: 'vllm' as const },
    ],
    { stream: true },
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  assert.deepEqual(run.runtime.commands.slice(0, 2), ['grep -rn "x\\d" . && echo ✓', 'ls -la /testbed']);
  assert.equal(run.of('model_response')[0].content, 'Let me look at the parser first.\n\n');
  assert.deepEqual(run.result.usage, { prompt_tokens: 200, completion_tokens: 20, estimated: false });
});

test("SGLang's streamed shape: null-filled deltas and ASCII-escaped arguments run the command as the model wrote it", async () => {
  const run = await runAgent(
    [
      { content: 'Let me look at the parser first.\n\n', tool_calls: [bash('grep -rn "x\\d" . && echo ✓ 🎉'), bash('ls -la /testbed')], usage, wire: 'sglang' as const },
      { tool_calls: [finish], usage, wire: 'sglang' as const },
    ],
    { stream: true },
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  assert.deepEqual(run.runtime.commands.slice(0, 2), ['grep -rn "x\\d" . && echo ✓ 🎉', 'ls -la /testbed']);
  assert.equal(run.of('model_response')[0].content, 'Let me look at the parser first.\n\n');
  assert.match(run.of('model_response')[0].tool_calls[0].arguments, /\\u2713 \\ud83c\\udf89/, 'the reply as SGLang streamed it is recorded');
  assert.deepEqual(run.result.usage, { prompt_tokens: 200, completion_tokens: 20, estimated: false });
});

test('429 with Retry-After then success: a model_retry event, and the wait is honoured', async () => {
  const run = await runAgent(
    [{ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'rate_limit' } } }, { tool_calls: [finish] }],
    {},
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  const [retry] = run.of('model_retry');
  assert.equal(retry.status, 429);
  assert.equal(retry.attempt, 1);
  assert.equal(retry.delay_ms, 1000);
  assert.match(retry.error, /Rate limit reached/);
  const gap = run.server.requests[1].at - run.server.requests[0].at;
  assert.ok(gap >= 950, `waited ${gap} ms`);
});

test('5xx retried with backoff until attempts run out -> stop reason error', async () => {
  const run = await runAgent(() => ({ status: 503, body: { error: { message: 'overloaded' } } }), { retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 100 } }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'error');
  assert.equal(run.server.requests.length, 3);
  assert.deepEqual(run.of('model_retry').map((r) => r.delay_ms), [10, 20]);
  assert.match(run.result.message, /after 3 attempt/);
});

test('context-length error with policy stop ends the rollout', async () => {
  const run = await runAgent([{ tool_calls: [bash('ls')] }, contextLengthError()], { context_window_policy: 'stop' }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'context_window');
  assert.match(run.result.message, /maximum context length/);
});

test('context-length error with policy truncate drops the older half, keeps system + task, and goes on', async () => {
  const script = [
    { tool_calls: [bash('echo 1')] },
    { tool_calls: [bash('echo 2')] },
    { tool_calls: [bash('echo 3')] },
    { tool_calls: [bash('echo 4')] },
    { status: 400, body: { error: { message: 'Input is too long: too many tokens in the prompt', type: 'invalid_request_error' } } },
    { tool_calls: [finish] },
  ];
  const run = await runAgent(script, { context_window_policy: 'truncate' }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'finished');
  const before = run.server.requests[4].body.messages;
  const after = run.server.requests[5].body.messages;
  assert.equal(before.length, 10);
  assert.equal(after.length, 6); // system, task, last two call/result pairs
  assert.deepEqual(after.slice(0, 2), before.slice(0, 2));
  assert.equal(after[2].role, 'assistant');
  assert.deepEqual(after.slice(2), before.slice(6));
  const reqs = run.of('model_request');
  assert.equal(reqs.at(-1)?.history_reset, true);
  assert.equal(reqs.at(-1)?.new_messages.length, 6);
  assert.equal(run.result.turns, 5); // the rejected request is not a turn
});

test("vLLM's context-overflow wordings, in both error-body forms, halve the history like any other", async () => {
  const cases = [
    vllmError(VLLM_CONTEXT_MESSAGES.decoder),
    vllmError(VLLM_CONTEXT_MESSAGES.decoder, { form: 'legacy' }),
    vllmError(VLLM_CONTEXT_MESSAGES.renderer, { param: 'input_tokens' }),
    vllmError(VLLM_CONTEXT_MESSAGES.older, { form: 'legacy' }),
  ];
  for (const overflow of cases) {
    const script = [{ tool_calls: [bash('echo 1')] }, { tool_calls: [bash('echo 2')] }, { tool_calls: [bash('echo 3')] }, { tool_calls: [bash('echo 4')] }, overflow, { tool_calls: [finish] }];
    const run = await runAgent(script, { context_window_policy: 'truncate' }, { tools: swegymTestTools() });
    const label = JSON.stringify(overflow.body).slice(0, 60);
    assert.equal(run.result.reason, 'finished', label);
    assert.equal(run.server.requests[4].body.messages.length, 10, label);
    assert.equal(run.server.requests[5].body.messages.length, 6, label);
    assert.equal(run.result.turns, 5, label);
  }
});

test('a 400 that is not about the context stops the rollout with the error, in both body forms', async () => {
  for (const form of ['current', 'legacy'] as const) {
    const run = await runAgent([vllmError('temperature must be non-negative', { form })], {}, { tools: swegymTestTools() });
    assert.equal(run.result.reason, 'error');
    assert.match(run.result.message, /after 1 attempt\(s\): 400 temperature must be non-negative/);
  }
});

test('an undeclared argument is treated alike in native and text mode: refused by a tool with parameters, ignored by finish', async () => {
  const bashExtra = { name: 'execute_bash', arguments: { command: 'ls', timeout: 5 } };
  const finishExtra = { name: 'finish', arguments: { message: 'done' } };
  const native = await runAgent([{ tool_calls: [bashExtra] }, { tool_calls: [finishExtra] }], {}, { tools: swegymTestTools() });
  const text = await runAgent(
    [
      { content: 'Look.\n<function=execute_bash>\n<parameter=command>ls</parameter>\n<parameter=timeout>5</parameter>\n' },
      { content: '<function=finish>\n<parameter=message>done</parameter>\n' },
    ],
    { tool_mode: 'text' },
    { tools: swegymTestTools() },
  );
  const expected = "Parameter 'timeout' is not allowed for function 'execute_bash'. Allowed parameters: {'command'}\n[Error occurred in processing last action]";
  for (const [mode, run] of [['native', native], ['text', text]] as const) {
    assert.equal(run.result.reason, 'finished', mode);
    const ends = run.of('tool_end');
    assert.equal(ends[0]!.observation, expected, mode);
    assert.equal(ends[0]!.is_error, true, mode);
    assert.equal(run.runtime.commands.length, 0, `${mode}: the refused call did not run`);
    assert.equal(ends.at(-1)!.tool, 'finish', mode);
    assert.equal(ends.at(-1)!.is_error, false, mode);
  }
});

test('stuck: the same action and observation four times', async () => {
  const run = await runAgent(() => ({ content: 'again', tool_calls: [bash('pytest')] }), {}, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'stuck');
  assert.equal(run.result.turns, 4);
  assert.match(run.result.message, /stuck in a loop/);
});

test('stuck: the same failing edit three times (error observations)', async () => {
  const run = await runAgent(
    [{ tool_calls: [bash('ls')] }, ...Array.from({ length: 5 }, () => ({ tool_calls: [edit('nope', 'x')] }))],
    {},
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'stuck');
  assert.equal(run.result.turns, 4);
});

test('malformed native call (bad JSON, unknown tool): error observation, the loop goes on', async () => {
  const run = await runAgent(
    [
      { tool_calls: [{ name: 'execute_bash', arguments: '{"command": "ls"' }] },
      { tool_calls: [{ name: 'run_tests', arguments: '{}' }] },
      { tool_calls: [{ name: 'str_replace_editor', arguments: { command: 'open', path: '/a' } }] },
      { tool_calls: [finish] },
    ],
    {},
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  const ends = run.of('tool_end');
  assert.equal(ends.length, 4);
  assert.ok(ends.slice(0, 3).every((e) => e.is_error && e.observation.endsWith('\n[Error occurred in processing last action]')));
  assert.match(ends[0].observation, /Failed to parse tool call arguments/);
  assert.match(ends[1].observation, /not registered/);
  assert.match(ends[2].observation, /Invalid arguments for tool str_replace_editor: command/);
  const sent = run.server.requests[1].body.messages;
  assert.equal(sent.at(-1).role, 'tool');
  assert.equal(sent.at(-1).tool_call_id, 'call_0_0');
});

test('malformed text call (bad enum): error as the next user message, the loop goes on', async () => {
  const bad = '<function=str_replace_editor>\n<parameter=command>open</parameter>\n<parameter=path>/testbed/app.py</parameter>\n';
  const run = await runAgent([{ content: bad }, { content: '<function=finish>\n' }], { tool_mode: 'text', in_context_example: false }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'finished');
  const m = run.server.requests[1].body.messages;
  assert.deepEqual(m.slice(2), [
    { role: 'assistant', content: bad + '</function>' },
    { role: 'user', content: "Parameter 'command' is expected to be one of ['view', 'create', 'str_replace', 'insert', 'undo_edit'].\n[Error occurred in processing last action]" },
  ]);
});

test('no tool call: the fake-user nudge, the give-up sentence from the 2nd on', async () => {
  const run = await runAgent([{ content: 'I think it is done.' }, { content: 'Still thinking.' }, { tool_calls: [finish] }], {}, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'finished');
  const m = run.server.requests[2].body.messages;
  assert.deepEqual(m.slice(2), [
    { role: 'assistant', content: 'I think it is done.' },
    { role: 'user', content: NUDGE_MESSAGE },
    { role: 'assistant', content: 'Still thinking.' },
    { role: 'user', content: NUDGE_MESSAGE + NUDGE_GIVE_UP },
  ]);
  assert.equal(NUDGE_MESSAGE, 'Please continue working on the task on whatever approach you think is suitable.\nIf you think you have solved the task, please first send your answer to user through message and then finish the interaction.\nIMPORTANT: YOU SHOULD NEVER ASK FOR HUMAN HELP.\n');
});

test('stuck: monologue (the same message three times)', async () => {
  const run = await runAgent(() => ({ content: 'I am thinking.' }), {}, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'stuck');
  assert.equal(run.result.turns, 3);
});

test('multi-call reply: every call runs in order with its own result; first_call_only runs one', async () => {
  const script = [{ content: 'two at once', tool_calls: [bash('echo a'), bash('echo b')] }, { tool_calls: [finish] }];
  const all = await runAgent(script, {}, { tools: swegymTestTools() });
  assert.deepEqual(all.runtime.commands, ['echo a', 'echo b']);
  const sent = all.server.requests[1].body.messages.slice(2);
  assert.equal(sent[0].tool_calls.length, 2);
  assert.deepEqual(sent.slice(1).map((m: any) => [m.role, m.tool_call_id, m.content]), [
    ['tool', 'call_0_0', 'ran: echo a\n[Command finished with exit code 0]'],
    ['tool', 'call_0_1', 'ran: echo b\n[Command finished with exit code 0]'],
  ]);
  const one = await runAgent(script, { first_call_only: true }, { tools: swegymTestTools() });
  assert.deepEqual(one.runtime.commands, ['echo a']);
  assert.equal(one.server.requests[1].body.messages[2].tool_calls.length, 1);
});

test('limit: max_turns', async () => {
  let i = 0;
  const run = await runAgent(() => ({ tool_calls: [bash(`echo ${i++}`)] }), { max_turns: 3 }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'max_turns');
  assert.equal(run.result.turns, 3);
  assert.equal(run.server.requests.length, 3);
});

test('limit: max_total_tokens', async () => {
  let i = 0;
  const run = await runAgent(() => ({ tool_calls: [bash(`echo ${i++}`)], usage: { prompt_tokens: 600, completion_tokens: 100 } }), { max_total_tokens: 2000 }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'max_tokens');
  assert.equal(run.result.turns, 3);
});

test('limit: cost cap enforced against a server that reports no usage (tokens estimated)', async () => {
  let i = 0;
  const run = await runAgent(
    () => ({ tool_calls: [bash(`echo ${i++}`)] }),
    { cost_cap_usd: 0.01, prices: { 'test-model': { input_per_mtok: 5, output_per_mtok: 15 } } },
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'cost_cap');
  assert.equal(run.result.usage.estimated, true);
  assert.ok(run.result.cost_usd >= 0.01);
  assert.ok(run.result.usage.prompt_tokens > 400, `estimated prompt tokens ${run.result.usage.prompt_tokens}`);
  assert.ok(run.of('model_response').every((r) => r.usage.estimated && r.cost_usd > 0));
  assert.match(run.result.message, /estimated/);
});

test('limit: an unknown model costs nothing without a cap; with a cap and no price the run refuses to start', async () => {
  const free = await runAgent([{ tool_calls: [finish], usage }], { model: 'some-local-model' }, { tools: swegymTestTools() });
  assert.equal(free.result.reason, 'finished');
  assert.equal(free.result.cost_usd, 0);
  const capped = await runAgent([{ tool_calls: [finish], usage }], { model: 'some-local-model', cost_cap_usd: 1 }, { tools: swegymTestTools() });
  assert.equal(capped.result.reason, 'error');
  assert.match(capped.result.message, /cost_cap_usd is set but model "some-local-model" has no price/);
  assert.equal(capped.server.requests.length, 0, 'no request may be sent when the cap cannot be counted');
});

test('limit: cost cap with a user price file (prices_file), usage reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-prices-'));
  const file = join(dir, 'my-prices.json');
  writeFileSync(file, JSON.stringify({ 'test-model': { input_per_mtok: 10, output_per_mtok: 100 } }));
  let i = 0;
  const run = await runAgent(() => ({ tool_calls: [bash(`echo ${i++}`)], usage: { prompt_tokens: 1000, completion_tokens: 100 } }), { cost_cap_usd: 0.05, prices_file: file }, { tools: swegymTestTools() });
  // each call: 1000 * 10/1e6 + 100 * 100/1e6 = 0.02 USD -> the third call reaches 0.06 >= 0.05
  assert.equal(run.result.reason, 'cost_cap');
  assert.equal(run.result.turns, 3);
  assert.ok(Math.abs(run.result.cost_usd - 0.06) < 1e-9, String(run.result.cost_usd));
  assert.equal(run.result.usage.estimated, false);
  rmSync(dir, { recursive: true, force: true });
});

test('limit: wall clock, even while a request hangs', async () => {
  const t0 = Date.now();
  const run = await runAgent([{ tool_calls: [bash('ls')] }, { hang: true }], { wall_clock_sec: 0.4 }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'wall_clock');
  assert.ok(Date.now() - t0 < 5000);
});

test('interrupt through ctx.signal stops the rollout with reason interrupted', async () => {
  let i = 0;
  const run = await runAgent(() => ({ tool_calls: [bash(`echo ${i++}`)] }), {}, {
    tools: swegymTestTools(),
    onEvent: (e, abort) => {
      if (e.type === 'tool_end' && e.step === 2) abort.abort();
    },
  });
  assert.equal(run.result.reason, 'interrupted');
  assert.equal(run.of('agent_stopped')[0].reason, 'interrupted');
  assert.ok(run.server.requests.length <= 3);
});

test('an exit-code suffix already added by the tool is not doubled', async () => {
  const run = await runAgent([{ tool_calls: [bash('ls')] }, { tool_calls: [finish] }], {}, { tools: swegymTestTools({ appendExitCode: true }) });
  assert.equal(run.of('tool_end')[0].observation, 'ran: ls\n[Command finished with exit code 0]');
});

test('observations are capped (head + marker + tail)', async () => {
  const run = await runAgent([{ tool_calls: [bash('big')] }, { tool_calls: [finish] }], { observation_max_chars: 100 }, {
    tools: swegymTestTools(),
    exec: () => ({ output: 'H'.repeat(500) + 'T'.repeat(500), exitCode: 3 }),
  });
  const end = run.of('tool_end')[0];
  assert.equal(end.observation, 'H'.repeat(50) + '\n[... Observation truncated due to length ...]\n' + 'T'.repeat(50) + '\n[Command finished with exit code 3]');
  assert.equal(end.truncated, true);
  assert.equal(end.exit_code, 3);
});

test('a request timeout is retried (model_retry without status), then the call succeeds', async () => {
  const run = await runAgent([{ tool_calls: [finish], delayMs: 1500 }, { tool_calls: [finish] }], { request_timeout_sec: 0.3 }, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'finished');
  const [retry] = run.of('model_retry');
  assert.ok(retry, 'the timeout is an event');
  assert.equal(retry.status, undefined);
  assert.match(retry.error, /timed out/i);
  assert.equal(run.server.requests.length, 2);
});

test('a 5xx with Retry-After waits as told', async () => {
  const run = await runAgent(
    [{ status: 502, headers: { 'retry-after': '0.6' }, body: { error: { message: 'bad gateway' } } }, { tool_calls: [finish] }],
    {},
    { tools: swegymTestTools() },
  );
  assert.equal(run.result.reason, 'finished');
  assert.deepEqual(run.of('model_retry').map((r) => [r.status, r.delay_ms]), [[502, 600]]);
  assert.ok(run.server.requests[1].at - run.server.requests[0].at >= 550);
});

test('stuck: a repeating 6-step pattern (two actions alternating)', async () => {
  const run = await runAgent((_req, i) => ({ tool_calls: [bash(i % 2 === 0 ? 'git status' : 'git diff')] }), {}, { tools: swegymTestTools() });
  assert.equal(run.result.reason, 'stuck');
  assert.equal(run.result.turns, 6);
  assert.match(run.result.message, /6-step/);
});

test('the default observation cap is 30,000 characters: first 15,000 + marker + last 15,000, exit code after', async () => {
  const body = 'h'.repeat(20_000) + 't'.repeat(20_000);
  const run = await runAgent([{ tool_calls: [bash('big')] }, { tool_calls: [finish] }], {}, { tools: swegymTestTools(), exec: () => ({ output: body, exitCode: 0 }) });
  const end = run.of('tool_end')[0];
  assert.equal(end.observation, 'h'.repeat(15_000) + '\n[... Observation truncated due to length ...]\n' + 't'.repeat(15_000) + '\n[Command finished with exit code 0]');
  assert.equal(end.truncated, true);
  // and that is what the model got
  assert.equal(run.server.requests[1].body.messages.at(-1).content, end.observation);
});

test('an API key echoed back by the endpoint in an error never reaches the events', async () => {
  const key = 'sk-echoed-secret-4242';
  const run = await runAgent(
    [
      { status: 500, body: { error: { message: `internal error for key ${key}` } } },
      { status: 401, body: { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } } },
    ],
    { apiKeyEnv: 'SWEGYM_ECHO_KEY' },
    { tools: swegymTestTools(), env: { SWEGYM_ECHO_KEY: key } },
  );
  assert.equal(run.server.requests[0].headers.authorization, `Bearer ${key}`);
  // A 401 is the endpoint refusing the key: its own stop reason (no result; the scheduler stops the batch).
  assert.equal(run.result.reason, 'endpoint_rejected');
  assert.match(run.result.message, /rejected the API key \(HTTP 401: .*Incorrect API key provided: \[REDACTED\]/);
  assert.match(run.of('model_retry')[0].error, /\[REDACTED\]/);
  assert.equal(JSON.stringify(run.events).includes(key), false);
  assert.equal(run.result.message.includes(key), false);
});

test('credentials inside the base URL are masked in the recorded agent info', async () => {
  const { LlmAgent, publicUrl } = await import('../../src/core/agent/llm/agent.js');
  const a = new LlmAgent({ model: 'm', baseURL: 'https://user:sk-url-secret@llm.example.com/v1?api-key=sk-q-secret&x=1' });
  const recorded = JSON.stringify(a.info);
  assert.equal(recorded.includes('sk-url-secret'), false);
  assert.equal(recorded.includes('sk-q-secret'), false);
  assert.equal(a.info.base_url, 'https://***:***@llm.example.com/v1?api-key=***&x=1');
  assert.equal(a.config.baseURL, 'https://user:sk-url-secret@llm.example.com/v1?api-key=sk-q-secret&x=1', 'the client still gets the real URL');
  assert.equal(publicUrl('http://127.0.0.1:8000/v1'), 'http://127.0.0.1:8000/v1');
});
