import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { echoCompletion, startScriptedServer, toyTokens, type RecordedRequest, type Step } from '../helpers/scripted-openai-server.js';
import { LlmVerifier } from '../../src/core/verifier/llm/llm-verifier.js';
import { verifierByName } from '../../src/core/verifier/registry.js';
import type { ChatMessage } from '../../src/core/events.js';

// The judge prompt written out by hand from facts §6.1-6.3: ChatML of [system, user], the assistant turn opened and
// cut right after `<judgement>`. The system and user texts are the editable templates in prompts/verifier/.
const SYSTEM = readFileSync(new URL('../../prompts/verifier/system.txt', import.meta.url), 'utf8').replace(/\n$/, '');
const SEP = '-'.repeat(100);
const TRAJECTORY: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Fix add() in calc.py.' },
  { role: 'assistant', content: 'Fixing.\n\n<function=execute_bash>\n<parameter=command>sed -i s/-/+/ calc.py</parameter>\n</function>' },
  { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\n[Command finished with exit code 0]' },
];
const RENDERED = [
  "*** System Message that describes the assistant's behavior ***",
  'You are a helpful assistant.',
  SEP,
  '*** Turn 1 - USER ***',
  'Fix add() in calc.py.',
  SEP,
  '*** Turn 1 - ASSISTANT ***',
  'Fixing.\n\n<function=execute_bash>\n<parameter=command>sed -i s/-/+/ calc.py</parameter>\n</function>',
  SEP,
  '*** Turn 2 - USER ***',
  'EXECUTION RESULT of [execute_bash]:\n[Command finished with exit code 0]',
  SEP,
  '', // format_traj ends the last separator line with a newline too
].join('\n');
const USER =
  'Please evaluate the following interaction between an AI assistant and a user:\n\n=== INTERACTION LOG ===\n' +
  RENDERED +
  '\n=== END INTERACTION ===\n\nBased on the above interaction, did the assistant successfully resolve the user\'s initial request? Respond with YES or NO.';
const PROMPT = `<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n${USER}<|im_end|>\n<|im_start|>assistant\n<judgement>`;

const L_YES = -0.3;
const L_NO = -1.6;
const P_YES = Math.exp(L_YES) / (Math.exp(L_YES) + Math.exp(L_NO));

/** An echoed forced-choice answer: the prompt as one token, then the choice, then one generated token. */
function echoStep(choice: string, l: number): Step {
  return {
    completion: {
      text: '</',
      tokens: [PROMPT, choice, '</'],
      token_logprobs: [null, l, -0.01],
      // A decoy "YES" without the leading space, more likely than either choice: must be ignored.
      top_logprobs: [{}, { YES: -0.01, [choice]: l }, { '</': -0.01 }],
    },
  };
}

function mismatch(req: RecordedRequest, expected: string): Step | undefined {
  if (req.body?.prompt === expected) return undefined;
  return { status: 400, body: { error: { message: `unexpected prompt (length ${String(req.body?.prompt).length}, expected ${expected.length})` } } };
}

async function withServer(script: (req: RecordedRequest, i: number) => Step, fn: (v: LlmVerifier, requests: RecordedRequest[]) => Promise<void>) {
  const server = await startScriptedServer(script);
  try {
    const v = new LlmVerifier({ baseURL: server.url, model: 'verifier-lora', apiKeyEnv: 'SWEGYM_TEST_NO_KEY', timeoutMs: 10_000 });
    await fn(v, server.requests);
  } finally {
    await server.close();
  }
}

