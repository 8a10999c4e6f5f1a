/**
 * `import --format moatless` of the fork's evaluation folder, then `export sft --format moatless`, against the output of
 * the fork's own scripts/export_to_oai_dataset.py on the same folder (test/fixtures/import/moatless/PROVENANCE.md).
 * Also the per-instance cap (fewest LM calls first), the token filter and the prompt-log overwrite rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCommand } from '../../src/cli/commands/import.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { openSession } from '../../src/core/session/store.js';
import { RolloutEvent, type ChatMessage } from '../../src/core/events.js';
import { buildMoatlessSft, promptLogFromEvents, type MoatlessRollout } from '../../src/core/export/moatless-sft.js';

const FIX = fileURLToPath(new URL('../fixtures/import/moatless/', import.meta.url));

/** The fork keeps litellm's null tool_calls/function_call in completions; swegym does not: compare without null keys. */
function dropNulls(line: { messages: Record<string, unknown>[] }) {
  return { ...line, messages: line.messages.map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null))) };
}

test('import --format moatless then export sft --format moatless gives the fork exporter\'s examples', async () => {
  const sessionsDir = mkdtempSync(join(tmpdir(), 'swegym-moatless-'));
  const io = { out: (_l: string) => undefined, err: (l: string) => assert.fail(l) };
  assert.equal(await importCommand({ file: join(FIX, 'eval-run'), format: 'moatless', session: 'eval-run', sessionsDir, io }), 0);
  const reader = openSession(join(sessionsDir, 'eval-run'));
  const summaries = reader.summaries();
  assert.equal(summaries.length, 2);
  const a = summaries.find((s) => s.instance_id === 'swegym-samples__accounts-1')!;
  assert.equal(a.resolved, true);
  const events = await reader.events(a.rollout_id);
  assert.equal(events.filter((e) => e.type === 'moatless_transition').length, 7);
  assert.ok(events.some((e) => e.type === 'patch_updated' && e.patch.includes('amount must be positive')));

  const out = join(sessionsDir, 'sft.jsonl');
  assert.equal(await exportCommand({ kind: 'sft', session: 'eval-run', format: 'moatless', out, sessionsDir, io }), 0);
  const ours = readFileSync(out, 'utf8').trim().split('\n').map((l) => dropNulls(JSON.parse(l)));
  const theirs = readFileSync(join(FIX, 'eval-run.dataset.openai.jsonl'), 'utf8').trim().split('\n').map((l) => dropNulls(JSON.parse(l)));
  const key = (x: { messages: { content?: unknown }[] }) => JSON.stringify(x.messages[x.messages.length - 1]);
  assert.equal(ours.length, 3);
  assert.deepEqual([...ours].sort((x, y) => key(x).localeCompare(key(y))), [...theirs].sort((x, y) => key(x).localeCompare(key(y))));
  const meta = JSON.parse(readFileSync(`${out}.meta.json`, 'utf8'));
  assert.equal(meta.stats.unresolved_skipped, 1);
  assert.equal(meta.filters.max_tokens, 10240);
});

test('the golden SFT example: the SearchCode call with its re-ask, as export_to_oai_dataset.py writes it', async () => {
  const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/moatless-prompts/sft_example.jsonl', import.meta.url)), 'utf8'));
  const reask = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/moatless-prompts/reask_exchange.json', import.meta.url)), 'utf8'));
  // Events as the agent emits them for one structured call with a re-ask: two requests, two replies, one log marker.
  const first: ChatMessage[] = reask.messages_of_second_attempt.slice(0, 2);
  const bodies = [
    { type: 'model_request', turn: 0, new_messages: first, total_messages: 2, history_reset: true },
    { type: 'model_response', turn: 0, content: reask.replies[0], tool_calls: [], usage: { prompt_tokens: 1, completion_tokens: 1 }, latency_ms: 1 },
    { type: 'model_request', turn: 1, new_messages: reask.messages_of_second_attempt, total_messages: 4, history_reset: true },
    { type: 'model_response', turn: 1, content: reask.replies[1], tool_calls: [], usage: { prompt_tokens: 1, completion_tokens: 1 }, latency_ms: 1 },
    { type: 'moatless_prompt_log', transition: 0, state: 'SearchCode', turn: 1, error: null },
  ];
  const events = bodies.map((b, seq) => RolloutEvent.parse({ v: 1, ts: seq, rollout: 'r', seq, ...b }));
  const log = promptLogFromEvents(events);
  const { lines } = buildMoatlessSft([{ rolloutId: 'r', instance_id: golden.instance_id, sample: 0, resolved: true, promptLog: log, calls: 2 }], { expName: golden.exp_name });
  assert.equal(lines.length, 1);
  assert.deepEqual(lines[0]!.line, golden);
});

