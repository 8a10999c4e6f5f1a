import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { retryAfterMs, retryDelay } from '../../src/core/model/retry.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { parseLlmAgentConfig, parseLlmAgentConfigFile } from '../../src/core/agent/llm/config.js';
import { estimateCompletionTokens, estimatePromptTokens } from '../../src/core/agent/llm/tokens.js';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, loadPriceTable, priceFor } from '../../src/core/agent/llm/prices.js';

test('Retry-After: seconds, HTTP date, retry-after-ms; backoff doubles and is capped', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' }), now), 3000);
  assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }), now), 5000);
  assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250' }), now), 250);
  assert.equal(retryAfterMs(new Headers({}), now), undefined);
  const policy = { max_attempts: 5, base_delay_ms: 100, max_delay_ms: 300 };
  assert.deepEqual([1, 2, 3, 4].map((a) => retryDelay(a, policy, new Error('x'))), [100, 200, 300, 300]);
});

test('scripted server: completions API with echo and logprobs, through the real openai client', async () => {
  const server = await startScriptedServer([{ completion: { text: ' YES', tokens: [' YES'], token_logprobs: [-0.1], top_logprobs: [{ ' YES': -0.1, ' NO': -2.4 }] } }]);
  try {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const r = await client.completions.create({ model: 'm', prompt: '<judgement>', max_tokens: 1, logprobs: 2, echo: true });
    assert.equal(r.choices[0].text, '<judgement> YES');
    assert.deepEqual(r.choices[0].logprobs?.top_logprobs, [{ ' YES': -0.1, ' NO': -2.4 }]);
    assert.equal(server.requests[0].path, '/v1/completions');
    assert.equal(server.requests[0].body.prompt, '<judgement>');
  } finally {
    await server.close();
  }
});

test('config: defaults follow SWE-Gym; bad fields are named', () => {
  const c = parseLlmAgentConfig({ model: 'm' });
  assert.equal(c.max_turns, 100);
  assert.equal(c.observation_max_chars, 30000);
  assert.equal(c.apiKeyEnv, 'OPENAI_API_KEY');
  assert.equal(c.first_call_only, false);
  assert.equal(c.hints, false);
  assert.deepEqual(c.retry, { max_attempts: 6, base_delay_ms: 1000, max_delay_ms: 60000 });
  assert.throws(() => parseLlmAgentConfig({ model: 'm', tool_mode: 'xml', api_key: 'sk' }, 'run.json'), /run\.json: invalid LLM agent configuration[\s\S]*tool_mode[\s\S]*api_key/);
});

test('price table: editable JSON, lookup by name or last path segment, unknown = 0', async () => {
  const table = await loadPriceTable();
  assert.ok(priceFor('openai/gpt-4o', table));
  assert.equal(costOf({ prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }, priceFor('gpt-4o', table)), 12.5);
  assert.equal(costOf({ prompt_tokens: 1000, completion_tokens: 1000 }, priceFor('my-local-model', table)), 0);
});

test('price table: a user file is read as it is; a bad entry is an error naming the file and the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-prices-'));
  try {
    const good = join(dir, 'prices.json');
    writeFileSync(good, JSON.stringify({ _comment: 'mine', 'my-model': { input_per_mtok: 1, output_per_mtok: 2 } }));
    assert.deepEqual(await loadPriceTable(good), { 'my-model': { input_per_mtok: 1, output_per_mtok: 2 } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'my-model': { input_per_mtok: -1, output_per_mtok: 2 } }));
    await assert.rejects(loadPriceTable(bad), (e: Error) => e.message.includes(bad) && e.message.includes('"my-model"') && /input_per_mtok/.test(e.message));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "my-model": ');
    await assert.rejects(loadPriceTable(broken), (e: Error) => e.message.startsWith(`price table ${broken}:`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage estimates come from a real BPE tokenizer (cl100k_base), not a character heuristic', async () => {
  const text = 'def parse_duration(text):\n    return sum(_UNITS[u] * float(n) for n, u in _TOKEN.findall(text))\n';
  assert.equal(await estimateCompletionTokens(text, []), countTokens(text));
  assert.notEqual(countTokens(text), Math.ceil(text.length / 4));
  const args = '{"command":"ls -la /workspace"}';
  assert.equal(await estimateCompletionTokens(null, [{ name: 'execute_bash', arguments: args }]), 3 + countTokens('execute_bash') + countTokens(args));
  const prompt = await estimatePromptTokens([{ role: 'user', content: text }]);
  assert.equal(prompt, 3 + 3 + countTokens(text) + countTokens('user'));
});

test('config file: errors name the file, the line of the key and the field; flags override the file', () => {
  const text = '{\n  "model": "m",\n  "tool_mode": "xml",\n  "api_key": "sk-in-a-file",\n  "max_turns": 0\n}\n';
  assert.throws(
    () => parseLlmAgentConfigFile(text, 'agent.json'),
    (e: Error) =>
      /^agent\.json: invalid LLM agent configuration/.test(e.message) &&
      e.message.includes('agent.json:3: field tool_mode:') &&
      e.message.includes('agent.json:5: field max_turns:') &&
      /agent\.json:4: field api_key: unknown field \(keys are never read from files/.test(e.message) &&
      !e.message.includes('sk-in-a-file'),
  );
  assert.throws(() => parseLlmAgentConfigFile('{ "model": "m",, }', 'bad.json'), /^Error: bad\.json: not valid JSON \(.*line 1/);
  assert.throws(() => parseLlmAgentConfigFile('[1]', 'arr.json'), /arr\.json: the agent config must be a JSON object/);
  const c = parseLlmAgentConfigFile('{ "model": "from-file", "tool_mode": "text" }', 'ok.json', { model: 'from-flag', baseURL: 'http://127.0.0.1:9/v1' });
  assert.equal(c.model, 'from-flag');
  assert.equal(c.tool_mode, 'text');
  assert.equal(c.baseURL, 'http://127.0.0.1:9/v1');
  assert.throws(() => parseLlmAgentConfigFile('{ "model": "m" }', 'ok.json', { baseURL: 'not a url' }), /ok\.json \(command line\): field baseURL/);
});
