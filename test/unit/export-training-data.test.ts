import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureSession, type FixtureRollout } from '../helpers/verifier-session.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { ChatFineTuningLine } from '../../src/core/export/openai-ft-schema.js';
import { IN_CONTEXT_EXAMPLE_SUFFIX } from '../../src/core/agent/text-format.js';
import { stripInContextExample } from '../../src/core/session/text-trajectory.js';

const ICL_PREFIX = readFileSync(new URL('../../prompts/in_context_example.txt', import.meta.url), 'utf8');

function session(): string {
  const r: FixtureRollout[] = [
    { instance: 'o__a-1', sample: 0, resolved: true },
    { instance: 'o__a-1', sample: 1, resolved: true, native: true },
    { instance: 'o__a-1', sample: 2, resolved: false },
    { instance: 'o__b-2', sample: 0, resolved: false },
    { instance: 'o__b-2', sample: 1, resolved: false },
    { instance: 'o__b-2', sample: 2 }, // never verified
    { instance: 'o__c-3', sample: 0, resolved: false },
    {
      instance: 'o__c-3',
      sample: 1,
      resolved: true,
      // A text-mode rollout of our own agent: the first user message carries the in-context example.
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: `${ICL_PREFIX}Fix o__c-3.${IN_CONTEXT_EXAMPLE_SUFFIX}` },
        { role: 'assistant', content: 'Done.\n\n<function=finish>\n</function>' },
      ],
    },
  ];
  return writeFixtureSession(r);
}

function run(opts: Parameters<typeof exportCommand>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  return exportCommand({ ...opts, io: { out: (l) => out.push(l), err: (l) => err.push(l) } }).then((code) => ({ code, out, err }));
}

const jsonl = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const meta = (file: string) => JSON.parse(readFileSync(`${file}.meta.json`, 'utf8'));