test('score = P(YES) from the forced " YES" / " NO" continuations of the exact prompt; a decoy "YES" token is ignored', async () => {
  await withServer(
    (req) => {
      const choice = String(req.body?.prompt ?? '').endsWith(' YES') ? ' YES' : ' NO';
      return mismatch(req, PROMPT + choice) ?? echoStep(choice, choice === ' YES' ? L_YES : L_NO);
    },
    async (v, requests) => {
      assert.equal(v.buildPrompt(TRAJECTORY).prompt, PROMPT);
      const [s] = await v.scoreInstance([{ rolloutId: 'r', instanceId: 'i', sample: 0, patch: '', messages: TRAJECTORY }]);
      assert.equal(requests.length, 2);
      for (const r of requests) {
        assert.equal(r.path, '/v1/completions');
        assert.equal(r.body.echo, true);
        assert.equal(r.body.max_tokens, 1);
      }
      assert.deepEqual(requests.map((r) => r.body.prompt), [PROMPT + ' YES', PROMPT + ' NO']);
      assert.ok(Math.abs(s!.score - P_YES) < 1e-12, `score ${s!.score} != ${P_YES}`);
      assert.deepEqual(s!.flags, []);
    },
  );
});

test('fallback 1: no echoed logprobs -> top logprobs of the generated token, flagged; the decoy is ignored', async () => {
  await withServer(
    (req) => {
      if (req.body?.echo) return { completion: { text: '</', tokens: [String(req.body.prompt), '</'], token_logprobs: null as never } };
      return (
        mismatch(req, PROMPT) ?? {
          completion: { text: ' YES</judgement>', tokens: [' YES', '</judgement>'], token_logprobs: [-0.7, -0.01], top_logprobs: [{ YES: -0.01, ' YES': -0.7, ' NO': -1.2 }, {}] },
        }
      );
    },
    async (v, requests) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.equal(requests.length, 2, 'the forced choice fails at " YES", then one generation');
      assert.equal(requests[0]!.body.echo, true);
      assert.equal(requests[1]!.body.logprobs, 20);
      assert.equal(requests[1]!.body.echo, undefined);
      assert.ok(Math.abs(s.score - Math.exp(-0.7) / (Math.exp(-0.7) + Math.exp(-1.2))) < 1e-12);
      assert.ok(s.flags.includes('top_logprobs_fallback'));
      assert.ok(!s.flags.includes('choice_missing'));
    },
  );
});

test('fallback 1 with one choice missing from the top logprobs: the missing one gets the floor, flagged', async () => {
  await withServer(
    (req) => {
      if (req.body?.echo) return { status: 400, body: { error: { message: 'echo is not supported' } } };
      return { completion: { text: ' YES', tokens: [' YES'], token_logprobs: [-0.2], top_logprobs: [{ YES: -0.05, ' YES': -0.2, maybe: -4 }] } };
    },
    async (v) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.ok(s.flags.includes('top_logprobs_fallback') && s.flags.includes('choice_missing'), s.flags.join(','));
      assert.ok(Math.abs(s.score - Math.exp(-0.2) / (Math.exp(-0.2) + Math.exp(-4))) < 1e-12);
    },
  );
});

test('fallback 2: no logprobs at all -> the parsed answer, flagged', async () => {
  await withServer(
    (req) => {
      if (req.body?.echo) return { status: 400, body: { error: { message: 'echo is not supported' } } };
      return { completion: { text: ' NO</judgement>', top_logprobs: null } };
    },
    async (v) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.equal(s.score, 0);
      assert.ok(s.flags.includes('parsed_answer_fallback'));
    },
  );
});

test('fallback 2 through the chat API when the completions API is missing: parsed answer, flagged', async () => {
  await withServer(
    (req) => {
      if (req.path.endsWith('/completions') && !req.path.endsWith('/chat/completions')) return { status: 404, body: { error: { message: 'no completions API' } } };
      assert.equal(req.body.messages[1].content, USER);
      return { content: '<judgement>YES</judgement>' };
    },
    async (v, requests) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.equal(s.score, 1);
      assert.ok(s.flags.includes('parsed_answer_fallback'));
      assert.ok(requests.some((r) => r.path === '/v1/chat/completions'));
    },
  );
});

test('no readable answer: neutral 0.5, flagged no_answer', async () => {
  await withServer(
    (req) => (req.body?.echo ? { status: 400, body: { error: { message: 'no echo' } } } : { completion: { text: 'I think so', top_logprobs: null } }),
    async (v) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.equal(s.score, 0.5);
      assert.ok(s.flags.includes('no_answer'));
    },
  );
});

