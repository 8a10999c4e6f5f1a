/**
 * The sandbox lifecycle contract (test/helpers/sandbox-contract.ts) on one real Docker engine. The engine-set
 * implementation is held to the same cases over two real engines in scheduler-two-engines.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Dockerode from 'dockerode';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { EngineSet } from '../../src/core/runtime/engine-set.js';
import { sampleRepoSource } from '../../src/core/dataset/samples.js';
import { docker, leftoverContainers, testProvider, TEST_IMAGE, uniqueId } from '../helpers/docker.js';
import { makeOrphan } from '../helpers/orphan.js';
import { sandboxContract } from '../helpers/sandbox-contract.js';
import { sampleTasks, specFor } from './rollout-images.js';

const run = uniqueId('contract');
const { provider } = testProvider(run);

sandboxContract('docker engine', async () => {
  const task = (await sampleTasks())[0]!;
  return {
    provider,
    engines: [provider.engine],
    image: TEST_IMAGE,
    task,
    spec: specFor(task),
    repoSource: sampleRepoSource(task.repo),
    orphan: (_engine, labels) => makeOrphan(docker, TEST_IMAGE, labels),
  };
});

test('an engine set goes on past an engine that does not answer, and says which one it was', async () => {
  const labels = { 'io.swegym.contract': uniqueId('set-outage') };
  const gone = new DockerProvider({ docker: new Dockerode({ socketPath: `/tmp/no-engine-${run}.sock` }), sessionId: run, engine: 'gone' });
  const reported: string[] = [];
  const set = new EngineSet([provider, gone], { onEngineError: (engine, err) => reported.push(`${engine}: ${err.message}`) });
  await provider.start({ image: TEST_IMAGE, labels });
  assert.equal((await set.list(labels)).length, 1);
  assert.equal(await set.sweep(labels), 1, 'the answering engine was swept');
  assert.equal(reported.length, 2, 'the list and the sweep each said which engine failed');
  assert.ok(reported.every((r) => r.startsWith('gone: ')), reported.join('\n'));
  // Without a reporter the failure is thrown, naming the engine, once the others are done.
  await provider.start({ image: TEST_IMAGE, labels });
  await assert.rejects(new EngineSet([provider, gone]).sweep(labels), /^Error: engine gone: /);
  assert.deepEqual(await provider.list(labels), [], 'the answering engine was swept before the error');
  assert.throws(() => new EngineSet([provider, provider]), /named twice/);
});

after(async () => {
  assert.deepEqual(await leftoverContainers({ 'io.swegym.session': run }), [], 'no container left behind');
});