test('cap 2 trajectories per instance with the fewest LM calls; over-long examples dropped; a later call of a visit replaces the earlier', () => {
  const entry = (key: string, content: string) => ({ key, messages: [{ role: 'user' as const, content }], completion: [{ content: 'ok', role: 'assistant' as const }], error: null });
  const r = (id: string, calls: number, sample: number): MoatlessRollout => ({ rolloutId: id, instance_id: 'i', sample, resolved: true, promptLog: [entry('00_SearchCode', id)], calls });
  const { lines, stats } = buildMoatlessSft([r('a', 9, 0), r('b', 3, 1), r('c', 5, 2), { ...r('d', 1, 3), resolved: false }], { expName: 'x' });
  assert.deepEqual(lines.map((l) => l.meta.rollout_id), ['b', 'c']);
  assert.equal(stats.dropped_per_instance_cap, 1);
  assert.equal(stats.unresolved_skipped, 1);
  const long = buildMoatlessSft([{ ...r('e', 1, 0), promptLog: [entry('00_SearchCode', 'word '.repeat(20000))] }], { expName: 'x' });
  assert.equal(long.lines.length, 0);
  assert.equal(long.stats.examples_over_max_tokens, 1);

  const ev = [
    { type: 'model_request', turn: 0, new_messages: [{ role: 'user', content: 'first' }], total_messages: 1, history_reset: true },
    { type: 'model_response', turn: 0, content: 'a', tool_calls: [], usage: { prompt_tokens: 1, completion_tokens: 1 }, latency_ms: 1 },
    { type: 'moatless_prompt_log', transition: 3, state: 'PlanToCode', turn: 0, error: null },
    { type: 'model_request', turn: 1, new_messages: [{ role: 'user', content: 'second' }], total_messages: 1, history_reset: true },
    { type: 'model_response', turn: 1, content: 'b', tool_calls: [], usage: { prompt_tokens: 1, completion_tokens: 1 }, latency_ms: 1 },
    { type: 'moatless_prompt_log', transition: 3, state: 'PlanToCode', turn: 1, error: null },
  ].map((b, seq) => RolloutEvent.parse({ v: 1, ts: seq, rollout: 'r', seq, ...b }));
  const log = promptLogFromEvents(ev);
  assert.equal(log.length, 1);
  assert.equal(log[0]!.key, '03_PlanToCode');
  assert.deepEqual(log[0]!.completion, [{ content: 'b', role: 'assistant' }]);
});

test('import --format moatless names the file and field of bad input', async () => {
  const sessionsDir = mkdtempSync(join(tmpdir(), 'swegym-moatless-bad-'));
  const err: string[] = [];
  const code = await importCommand({ file: join(FIX, 'eval-run', 'preds.swebench_eval.jsonl'), format: 'moatless', session: 'bad', sessionsDir, io: { out: () => undefined, err: (l) => err.push(l) } });
  assert.equal(code, 2);
  assert.match(err.join('\n'), /preds\.swebench_eval\.jsonl/);
  assert.ok(!existsSync(join(sessionsDir, 'bad', 'index.jsonl')));
});

test('a bad Moatless config names the file, the line and the field; --moatless-fix is checked', async () => {
  const { moatlessSettingsFrom } = await import('../../src/core/agent/moatless/config.js');
  const text = '{\n  "model": "qwen",\n  "max_transitions": "many",\n  "max_turns": 30\n}\n';
  assert.throws(
    () => moatlessSettingsFrom({ config: 'moatless.json' }, () => text),
    (e: Error) => /moatless\.json:3: field max_transitions: /.test(e.message) && /moatless\.json: field max_turns: unknown field/.test(e.message),
  );
  assert.throws(() => moatlessSettingsFrom({ model: 'q', moatlessFix: 'cost_priced_as_claude' }, () => ''), /command line: invalid Moatless agent configuration\n  command line: field fix\.0/);
  assert.throws(() => moatlessSettingsFrom({}, () => ''), /--agent moatless needs --model/);
  assert.deepEqual(moatlessSettingsFrom({ model: 'q', baseUrl: 'http://127.0.0.1:8000/v1', moatlessFix: 'identify_message_overwritten' }, () => ''), {
    model: 'q',
    baseURL: 'http://127.0.0.1:8000/v1',
    fix: ['identify_message_overwritten'],
  });
});

test('json_object is sent to JSON states; an endpoint that refuses it is asked again without it, for the rest of the rollout', async () => {
  const { startScriptedServer } = await import('../helpers/scripted-openai-server.js');
  const { OpenAiChatModel } = await import('../../src/core/model/index.js');
  const { moatlessModelCall } = await import('../../src/core/agent/moatless/model-call.js');
  const server = await startScriptedServer((req) =>
    req.body?.response_format
      ? { status: 400, body: { error: { message: "response_format is not supported by this model ('json_object')", type: 'invalid_request_error' } } }
      : { content: '{"scratch_pad": "ok"}', finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 2 } },
  );
  try {
    const call = moatlessModelCall(new OpenAiChatModel({ baseURL: server.url, model: 'm', apiKey: 'k', retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 } }));
    const notices: string[] = [];
    const hooks = { signal: new AbortController().signal, onRetry: () => undefined, onNotice: (m: string) => notices.push(m) };
    const req = { messages: [{ role: 'user' as const, content: 'u' }], max_tokens: 2000, temperature: 0, json_object: true };
    const first = await call(req, hooks);
    assert.equal(first.content, '{"scratch_pad": "ok"}');
    await call(req, hooks);
    assert.deepEqual(server.requests.map((r) => r.body.response_format?.type ?? null), ['json_object', null, null]);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /refused response_format json_object/);
  } finally {
    await server.close();
  }
});