test('a trajectory over the context budget is truncated in the middle and flagged', () => {
  const long: ChatMessage[] = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'task' }];
  for (let i = 0; i < 40; i++) long.push({ role: 'assistant', content: `step ${i} ${'x '.repeat(60)}` }, { role: 'user', content: `result ${i} ${'y '.repeat(60)}` });
  const v = new LlmVerifier({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', maxContextTokens: 2500 });
  const built = v.buildPrompt(long);
  const flag = built.flags.find((f) => f.startsWith('truncated:'));
  assert.ok(flag, built.flags.join(','));
  assert.ok(built.prompt.includes('task') && built.prompt.includes('result 39'), 'keeps the task and the latest turns');
  assert.ok(!built.prompt.includes('step 20 '), 'drops middle turns');
});

test('native-call trajectories are judged in the text form the verifier was trained on (no in-context example)', async () => {
  const icl = readFileSync(new URL('../../prompts/in_context_example.txt', import.meta.url), 'utf8');
  const native: ChatMessage[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: `${icl}Fix it.` },
    { role: 'assistant', content: 'Look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"ls"}' } }] },
    { role: 'tool', tool_call_id: 'c1', name: 'execute_bash', content: 'a.py' },
  ];
  await withServer(
    (req) => {
      const choice = String(req.body?.prompt ?? '').endsWith(' YES') ? ' YES' : ' NO';
      const prompt = String(req.body.prompt).slice(0, -choice.length);
      return { completion: { text: '', tokens: [prompt, choice], token_logprobs: [null, choice === ' YES' ? -1 : -2] } };
    },
    async (v, requests) => {
      const [s] = await v.scoreInstance([{ rolloutId: 'r', instanceId: 'i', sample: 0, patch: '', messages: native }]);
      const prompt = String(requests[0]!.body.prompt);
      assert.ok(prompt.includes('*** Turn 1 - ASSISTANT ***\nLook.\n\n<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>'));
      assert.ok(prompt.includes('*** Turn 2 - USER ***\nEXECUTION RESULT of [execute_bash]:\na.py'));
      assert.ok(!prompt.includes('### Tool Call') && !prompt.includes('START OF EXAMPLE'));
      assert.ok(prompt.includes('*** Turn 1 - USER ***\nFix it.\n'));
      assert.ok(Math.abs(s!.score - Math.exp(-1) / (Math.exp(-1) + Math.exp(-2))) < 1e-12);
    },
  );
});

// vLLM and SGLang wire shapes (vllm-wire-check-2026-12-03.md, M2/M3): the echo is the prompt's tokens, then one
// generated token. The final " YES" / " NO" get ln 0.8 / ln 0.2, every other prompt token -0.5, so P(YES) = 0.8
// exactly when the choice token is the one scored, and 0.5 when a shared prompt token is scored instead.
const EMOJI_TRAJECTORY: ChatMessage[] = [
  ...TRAJECTORY,
  { role: 'assistant', content: 'All tests pass ✓ 🎉\n\n<function=finish>\n</function>' },
];
function judgeServer(server: 'vllm' | 'sglang') {
  return (req: RecordedRequest): Step => {
    const prompt = String(req.body?.prompt ?? '');
    if (!req.body?.echo) return { status: 400, body: { error: { message: 'this test expects only forced choices' } } };
    return echoCompletion(prompt, {
      server,
      logprob: (token, i, tokens) => (i === tokens.length - 2 && token === ' YES' ? Math.log(0.8) : i === tokens.length - 2 && token === ' NO' ? Math.log(0.2) : -0.5),
    });
  };
}

