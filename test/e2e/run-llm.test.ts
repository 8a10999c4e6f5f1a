import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEvent } from '../../src/core/events.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, scriptedFixReplies } from '../integration/rollout-scripted.js';
import { runCli } from '../helpers/cli.js';

// The real `swegym` binary (bin/swegym.js) runs an LLM rollout against a scripted OpenAI-compatible server on
// 127.0.0.1, on real Docker: explore, edit with str_replace_editor, run the tests, finish, verified as resolved.
// A fake API key sits in the child's environment; it must reach the server and nowhere else (stdout, stderr, events).

const KEY = 'sk-e2e-FAKE-4b1d-do-not-print-9c3e';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-run-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const swegym = (args: string[], env: Record<string, string> = {}, onStdout?: (soFar: string, child: ChildProcess) => void) => runCli(args, { env, onStdout });

async function scriptedTask() {
  const task = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.find((t) => t.instance_id === SCRIPTED_INSTANCE);
  assert.ok(task, SCRIPTED_INSTANCE);
  return task;
}

test('swegym run --agent llm --json --config: every line is a valid RolloutEvent, streamed, resolved; the key stays secret', async () => {
  const task = await scriptedTask();
  const server = await startScriptedServer(scriptedFixReplies(task));
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ model: 'replaced-by-the-flag', apiKeyEnv: 'SWEGYM_E2E_KEY', temperature: 0, max_turns: 30, stream: true }, null, 2));
  try {
    const r = await swegym(
      ['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--base-url', server.url, '--model', 'scripted-codeact', '--config', config, '--offline', '--json'],
      { SWEGYM_E2E_KEY: KEY, OPENAI_API_KEY: KEY },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const events = lines.map((l, i) => {
      const parsed = RolloutEvent.safeParse(JSON.parse(l));
      assert.ok(parsed.success, `line ${i + 1} is not a RolloutEvent: ${l.slice(0, 200)}`);
      return parsed.data;
    });
    assert.equal(events[0].type, 'rollout_started');
    assert.equal(events.at(-1)?.type, 'rollout_ended');
    const started = events[0];
    assert.ok(started.type === 'rollout_started' && started.agent.kind === 'llm' && started.agent.model === 'scripted-codeact');
    const types = new Set(events.map((e) => e.type));
    for (const t of ['model_request', 'model_delta', 'model_response', 'tool_start', 'tool_end', 'patch_updated', 'agent_stopped', 'verification_verdict'] as const) {
      assert.ok(types.has(t), `no ${t} event`);
    }
    const stopped = events.find((e) => e.type === 'agent_stopped');
    assert.ok(stopped?.type === 'agent_stopped' && stopped.reason === 'finished', JSON.stringify(stopped));
    const verdict = events.find((e) => e.type === 'verification_verdict');
    assert.ok(verdict?.type === 'verification_verdict' && verdict.verdict.resolved, JSON.stringify(verdict));
    // The config file took effect (streaming, temperature) and the flag won over the file's model.
    assert.ok(server.requests.every((q) => q.body.stream === true && q.body.temperature === 0 && q.body.model === 'scripted-codeact'));
    assert.equal(server.requests.length, 9);
    // The key was used ...
    assert.ok(server.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));
    // ... and is nowhere in what the CLI printed.
    assert.equal(r.stdout.includes(KEY), false, 'key in stdout');
    assert.equal(r.stderr.includes(KEY), false, 'key in stderr');
    assert.equal(r.stdout.includes('do-not-print'), false);
  } finally {
    await server.close();
  }
});

test('swegym run --agent llm (plain): steps as they happen, then the diff and the verdict; the key stays secret', async () => {
  const task = await scriptedTask();
  const server = await startScriptedServer(scriptedFixReplies(task));
  try {
    const r = await swegym(
      ['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--base-url', server.url, '--model', 'scripted-codeact', '--offline'],
      { OPENAI_API_KEY: KEY },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^== rollout .*swegym-samples__durations-12 \(agent llm scripted-codeact/m);
    assert.match(out, /^>> \[\d+\] str_replace_editor str_replace \/workspace\/swegym-samples__durations__\S+\/durations\/parser\.py$/m);
    assert.match(out, /^== agent stopped: finished after 9 turn\(s\)/m);
    assert.match(out, /^== diff \(\d+ lines\):\ndiff --git a\/durations\/parser\.py b\/durations\/parser\.py$/m);
    assert.match(out, /^== swegym-samples__durations-12: RESOLVED \(resolved\)$/m);
    assert.ok(server.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));
    assert.equal(out.includes(KEY), false, 'key in stdout');
    assert.equal(r.stderr.includes(KEY), false, 'key in stderr');
    assert.ok(!/\x1b/.test(out), 'no terminal control sequences');
  } finally {
    await server.close();
  }
});

test('swegym run --config with a bad file: exit 2, the message names the file, the line and the field', async () => {
  const bad = join(dir, 'bad-agent.json');
  writeFileSync(bad, '{\n  "model": "m",\n  "max_turns": "many"\n}\n');
  const r = await swegym(['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--config', bad, '--base-url', 'http://127.0.0.1:9/v1']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.ok(r.stderr.includes(`${bad}:3: field max_turns:`), r.stderr);
  assert.equal(r.stdout, '');
});

test('SIGINT during a model call: the rollout ends as interrupted (exit 130) and its container is gone', async () => {
  const server = await startScriptedServer([{ hang: true }]);
  let sent = false;
  try {
    const r = await swegym(
      ['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--base-url', server.url, '--model', 'scripted-codeact', '--offline', '--json'],
      { OPENAI_API_KEY: KEY },
      (soFar, child) => {
        if (!sent && soFar.includes('"type":"model_request"')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    assert.ok(sent, 'the run reached the model call');
    assert.equal(r.code, 130, r.stderr);
    const events = r.stdout.split('\n').filter(Boolean).map((l) => RolloutEvent.parse(JSON.parse(l)));
    const stopped = events.find((e) => e.type === 'agent_stopped');
    assert.ok(stopped?.type === 'agent_stopped' && stopped.reason === 'interrupted', JSON.stringify(stopped));
    const ended = events.at(-1);
    assert.ok(ended?.type === 'rollout_ended' && ended.status === 'interrupted', JSON.stringify(ended));
    const ready = events.find((e) => e.type === 'env_ready');
    assert.ok(ready?.type === 'env_ready');
    const gone = await promisify(execFile)('docker', ['inspect', ready.container_id]).then(() => false, () => true);
    assert.ok(gone, `container ${ready.container_id} left behind`);
    assert.equal(r.stdout.includes(KEY) || r.stderr.includes(KEY), false);
  } finally {
    await server.close();
  }
});
