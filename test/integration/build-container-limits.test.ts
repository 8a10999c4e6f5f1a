import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLayer } from '../../src/core/runtime/build-container.js';
import { DEFAULT_LIMITS } from '../../src/core/runtime/docker.js';
import { docker, TEST_IMAGE, uniqueId } from '../helpers/docker.js';

// Image build steps run spec scripts (pip, apt, repository install commands) in containers too: they get the same
// memory / CPU / pid caps as every other swegym container, and no network unless the step is the Debian-package one.
// Inspected from outside while the step runs, so the check does not depend on the cgroup version.

test('build containers run with memory, CPU and pid limits and without a network', { timeout: 120_000 }, async () => {
  const tag = `swegym-test-build-limits:${uniqueId('t')}`;
  let seen: Awaited<ReturnType<ReturnType<typeof docker.getContainer>['inspect']>> | undefined;
  const build = buildLayer({ docker, from: TEST_IMAGE, tag, steps: [{ name: 'wait', script: 'sleep 4', timeoutSec: 60 }] });
  try {
    for (let i = 0; i < 100 && !seen; i++) {
      const list = await docker.listContainers({ all: true, filters: { label: ['io.swegym.role=build', `io.swegym.pid=${process.pid}`] } });
      if (list[0]) seen = await docker.getContainer(list[0].Id).inspect().catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 100));
    }
    await build;
  } finally {
    await docker.getImage(tag).remove().catch(() => undefined);
  }
  assert.ok(seen, 'the build container was seen');
  const hc = seen.HostConfig;
  assert.equal(hc.NetworkMode, 'none');
  assert.equal(hc.Memory, DEFAULT_LIMITS.memoryBytes);
  assert.equal(hc.NanoCpus, DEFAULT_LIMITS.nanoCpus);
  assert.equal(hc.PidsLimit, DEFAULT_LIMITS.pidsLimit);
  const left = await docker.listContainers({ all: true, filters: { label: ['io.swegym.role=build', `io.swegym.pid=${process.pid}`] } });
  assert.deepEqual(left, [], 'the build container was removed');
});
