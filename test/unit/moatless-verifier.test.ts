/**
 * The Moatless verifier: its prompt against the golden produced by SWE-Gym's own scripts/moatless-verifier code
 * (test/fixtures/moatless-verifier/make_golden.py), and P("True") from echoed prompt logprobs over real HTTP through
 * the openai client, with the parsed-answer fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrmTemplates } from '../../src/core/verifier/moatless/orm-prompt.js';
import { MoatlessOrmVerifier, ormPromptFor, type OrmFiles } from '../../src/core/verifier/moatless/orm-verifier.js';
import type { Candidate } from '../../src/core/verifier/types.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { startScriptedServer, type Step } from '../helpers/scripted-openai-server.js';

const FIX = fileURLToPath(new URL('../fixtures/moatless-verifier/', import.meta.url));
const golden = JSON.parse(readFileSync(join(FIX, 'orm_example.json'), 'utf8'));
const patch = readFileSync(join(FIX, 'candidate.patch'), 'utf8');

/** Base and patched contents, the patch applied by real git. */
function files(): OrmFiles {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-orm-'));
  copyFileSync(join(FIX, 'accounts_base.py'), join(dir, 'accounts.py'));
  const before = new Map([['accounts.py', readFileSync(join(dir, 'accounts.py'), 'utf8')]]);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, 'p.diff'), patch);
  execFileSync('git', ['apply', '--include=accounts.py', 'p.diff'], { cwd: dir });
  const after = new Map([['accounts.py', readFileSync(join(dir, 'accounts.py'), 'utf8')]]);
  return { before, after };
}

test('the Moatless verifier prompt equals what SWE-Gym\'s scripts/moatless-verifier builds (golden)', () => {
  const messages = ormPromptFor(loadOrmTemplates(), golden.issue, [golden.identified], patch, files());
  assert.deepEqual(messages, golden.messages.slice(0, 2));
});

const task = { instance_id: 'swegym-samples__accounts-1', repo: 'x/accounts', base_commit: 'abc', problem_statement: golden.issue } as unknown as TaskRecord;
const candidate = (p = patch): Candidate => ({ rolloutId: 'r1', instanceId: task.instance_id, task, sample: 0, patch: p, messages: [], identifiedSpans: [golden.identified] });

test('moatless-orm scores P("True") from echoed prompt logprobs; without logprobs it reads the answer', async () => {
  const chatml = golden.messages
    .slice(0, 2)
    .map((m: { role: string; content: string }) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`)
    .join('') + '<|im_start|>assistant\n';
  const lT = -0.2;
  const lF = -1.9;
  const echo = (prompt: string): Step => {
    const choice = prompt.slice(chatml.length);
    if (!prompt.startsWith(chatml) || !['True', 'False'].includes(choice)) return { status: 400, body: { error: { message: `unexpected prompt ending ${JSON.stringify(prompt.slice(-40))}` } } };
    return { completion: { text: '<', tokens: [chatml, choice, '<'], token_logprobs: [null, choice === 'True' ? lT : lF, -0.01], top_logprobs: null } };
  };
  const server = await startScriptedServer((req) => echo(String(req.body?.prompt)));
  try {
    const v = new MoatlessOrmVerifier({ baseURL: `${server.url}/v1`, model: 'orm' }, { provider: undefined as never, image: async () => 'unused', files: async () => files() });
    const [s] = await v.scoreInstance([candidate()]);
    const expected = Math.exp(lT) / (Math.exp(lT) + Math.exp(lF));
    assert.ok(Math.abs(s!.score - expected) < 1e-9, `${s!.score} vs ${expected}`);
    assert.match(s!.explanation, /P\(True\)/);
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0]!.body.echo, true);
  } finally {
    await server.close();
  }

  // No echoed logprobs and no top logprobs: the generated text "False" is the answer.
  const plain = await startScriptedServer(() => ({ completion: { text: 'False', finish_reason: 'stop' } }));
  try {
    const v = new MoatlessOrmVerifier({ baseURL: `${plain.url}/v1`, model: 'orm' }, { provider: undefined as never, image: async () => 'unused', files: async () => files() });
    const [s] = await v.scoreInstance([candidate()]);
    assert.equal(s!.score, 0);
    assert.ok(s!.flags.includes('parsed_answer_fallback'), s!.flags.join(','));
    const [empty] = await v.scoreInstance([candidate('')]);
    assert.deepEqual(empty!.flags, ['empty_patch']);
  } finally {
    await plain.close();
  }
});

test('Moatless verifier data: at most 2 positives and 2 negatives per instance, negatives matched to positives, labels True/False', async () => {
  const { buildMoatlessVerifierData } = await import('../../src/core/export/moatless-verifier-data.js');
  const prompt = golden.messages.slice(0, 2);
  const ex = (id: string, inst: string, resolved: boolean) => ({ rolloutId: id, instance_id: inst, resolved, prompt });
  const examples = [
    ex('a1', 'A', true), ex('a2', 'A', true), ex('a3', 'A', true), ex('a4', 'A', false), ex('a5', 'A', false), ex('a6', 'A', false),
    ex('b1', 'B', false), ex('b2', 'B', false), ex('b3', 'B', false),
  ];
  const { lines, stats } = buildMoatlessVerifierData(examples);
  assert.equal(stats.positives, 2);
  assert.equal(stats.negatives, 2, 'negatives subsampled to the 2 positives');
  const byInstance = (inst: string, r: boolean) => lines.filter((l) => l.metadata.instance_id === inst && l.metadata.resolved === r).length;
  assert.equal(byInstance('A', true), 2);
  assert.ok(lines.every((l) => l.messages[2]!.content === (l.metadata.resolved ? 'True' : 'False')));
  assert.deepEqual(buildMoatlessVerifierData(examples).lines.map((l) => l.metadata.rollout_id), lines.map((l) => l.metadata.rollout_id), 'seeded');
  const long = buildMoatlessVerifierData(examples, { maxTokens: 100 });
  assert.equal(long.lines.length, 0);
  assert.equal(long.stats.dropped_over_budget, 9);
});
