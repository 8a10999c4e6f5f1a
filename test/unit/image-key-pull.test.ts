import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceKey, keyLabels, staleReasons, RECIPE_VERSION, type KeyInputs } from '../../src/core/runtime/image-key.js';
import { pullPolicy, registryOf } from '../../src/core/runtime/pull.js';
import { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';

const spec = EnvSpec.parse({ test_cmd: 'pytest', install: 'make', base_packages: ['python3'] });
const inputs: KeyInputs = { spec, baseId: 'sha256:b1', envId: 'sha256:e1', repo: 'o/r', commit: 'a'.repeat(40), offline: true, partial: false };

test('content key: stable for the same inputs, different when any input that decides the image changes', () => {
  assert.equal(instanceKey(inputs), instanceKey({ ...inputs, spec: EnvSpec.parse({ test_cmd: 'pytest -x', parser: 'django', base_packages: ['python3'], install: 'make' }) }));
  for (const changed of [
    { spec: EnvSpec.parse({ test_cmd: 'pytest', install: 'make2', base_packages: ['python3'] }) },
    { envId: 'sha256:e2' },
    { commit: 'b'.repeat(40) },
    { repo: 'o/other' },
    { partial: true },
    { offline: false },
  ]) {
    assert.notEqual(instanceKey({ ...inputs, ...changed }), instanceKey(inputs), JSON.stringify(changed));
  }
});

test('stale reasons name what changed', () => {
  const labels = keyLabels(inputs, 'o__r-1');
  assert.deepEqual(staleReasons(labels, inputs), []);
  assert.deepEqual(staleReasons(labels, { ...inputs, spec: EnvSpec.parse({ test_cmd: 'pytest', install: 'make2', pip_packages: ['x'], base_packages: ['python3'] }) }), [
    'its env spec changed (install, pip_packages)',
  ]);
  assert.deepEqual(staleReasons(labels, { ...inputs, baseId: 'sha256:b2', envId: 'sha256:e2' }), ['the base image changed']);
  assert.deepEqual(staleReasons(labels, { ...inputs, envId: 'sha256:e2' }), ['the environment layer changed']);
  assert.match(staleReasons(labels, { ...inputs, commit: 'c'.repeat(40) })[0]!, /the base commit changed \(aaaaaaaaaa -> cccccccccc\)/);
  assert.deepEqual(staleReasons({ 'io.swegym.layer-hash': 'x' }, inputs), ['it was built by an older swegym that did not record a content key']);
  assert.deepEqual(staleReasons({ ...labels, 'io.swegym.recipe': String(RECIPE_VERSION - 1), 'io.swegym.key': 'old' }, inputs), [`the build recipe changed (v${RECIPE_VERSION - 1} -> v${RECIPE_VERSION})`]);
});

test('pulls: never for datasets without published images, or when off', () => {
  const task = TaskRecord.parse({ instance_id: 'o__r-1', repo: 'o/r', base_commit: 'a'.repeat(40), patch: '', test_patch: '', problem_statement: '', version: '1', FAIL_TO_PASS: [], PASS_TO_PASS: [] });
  assert.equal(pullPolicy(task, spec, { pull: true }).pull, true);
  assert.equal(pullPolicy(task, spec, { offline: true }).pull, false);
  assert.equal(pullPolicy(task, spec, { pull: false }).pull, false);
  assert.equal(pullPolicy(task, spec, { pull: true, naming: 'none' }).pull, false);
  assert.equal(pullPolicy(task, EnvSpec.parse({ test_cmd: 'pytest', published_images: false }), { pull: true }).pull, false);
  // A template or the record's own image name says where the image is published: asked even so.
  assert.equal(pullPolicy(task, EnvSpec.parse({ test_cmd: 'pytest', published_images: false }), { pull: true, template: 'r/{id}' }).pull, true);
});

test('registryOf: the registry part of a name, Docker Hub by default', () => {
  assert.equal(registryOf('docker.io/xingyaoww/sweb.eval.x86_64.a'), 'docker.io');
  assert.equal(registryOf('swebench/sweb.eval.x86_64.a'), 'docker.io');
  assert.equal(registryOf('127.0.0.1:5000/a/b:latest'), '127.0.0.1:5000');
  assert.equal(registryOf('localhost/a'), 'localhost');
  assert.equal(registryOf('ubuntu'), 'docker.io');
});