test('vLLM shape, trajectory with ✓ 🎉: the choice is found from the end of the echo, P(YES) = 0.8000', async () => {
  await withServer(judgeServer('vllm'), async (v, requests) => {
    const s = await v.scoreOne(EMOJI_TRAJECTORY);
    const prompt = String(requests[0]!.body.prompt);
    assert.ok(prompt.includes('✓ 🎉'), 'the emoji reach the judge prompt');
    // The precondition of the fault: vLLM's offsets (code points of per-token decodes) differ from JS positions.
    const tokens = toyTokens(prompt);
    const pythonLen = tokens.reduce((n, t) => n + [...t].length, 0);
    assert.notEqual(pythonLen, prompt.length);
    assert.equal(s.score.toFixed(4), '0.8000', s.explanation);
    assert.deepEqual(s.flags, []);
  });
});

test('SGLang shape (text_offset -1 for every token): forced choices work, P(YES) = 0.8000, no fallback', async () => {
  await withServer(judgeServer('sglang'), async (v, requests) => {
    const s = await v.scoreOne(EMOJI_TRAJECTORY);
    assert.equal(requests.length, 2, 'two forced choices, no generation fallback');
    assert.equal(s.score.toFixed(4), '0.8000', s.explanation);
    assert.deepEqual(s.flags, []);
    const plain = await v.scoreOne(TRAJECTORY);
    assert.equal(plain.score.toFixed(4), '0.8000');
  });
});

test('an echo that does not end with the choice is refused (named), and the fallback is flagged', async () => {
  await withServer(
    (req) => {
      if (!req.body?.echo) return { completion: { text: ' NO', tokens: [' NO'], token_logprobs: [-0.1], top_logprobs: [{ ' YES': -2.3, ' NO': -0.1 }] } };
      // A server that echoes a different prompt than it was sent (e.g. a template applied on top).
      return echoCompletion('<|im_start|>assistant\nsomething else', { server: 'vllm', logprob: () => -0.5 });
    },
    async (v) => {
      const s = await v.scoreOne(TRAJECTORY);
      assert.ok(s.flags.includes('top_logprobs_fallback'), s.flags.join(','));
      assert.match(s.explanation, /the echoed prompt ends with "( else| something else|else)", not the choice " YES"/);
    },
  );
});

test('a retry of the verifier is reported, not silent; the key is handed in and masked', async () => {
  const KEY = 'sk-verifier-5e4d3c2b1a';
  let first = true;
  const server = await startScriptedServer((req) => {
    if (first) {
      first = false;
      return { status: 503, body: { error: { message: `busy for ${KEY}` } }, headers: { 'retry-after': '0' } };
    }
    return judgeServer('vllm')(req);
  });
  try {
    const retries: string[] = [];
    const v = new LlmVerifier({ baseURL: server.url, model: 'verifier-lora', timeoutMs: 10_000 }, { apiKey: KEY, onRetry: (r) => retries.push(`${r.attempt}:${r.status}:${r.error}`) });
    const s = await v.scoreOne(TRAJECTORY);
    assert.equal(s.score.toFixed(4), '0.8000');
    assert.equal(server.requests[0]!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(retries.length, 1);
    assert.match(retries[0]!, /^1:503:.*\[REDACTED\]/);
    assert.ok(!retries[0]!.includes(KEY));
  } finally {
    await server.close();
  }
});

test('the registry hands the verifier the key from the given environment and prints every retry', async () => {
  const KEY = 'sk-registry-77aa66bb55';
  let first = true;
  const server = await startScriptedServer((req) => {
    if (first) {
      first = false;
      return { status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '0' } };
    }
    return judgeServer('sglang')(req);
  });
  try {
    const logs: string[] = [];
    const v = await verifierByName('llm', { llm: { baseURL: server.url, model: 'verifier-lora', apiKeyEnv: 'SWEGYM_REGISTRY_TEST_KEY' } }, { env: { SWEGYM_REGISTRY_TEST_KEY: KEY }, onLog: (m) => logs.push(m) });
    const [s] = await v.scoreInstance([{ rolloutId: 'r', instanceId: 'i', sample: 0, patch: '', messages: TRAJECTORY }]);
    assert.equal(s!.score.toFixed(4), '0.8000');
    assert.ok(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /^llm verifier: attempt 1 failed \(429: .*slow down\); retrying in 0 ms$/);
  } finally {
    await server.close();
  }
});
