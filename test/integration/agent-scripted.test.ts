import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { LlmAgent } from '../../src/core/agent/llm/agent.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, SCRIPTED_KEY_ENV, scriptedAgentConfig, scriptedFixReplies } from './rollout-scripted.js';
import { sampleImage, sampleTasks, specFor } from './rollout-images.js';

// A scripted model over real HTTP (the real `openai` client against a server on 127.0.0.1) drives the LLM agent in a
// real container: explores, reproduces, edits with str_replace_editor, runs the tests, finishes; the harness then
// resolves the task in a fresh container.

const LABEL = { 'io.swegym.test': 'agent-scripted' };
const provider = new DockerProvider();
after(async () => {
  await provider.sweep(LABEL);
});

test('a scripted model resolves a sample task end to end', async () => {
  const task = (await sampleTasks()).find((t) => t.instance_id === SCRIPTED_INSTANCE)!;
  const { image, source } = await sampleImage(task);
  const server = await startScriptedServer(scriptedFixReplies(task));
  const events: RolloutEvent[] = [];
  try {
    const outcome = await runRollout({
      task,
      agent: new LlmAgent(scriptedAgentConfig(server.url), { env: { [SCRIPTED_KEY_ENV]: 'scripted-key' } }),
      provider,
      image,
      imageSource: source,
      emitter: new RolloutEmitter('scripted', (e) => events.push(e)),
      labels: LABEL,
      verify: (patch) => verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image, offline: true, labels: LABEL }),
    });
    assert.equal(outcome.status, 'completed', outcome.error);
    assert.equal(outcome.result?.reason, 'finished', outcome.result?.message);
    assert.equal(outcome.verdict?.status, 'resolved', JSON.stringify(outcome.verdict));
    assert.equal(server.requests.length, 9);
    assert.ok(server.requests.every((r) => r.path === '/v1/chat/completions' && r.headers.authorization === 'Bearer scripted-key'));
    const ends = events.filter((e): e is Extract<RolloutEvent, { type: 'tool_end' }> => e.type === 'tool_end');
    const byCall = new Map(ends.map((e) => [e.call_id, e]));
    assert.match(byCall.get('call_5')!.observation, /DurationError: invalid duration '1 h 30 m' at position 0\n\[Command finished with exit code 1\]$/);
    assert.match(byCall.get('call_6')!.observation, /has been edited\. Here's the result of running `cat -n` on a snippet of /);
    assert.equal(byCall.get('call_7')!.observation, '5400.0 7500.0\n[Command finished with exit code 0]');
    assert.match(byCall.get('call_8')!.observation, /15 passed, 1 skipped, 1 xfailed in [\d.]+s\n\[Command finished with exit code 0\]$/);
    // The model saw the observations: the request after the edit carries the editor's snippet as a tool message.
    const seventh = server.requests[6].body.messages as { role: string; content: string }[];
    assert.ok(seventh.some((m) => m.role === 'tool' && m.content.includes('has been edited')));
    assert.match(outcome.result!.patch, /^\+_TOKEN = re\.compile\(r"\(\\d\+\(\?:\\\.\\d\+\)\?\)\\s\*\(\[a-zA-Z\]\+\)"\)$/m);
  } finally {
    await server.close();
  }
});
