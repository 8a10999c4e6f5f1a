/**
 * The recorded model: an LLM rollout recorded over real HTTP (scripted server, real openai client) replays through
 * the same agent loop (ReplayAgent = LlmAgent + RecordedModel) with the same calls, observations and patch, and
 * reports where a changed environment makes it diverge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutEmitter, RolloutEvent } from '../../src/core/events.js';
import { ReplayAgent, trajectoryFromEvents } from '../../src/core/agent/replay-agent.js';
import { runAgent, sampleTask } from '../fixtures/agent-golden/harness.js';
import { FakeRuntime, type ExecHandler } from '../helpers/fake-runtime.js';
import { RecordedModel } from '../../src/core/model/index.js';
import { swegymTestTools } from '../fixtures/agent-golden/swegym-tools.js';

const FILES = { '/testbed/app.py': 'x = 1\n' };
const exec: ExecHandler = (cmd) => ({ output: `ran: ${cmd}`, exitCode: 0 });
const SCRIPT = [
  { content: 'Two looks first.', tool_calls: [{ name: 'execute_bash', arguments: { command: 'ls' } }, { name: 'str_replace_editor', arguments: { command: 'view', path: '/testbed/app.py' } }] },
  { tool_calls: [{ name: 'execute_bash', arguments: '{"command": "cat app.py' }] }, // malformed JSON
  { content: 'I think I know.' }, // no call: the nudge
  { tool_calls: [{ name: 'str_replace_editor', arguments: { command: 'str_replace', path: '/testbed/app.py', old_str: 'x = 1', new_str: 'x = 2' } }] },
  { tool_calls: [{ name: 'finish', arguments: {} }] },
];

async function replay(events: RolloutEvent[], handler: ExecHandler) {
  const agent = new ReplayAgent(trajectoryFromEvents(events), { tools: swegymTestTools() });
  const out: RolloutEvent[] = [];
  const result = await agent.run({
    runtime: new FakeRuntime(FILES, handler),
    task: sampleTask(),
    emitter: new RolloutEmitter('replayed', (e) => out.push(RolloutEvent.parse(e))),
    signal: new AbortController().signal,
    repoDir: '/testbed',
    workspaceDir: '/workspace/getmoto__moto__4.1',
  });
  return { agent, result, events: out };
}

const toolTrace = (events: RolloutEvent[]): unknown[] =>
  events.flatMap((e): unknown[] => (e.type === 'tool_start' ? [['start', e.call_id, e.tool, e.args]] : e.type === 'tool_end' ? [['end', e.call_id, e.observation, e.is_error]] : []));

test('an LLM recording replays through the same loop: same calls, observations, nudge and patch; no divergence', async () => {
  const rec = await runAgent(SCRIPT, {}, { files: FILES, exec, tools: swegymTestTools() });
  assert.equal(rec.result.reason, 'finished');
  const { agent, result, events } = await replay(rec.events, exec);
  assert.equal(result.reason, 'finished');
  assert.deepEqual(toolTrace(events), toolTrace(rec.events));
  assert.equal(result.patch, rec.result.patch);
  assert.ok(result.patch.includes('+x = 2'));
  assert.deepEqual(agent.divergences, []);
  assert.equal(result.message, 'replayed 5 of 5 calls; no divergence; patch identical to the recording');
  // The same model turns: text next to the calls, the nudge answered as before. Nothing spent, nothing estimated.
  const contents = (evs: RolloutEvent[]) => evs.flatMap((e) => (e.type === 'model_response' ? [e.content] : []));
  assert.deepEqual(contents(events), contents(rec.events));
  assert.deepEqual(result.usage, { prompt_tokens: 0, completion_tokens: 0, estimated: false });
  // The requests carry the same history (the nudge included), system prompt and task alike.
  const sent = (evs: RolloutEvent[]) => evs.flatMap((e) => (e.type === 'model_request' ? [e.new_messages] : []));
  assert.deepEqual(sent(events), sent(rec.events));
  assert.equal(agent.info.kind, 'replay');
});

test('a changed environment: each differing observation is a divergence (log warning + closing message)', async () => {
  const rec = await runAgent(SCRIPT, {}, { files: FILES, exec, tools: swegymTestTools() });
  const changed: ExecHandler = (cmd) => (cmd.trim() === 'ls' ? { output: 'app.py\nnew_file.py', exitCode: 0 } : exec(cmd, undefined, undefined as never));
  const { agent, result, events } = await replay(rec.events, changed);
  assert.equal(agent.divergences.length, 1);
  assert.equal(agent.divergences[0]!.tool, 'execute_bash');
  assert.equal(agent.divergences[0]!.step, 1);
  assert.equal(agent.divergences[0]!.line, 1);
  assert.match(result.message, /^replayed 5 of 5 calls; 1 diverged \(steps 1\); patch identical to the recording$/);
  const warn = events.find((e) => e.type === 'log' && e.level === 'warn');
  assert.ok(warn && warn.type === 'log' && warn.message.startsWith('replay diverged at step 1 (execute_bash), line 1'), JSON.stringify(warn));
});

test('a recording that stopped early (max_turns) stops the replay there, with the recorded reason', async () => {
  const rec = await runAgent(SCRIPT, { max_turns: 2 }, { files: FILES, exec, tools: swegymTestTools() });
  assert.equal(rec.result.reason, 'max_turns');
  const { result } = await replay(rec.events, exec);
  assert.equal(result.reason, 'max_turns');
  assert.equal(result.message, 'replayed 3 of 3 calls; no divergence; patch identical to the recording');
});

test('a recorded model cannot complete prompts, and says so', async () => {
  const m = new RecordedModel({ turns: [], calls: [] });
  await assert.rejects(m.completePrompt(), /recorded model has no prompt completions/);
});
