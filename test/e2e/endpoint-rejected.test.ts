import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEvent } from '../../src/core/events.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { openSession } from '../../src/core/session/index.js';
import { startScriptedServer, type Step } from '../helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, scriptedFixReplies } from '../integration/rollout-scripted.js';
import { runCli } from '../helpers/cli.js';

// A model endpoint that refuses the key (401) or the model (404) is a configuration error, not a result: the rollout
// ends as an infrastructure failure with a message that says what to check, nothing is verified, and a batch stops at
// the first such rollout (exit 1) instead of burning through every instance. Once the key is fixed, `resume` runs the
// refused pair and the rest. Real binary, real Docker, the real `openai` client against a scripted server on 127.0.0.1.

const BAD_KEY = 'sk-rejected-e2e-0a1b2c3d4e5f';
const GOOD_KEY = 'sk-accepted-e2e-6a7b8c9d0e1f';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-rejected-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const swegym = (args: string[], key: string) => runCli(args, { env: { OPENAI_API_KEY: key } });

const rejected401: Step = { status: 401, body: { error: { message: `Incorrect API key provided: ${BAD_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } };

test('batch against an endpoint answering 401: stops at the first rollout (exit 1), nothing graded; resume with a good key finishes', { timeout: 600_000 }, async () => {
  const task = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.find((t) => t.instance_id === SCRIPTED_INSTANCE);
  assert.ok(task);
  const fix = scriptedFixReplies(task);
  // Refuses every request without the good key; with it, solves the task once per rollout (sequential: concurrency 1).
  let served = 0;
  const server = await startScriptedServer((req) => (req.headers.authorization === `Bearer ${GOOD_KEY}` ? fix[served++ % fix.length]! : rejected401));
  const sessions = join(dir, 'sessions');
  try {
    const r = await swegym(
      ['batch', '--dataset', 'samples', '--instances', SCRIPTED_INSTANCE, '--agent', 'llm', '--base-url', server.url, '--model', 'scripted-codeact',
        '--samples', '2', '--concurrency', '1', '--session', 'rej', '--sessions-dir', sessions, '--offline', '--no-remote-control'],
      BAD_KEY,
    );
    assert.equal(r.code, 1, `exit code\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /swegym batch: stopped: the endpoint http:\/\/127\.0\.0\.1:\d+\/v1 rejected the API key \(HTTP 401: .*\); check OPENAI_API_KEY/);
    assert.match(r.stderr, /swegym resume rej/);
    assert.equal(server.requests.length, 1, 'one request, not one per rollout, and a 401 is not retried');
    assert.equal(`${r.stdout}${r.stderr}`.includes(BAD_KEY), false, 'the key is never printed');

    const reader = openSession(join(sessions, 'rej'));
    const attempts = reader.attempts();
    assert.equal(attempts.length, 1, 'sample 1 never started');
    const [only] = attempts;
    assert.equal(only!.status, 'infra_error', 'not counted as a result');
    assert.equal(only!.stop_reason, 'endpoint_rejected');
    assert.equal(only!.verdict, undefined, 'nothing was verified');
    const logs = readdirSync(join(sessions, 'rej', 'rollouts'));
    const events = logs.flatMap((f) => readFileSync(join(sessions, 'rej', 'rollouts', f), 'utf8').split('\n').filter(Boolean).map((l) => RolloutEvent.parse(JSON.parse(l))));
    assert.equal(events.some((e) => e.type === 'verification_started'), false, 'no verification of an untouched repository');
    const ended = events.find((e) => e.type === 'rollout_ended');
    assert.ok(ended?.type === 'rollout_ended' && /rejected the API key/.test(ended.error ?? ''), JSON.stringify(ended));

    // Fixed key: resume re-runs the refused pair (not a kept failure) and the one never started.
    const res = await swegym(['resume', 'rej', '--sessions-dir', sessions, '--no-remote-control'], GOOD_KEY);
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, /0 finished \(kept\), 1 interrupted .*, 1 not started, 0 failed/);
    const final = openSession(join(sessions, 'rej')).attempts();
    const completed = final.filter((s) => s.status === 'completed');
    assert.deepEqual(completed.map((s) => [s.sample, s.resolved]).sort(), [[0, true], [1, true]]);
    // Nothing recorded is lost: the refused attempt is still there, as what it was.
    assert.deepEqual(final.filter((s) => s.status !== 'completed').map((s) => [s.sample, s.status, s.stop_reason]), [[0, 'infra_error', 'endpoint_rejected']]);
  } finally {
    await server.close();
  }
});

test('run against an endpoint answering 404 for the model: exit 1, a message naming the model, no verification', { timeout: 300_000 }, async () => {
  const server = await startScriptedServer([{ status: 404, body: { error: { message: 'The model `no-such-model` does not exist.', type: 'NotFoundError', code: 404 } } }]);
  try {
    const r = await swegym(['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--base-url', server.url, '--model', 'no-such-model', '--offline'], GOOD_KEY);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /== agent stopped: endpoint_rejected after 1 turn\(s\) - model "no-such-model" not found at http:\/\/127\.0\.0\.1:\d+\/v1 \(HTTP 404/);
    assert.match(r.stdout, /== rollout ended: infra_error - model "no-such-model" not found/);
    assert.doesNotMatch(r.stdout, /verification|RESOLVED|UNRESOLVED|EMPTY_PATCH/i);
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});
