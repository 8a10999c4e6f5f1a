import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { LlmAgent } from '../../src/core/agent/llm/agent.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { workspaceDirFor } from '../../src/core/rollout/workspace.js';
import { createGymContext } from '../../src/core/gym/context.js';
import { SweGymEnv } from '../../src/core/gym/env.js';
import { startScriptedServer, type ReplyStep } from '../helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, SCRIPTED_KEY_ENV, scriptedAgentConfig } from './rollout-scripted.js';
import { sampleImage, sampleTasks, specFor } from './rollout-images.js';

// The gym and the LLM agent run tool calls through one executor. Here the same calls go once through the LLM agent
// (a scripted model over real HTTP, in a real container) and once through a gym environment (another real container
// of the same image); every observation must be equal byte for byte, including a capped one, an error exit and an
// edit. The outputs chosen are deterministic (no timings), so any difference is a difference in execution or
// rendering.

const LABEL = { 'io.swegym.test': 'tool-executor-parity' };
const provider = new DockerProvider();
after(async () => {
  await provider.sweep(LABEL);
});

test("the gym's observation equals the agent's for the same call, byte for byte", async () => {
  const task = (await sampleTasks()).find((t) => t.instance_id === SCRIPTED_INSTANCE)!;
  const image = await sampleImage(task);
  const ws = workspaceDirFor(task);
  const calls: { name: string; arguments: Record<string, unknown> }[] = [
    { name: 'str_replace_editor', arguments: { command: 'view', path: `${ws}/durations` } },
    { name: 'execute_bash', arguments: { command: `grep -rn "_TOKEN" ${ws}/durations` } },
    { name: 'str_replace_editor', arguments: { command: 'view', path: `${ws}/durations/parser.py`, view_range: [1, 12] } },
    { name: 'execute_bash', arguments: { command: `cd ${ws} && python3 -c "from durations import parse_duration; parse_duration('1 h')"` } },
    {
      name: 'str_replace_editor',
      arguments: {
        command: 'str_replace',
        path: `${ws}/durations/parser.py`,
        old_str: '_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)([a-zA-Z]+)")',
        new_str: '_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)")',
      },
    },
    // 108,894 characters: over the 30,000 cap, so the middle is cut and the exit-code line kept.
    { name: 'execute_bash', arguments: { command: 'seq 1 20000' } },
    { name: 'execute_bash', arguments: { command: 'echo two; exit_status=3; (exit $exit_status)' } },
    { name: 'str_replace_editor', arguments: { command: 'view', path: `${ws}/no-such-file.py` } },
  ];
  const replies: ReplyStep[] = [
    ...calls.map((c, i) => ({ content: null, tool_calls: [{ id: `call_${i + 1}`, name: c.name, arguments: c.arguments }], finish_reason: 'tool_calls', usage: { prompt_tokens: 100, completion_tokens: 10 } })),
    { content: null, tool_calls: [{ id: 'call_end', name: 'finish', arguments: {} }], finish_reason: 'tool_calls', usage: { prompt_tokens: 100, completion_tokens: 10 } },
  ];
  const server = await startScriptedServer(replies);
  const events: RolloutEvent[] = [];
  try {
    const outcome = await runRollout({
      task,
      agent: new LlmAgent(scriptedAgentConfig(server.url), { env: { [SCRIPTED_KEY_ENV]: 'k' } }),
      provider,
      image: image.image,
      imageSource: image.source,
      emitter: new RolloutEmitter('parity-agent', (e) => events.push(e)),
      labels: LABEL,
    });
    assert.equal(outcome.result?.reason, 'finished', outcome.result?.message);
  } finally {
    await server.close();
  }
  const agentObs = events.filter((e): e is Extract<RolloutEvent, { type: 'tool_end' }> => e.type === 'tool_end' && e.tool !== 'finish').map((e) => e.observation);
  assert.equal(agentObs.length, calls.length);

  const ctx = await createGymContext({
    tasks: [task],
    provider,
    specFor,
    images: async () => image,
    labels: LABEL,
  });
  const env = new SweGymEnv(ctx);
  const gymObs: string[] = [];
  try {
    await env.reset({ instance_id: task.instance_id });
    for (const c of calls) gymObs.push((await env.step(c)).observation);
  } finally {
    await env.close();
  }

  for (let i = 0; i < calls.length; i++) assert.equal(gymObs[i], agentObs[i], `call ${i + 1} (${calls[i]!.name}) differs`);
  // The cases this test is meant to cover really occurred (so equality is not trivially of empty strings).
  assert.match(agentObs[3]!, /DurationError[\s\S]*\n\[Command finished with exit code 1\]$/);
  assert.match(agentObs[4]!, /has been edited/);
  assert.match(agentObs[5]!, /\n\[\.\.\. Observation truncated due to length \.\.\.\]\n/);
  assert.ok(agentObs[5]!.length < 31_000);
  assert.match(agentObs[5]!, /\n20000\n\[Command finished with exit code 0\]$/);
  assert.equal(agentObs[6], 'two\n[Command finished with exit code 3]');
  assert.match(agentObs[7]!, /does not exist/);
});