test('export sft (swegym-text): only resolved rollouts, valid fine-tuning lines, SWE-Gym text form', async () => {
  const dir = session();
  const out = join(dir, 'sft.jsonl');
  const r = await run({ kind: 'sft', session: dir, out });
  assert.equal(r.code, 0, r.err.join('\n'));
  const lines = jsonl(out);
  const m = meta(out);
  assert.equal(lines.length, 3);
  assert.deepEqual(m.lines.map((l: { rollout_id: string }) => l.rollout_id).sort(), ['o__a-1.s0.a0', 'o__a-1.s1.a0', 'o__c-3.s1.a0']);
  assert.equal(m.tokenizer, 'gpt-tokenizer (o200k_base)');
  assert.equal(m.format, 'swegym-text');
  assert.equal(m.stats.unresolved_skipped, 5);
  for (const line of lines) {
    const v = ChatFineTuningLine.safeParse(line);
    assert.ok(v.success, JSON.stringify(v.error?.issues));
    for (const msg of line.messages) {
      assert.ok(['system', 'user', 'assistant'].includes(msg.role), 'no tool role in SWE-Gym form');
      assert.equal(typeof msg.content, 'string');
      assert.equal(msg.tool_calls, undefined);
      assert.ok(!msg.content.includes('START OF EXAMPLE'), 'no in-context example');
      if (msg.role === 'assistant') assert.ok((msg.content.match(/<function=/g) ?? []).length <= 1, 'one call per reply');
    }
  }
  // The native rollout: its two-call reply split in two, results as user messages, function block in the system prompt.
  const native = lines[m.lines.findIndex((l: { rollout_id: string }) => l.rollout_id === 'o__a-1.s1.a0')];
  const roles = native.messages.map((x: { role: string }) => x.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  assert.match(native.messages[0].content, /---- BEGIN FUNCTION #1: execute_bash ----/);
  assert.match(native.messages[2].content, /^Two looks at once\.\n\n<function=execute_bash>\n<parameter=command>ls<\/parameter>\n<\/function>$/);
  assert.equal(native.messages[3].content, 'EXECUTION RESULT of [execute_bash]:\nsrc tests');
  assert.match(native.messages[4].content, /<parameter=command>pwd<\/parameter>/);
  assert.equal(m.stats.multi_call_messages, 1);
  const icl = lines[m.lines.findIndex((l: { rollout_id: string }) => l.rollout_id === 'o__c-3.s1.a0')];
  assert.equal(icl.messages[1].content, 'Fix o__c-3.');
});

test('export sft (openai-tools): tool calls and tool messages, tools listed, schema-valid', async () => {
  const dir = session();
  const out = join(dir, 'sft-tools.jsonl');
  const r = await run({ kind: 'sft', session: dir, out, format: 'openai-tools' });
  assert.equal(r.code, 0, r.err.join('\n'));
  const lines = jsonl(out);
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.ok(ChatFineTuningLine.safeParse(line).success);
    assert.ok(line.tools.some((t: { function: { name: string } }) => t.function.name === 'execute_bash'));
  }
  // A text-format rollout parsed back into native calls.
  const text = lines[meta(out).lines.findIndex((l: { rollout_id: string }) => l.rollout_id === 'o__a-1.s0.a0')];
  assert.deepEqual(text.messages.map((x: { role: string }) => x.role), ['system', 'user', 'assistant', 'tool', 'assistant']);
  assert.equal(text.messages[2].tool_calls[0].function.name, 'execute_bash');
  assert.equal(JSON.parse(text.messages[2].tool_calls[0].function.arguments).command, 'ls');
  assert.equal(text.messages[3].tool_call_id, text.messages[2].tool_calls[0].id);
});

test('export sft filters: per-instance cap (fewest turns first), max turns, max tokens', async () => {
  const dir = session();
  const cap = join(dir, 'cap.jsonl');
  await run({ kind: 'sft', session: dir, out: cap, maxPerInstance: 1 });
  assert.deepEqual(meta(cap).lines.map((l: { rollout_id: string }) => l.rollout_id).sort(), ['o__a-1.s0.a0', 'o__c-3.s1.a0']);
  assert.equal(meta(cap).stats.dropped_per_instance_cap, 1);
  const turns = join(dir, 'turns.jsonl');
  await run({ kind: 'sft', session: dir, out: turns, maxTurns: 1 });
  assert.deepEqual(meta(turns).lines.map((l: { rollout_id: string }) => l.rollout_id), ['o__c-3.s1.a0']);
  const tokens = join(dir, 'tokens.jsonl');
  await run({ kind: 'sft', session: dir, out: tokens, maxTokens: 10 });
  assert.equal(readFileSync(tokens, 'utf8'), '');
  assert.equal(meta(tokens).stats.dropped_max_tokens, 3);
});

test('the fine-tuning schema rejects what OpenAI would reject', () => {
  const ok = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] };
  assert.ok(ChatFineTuningLine.safeParse(ok).success);
  assert.ok(!ChatFineTuningLine.safeParse({ messages: [{ role: 'user', content: 'hi' }] }).success, 'needs an assistant message');
  assert.ok(!ChatFineTuningLine.safeParse({ messages: [{ role: 'function', content: 'x' }, { role: 'assistant', content: 'y' }] }).success);
  assert.ok(!ChatFineTuningLine.safeParse({ messages: [...ok.messages, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }).success, 'unanswered tool id');
  assert.ok(!ChatFineTuningLine.safeParse({ ...ok, metadata: {} }).success, 'no unknown keys');
  assert.ok(!ChatFineTuningLine.safeParse({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight: 2 }] }).success);
});

test('stripInContextExample removes the prefix and suffix and nothing else', () => {
  assert.equal(stripInContextExample(`${ICL_PREFIX}Task text.${IN_CONTEXT_EXAMPLE_SUFFIX}`), 'Task text.');
  assert.equal(stripInContextExample('Plain task'), 'Plain task');
});

