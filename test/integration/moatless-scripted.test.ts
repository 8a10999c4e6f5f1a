/**
 * An end-to-end Moatless rollout: the agent from the registry (`--agent moatless`), a scripted OpenAI-compatible server
 * on 127.0.0.1 over real HTTP through the real `openai` client, the sample task's real container (checkout parsed and
 * indexed with BM25, the edit written into the container), and the SWE-bench harness resolving the patch in a fresh
 * container. The scripted model walks the fork's states: a Search whose first reply is invalid JSON (re-asked),
 * Identify, Decide, a plan to edit a span, the edit in <replace>, finish.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { createAgent } from '../../src/core/rollout/agents.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { buildMoatlessSft, promptLogFromEvents } from '../../src/core/export/moatless-sft.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { FIXED_HEAD, INSTANCE, SCRIPT } from './moatless-script.js';
import { MoatlessOrmPrompter } from '../../src/core/verifier/moatless/orm-verifier.js';
import { moatlessSpans } from '../../src/core/verifier/candidates.js';
import { sampleImage, sampleTasks, specFor } from './rollout-images.js';

const LABEL = { 'io.swegym.test': 'moatless-scripted' };
const provider = new DockerProvider();
after(async () => {
  await provider.sweep(LABEL);
});

test('--agent moatless resolves a sample task through the scripted server in a real container', async () => {
  const task = (await sampleTasks()).find((t) => t.instance_id === INSTANCE)!;
  const { image, source } = await sampleImage(task);
  const server = await startScriptedServer(SCRIPT);
  const events: RolloutEvent[] = [];
  try {
    const agent = await createAgent(
      { agent: 'moatless', moatless: { model: 'scripted-moatless', baseURL: server.url, apiKeyEnv: 'SWEGYM_SCRIPTED_KEY', temperature: 0 } },
      { task, env: { SWEGYM_SCRIPTED_KEY: 'scripted-key' } },
    );
    const outcome = await runRollout({
      task,
      agent,
      provider,
      image,
      imageSource: source,
      emitter: new RolloutEmitter('moatless', (e) => events.push(e)),
      labels: LABEL,
      verify: (patch) => verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image, offline: true, labels: LABEL }),
    });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.result?.reason, 'finished', outcome.result?.message);
    assert.equal(outcome.verdict?.status, 'resolved', JSON.stringify(outcome.verdict));
    assert.match(outcome.result!.patch, /^\+_TOKEN = re\.compile\(r"\(\\d\+\(\?:\\\.\\d\+\)\?\)\\s\*\(\[a-zA-Z\]\+\)"\)$/m);

    // The wire: every call a chat completion with the key, max_tokens 2000; JSON states ask for json_object,
    // EditCode for free text with the stop word.
    assert.equal(server.requests.length, SCRIPT.length);
    for (const r of server.requests) {
      assert.equal(r.path, '/v1/chat/completions');
      assert.equal(r.headers.authorization, 'Bearer scripted-key');
      assert.equal(r.body.max_tokens, 2000);
    }
    const edit = server.requests[5]!.body;
    assert.deepEqual(edit.stop, ['</replace>']);
    assert.equal(edit.response_format, undefined);
    assert.deepEqual(server.requests[0]!.body.response_format, { type: 'json_object' });
    // The re-ask: the second request repeats the first with the bad reply and the pydantic error appended.
    const [first, second] = [server.requests[0]!.body.messages, server.requests[1]!.body.messages];
    assert.equal(second.length, first.length + 2);
    assert.deepEqual(second.slice(0, first.length), first);
    assert.equal(second[first.length].content, '{"function_names": ["parse_duration"]}');
    assert.match(second[first.length + 1].content, /^Recall the function correctly, fix the errors, exceptions found\n1 validation error for Search\nscratch_pad\n  Field required/);
    assert.match(first[0].content, /Make sure to return an instance of the JSON, not the schema itself\n$/);
    // The SearchCode prompt carries the BM25 initial context from the real checkout.
    assert.match(first[1].content, /^<issue>\nparse_duration rejects a space/);
    assert.match(first[1].content, /Here's some files that might be relevant when formulating the search\.\n\n\ndurations\//);
    // EditCode saw lines 1-9 of the real file in <search>.
    assert.match(edit.messages[1].content, /<search>\n"""Turn strings like[\s\S]*_TOKEN = re\.compile\(r"\(\\d\+\(\?:\\\.\\d\+\)\?\)\(\[a-zA-Z\]\+\)"\)\n_SEPARATORS = " ,\\t"\n<\/search>$/);

    // The events: states in the fork's order, the search, the spans, the plan and the edit.
    const states = events.filter((e) => e.type === 'moatless_transition').map((e) => (e as { state: string }).state);
    assert.deepEqual(states, ['SearchCode', 'IdentifyCode', 'DecideRelevance', 'PlanToCode', 'EditCode', 'PlanToCode', 'Finished']);
    const setup = events.find((e) => e.type === 'moatless_setup') as Extract<RolloutEvent, { type: 'moatless_setup' }>;
    assert.equal(setup.retrieval_backend, 'bm25');
    assert.ok(setup.indexed_files! >= 5);
    assert.ok(events.some((e) => e.type === 'moatless_search' && e.kind === 'search' && e.hits.some((h) => h.span_ids.includes('parse_duration'))));
    assert.ok(events.some((e) => e.type === 'moatless_spans' && e.identified[0]!.span_ids.includes('docstring')));
    assert.ok(events.some((e) => e.type === 'moatless_plan' && e.next === 'EditCode' && e.start_line === 1 && e.end_line === 9));
    const editEvent = events.find((e) => e.type === 'moatless_edit') as Extract<RolloutEvent, { type: 'moatless_edit' }>;
    assert.equal(editEvent.applied, true);
    assert.match(editEvent.diff, /^\+_TOKEN = re\.compile/m);
    const searchAction = events.find((e) => e.type === 'moatless_action' && e.state === 'SearchCode') as Extract<RolloutEvent, { type: 'moatless_action' }>;
    assert.equal(searchAction.attempts, 2);

    // SFT data from the rollout's prompt log: one example per logged call (the re-asked SearchCode call once).
    const log = promptLogFromEvents(events);
    assert.deepEqual(log.map((l) => l.key), ['00_SearchCode', '01_IdentifyCode', '02_DecideRelevance', '03_PlanToCode', '04_EditCode', '05_PlanToCode']);
    const { lines } = buildMoatlessSft([{ rolloutId: 'moatless', instance_id: INSTANCE, sample: 0, resolved: true, promptLog: log, calls: SCRIPT.length }], { expName: 'e2e' });
    assert.equal(lines.length, 6);
    assert.equal(lines[0]!.line.messages.length, 5, 'system, user, bad reply, re-ask, accepted reply');
    assert.equal(lines[4]!.line.messages[2]!.content, `<replace>\n${FIXED_HEAD}\n`);

    // The Moatless verifier's prompt for this rollout, its files read from a fresh container of the instance image.
    const prompter = new MoatlessOrmPrompter({ provider, image: async () => image });
    const candidate = { rolloutId: 'moatless', instanceId: INSTANCE, task, sample: 0, patch: outcome.result!.patch, messages: [], ...moatlessSpans(events) };
    const user = (await prompter.messagesFor(candidate))[1]!.content!;
    assert.ok(user.includes('<code_span=durations/parser.py span_id=docstring>\n(0001) """Turn strings'), user);
    assert.ok(user.includes('<code_span=durations/parser.py span_id=parse_duration>\n(0012) def parse_duration(text):'));
    assert.ok(user.includes('<before_file="a/durations/parser.py" start_line=1>\n(0001) """Turn strings'), user);
    assert.ok(user.includes('(0008) _TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)([a-zA-Z]+)")\n'));
    assert.ok(user.includes('\n8: _TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)")\n'));
    assert.ok(user.includes('</after_file="b/durations/parser.py start_line=1">'));
  } finally {
    await server.close();
  }
});
