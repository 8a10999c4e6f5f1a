import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { ReplayAgent, loadTrajectory } from '../../src/core/agent/replay-agent.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { SCRIPTED_INSTANCE } from './rollout-scripted.js';
import { sampleImage, sampleTasks, specFor } from './rollout-images.js';

// The shipped trajectory (samples/trajectories/record.ts) replayed against a fresh environment reproduces its patch.

const TRAJECTORY = fileURLToPath(new URL(`../../samples/trajectories/${SCRIPTED_INSTANCE}.jsonl`, import.meta.url));
const LABEL = { 'io.swegym.test': 'rollout-replay' };
const provider = new DockerProvider();
after(async () => {
  await provider.sweep(LABEL);
});

test('replay of the saved trajectory reproduces its patch, without divergence, and resolves', async () => {
  const recorded = await loadTrajectory(TRAJECTORY);
  assert.equal(recorded.instanceId, SCRIPTED_INSTANCE);
  assert.ok(recorded.calls.length >= 8 && recorded.recordedPatch);
  const task = (await sampleTasks()).find((t) => t.instance_id === SCRIPTED_INSTANCE)!;
  const { image, source } = await sampleImage(task);
  const agent = new ReplayAgent(TRAJECTORY);
  const events: RolloutEvent[] = [];
  const outcome = await runRollout({
    task,
    agent,
    provider,
    image,
    imageSource: source,
    emitter: new RolloutEmitter('replay', (e) => events.push(e)),
    labels: LABEL,
    verify: (patch) => verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image, offline: true, labels: LABEL }),
  });
  assert.equal(outcome.status, 'completed', outcome.error);
  assert.equal(outcome.result?.patch, recorded.recordedPatch);
  assert.deepEqual(agent.divergences, []);
  assert.match(outcome.result!.message, /replayed 9 of 9 calls; no divergence; patch identical to the recording/);
  assert.equal(outcome.verdict?.status, 'resolved');
  assert.ok(!events.some((e) => e.type === 'log' && e.level === 'warn'));
});