test('export verifier: balanced YES/NO judgement lines, reproducible with the seed; ratio configurable', async () => {
  const dir = session();
  const out = join(dir, 'ver.jsonl');
  const r = await run({ kind: 'verifier', session: dir, out, seed: 42 });
  assert.equal(r.code, 0, r.err.join('\n'));
  const lines = jsonl(out);
  const m = meta(out);
  assert.equal(m.stats.positives, 3);
  assert.equal(m.stats.negatives, 3);
  assert.equal(m.stats.negatives_available, 4, 'the unverified rollout is no example');
  for (const l of lines) {
    assert.deepEqual(l.messages.map((x: { role: string }) => x.role), ['system', 'user', 'assistant']);
    assert.match(l.messages[1].content, /=== INTERACTION LOG ===\n\*\*\* System Message that describes the assistant's behavior \*\*\*/);
    assert.match(l.messages[2].content, /^<judgement>(YES|NO)<\/judgement>$/);
  }
  const yes = lines.filter((l) => l.messages[2].content.includes('YES')).length;
  assert.equal(yes, 3);
  const again = join(dir, 'ver2.jsonl');
  await run({ kind: 'verifier', session: dir, out: again, seed: 42 });
  assert.equal(readFileSync(again, 'utf8'), readFileSync(out, 'utf8'));
  const all = join(dir, 'ver3.jsonl');
  await run({ kind: 'verifier', session: dir, out: all, ratio: 2 });
  assert.equal(meta(all).stats.negatives, 4, 'capped at the negatives available');
  // Negatives are the scarce side at 2 per positive: positives are sampled down (4 / 2 = 2) so the ratio holds.
  assert.equal(meta(all).stats.positives, 2);
  assert.equal(meta(all).stats.positives_available, 3);
  const allLines = jsonl(all);
  assert.equal(allLines.filter((l) => l.messages[2].content === '<judgement>YES</judgement>').length, 2);
  assert.equal(allLines.filter((l) => l.messages[2].content === '<judgement>NO</judgement>').length, 4);
  // Half a negative per positive: 3 positives, round(1.5) = 2 negatives.
  const half = join(dir, 'ver5.jsonl');
  await run({ kind: 'verifier', session: dir, out: half, ratio: 0.5 });
  assert.deepEqual([meta(half).stats.positives, meta(half).stats.negatives], [3, 2]);
  // Another seed samples other negatives (of the 4 choose 3 subsets, seeds 42 and 5 pick different ones).
  const other = join(dir, 'ver6.jsonl');
  await run({ kind: 'verifier', session: dir, out: other, seed: 5 });
  const negIds = (f: string) => meta(f).lines.filter((l: { resolved: boolean }) => !l.resolved).map((l: { rollout_id: string }) => l.rollout_id).sort().join(',');
  assert.notEqual(negIds(other), negIds(out));
  const tight = join(dir, 'ver4.jsonl');
  await run({ kind: 'verifier', session: dir, out: tight, maxTokens: 100 });
  assert.equal(meta(tight).stats.dropped_over_budget, 7);
});

test('export predictions: one line per instance for the chosen sample, as the harness reads them', async () => {
  const dir = session();
  const out = join(dir, 'preds.jsonl');
  const r = await run({ kind: 'predictions', session: dir, out, sample: 1 });
  assert.equal(r.code, 0);
  const lines = jsonl(out);
  assert.deepEqual(lines.map((l) => l.instance_id).sort(), ['o__a-1', 'o__b-2', 'o__c-3']);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).sort(), ['instance_id', 'model_name_or_path', 'model_patch']);
    assert.equal(l.model_name_or_path, 'fixture-model');
  }
  assert.match(lines.find((l) => l.instance_id === 'o__a-1').model_patch, /\+x = 2/);
  const bad = await run({ kind: 'weights', session: dir, out });
  assert.equal(bad.code, 2);
});
