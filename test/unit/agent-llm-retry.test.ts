import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { retryAfterMs, retryDelay } from '../../src/core/agent/llm/retry.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { parseLlmAgentConfig } from '../../src/core/agent/llm/config.js';
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
