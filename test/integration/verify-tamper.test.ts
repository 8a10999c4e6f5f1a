import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { sampleTasks, testImageFor } from './verify-fixtures.js';

// Review item 10 for real: a prediction that only adds a conftest.py rewriting every test report to "passed" (no fix
// at all) is graded RESOLVED by the harness, as the official one would; the verdict carries the tamper flag.

const provider = new DockerProvider();
after(async () => {
  await provider.sweep({ 'io.swegym.session': provider.sessionId });
});

const CONFTEST = [
  'import pytest',
  '',
  '@pytest.hookimpl(hookwrapper=True)',
  'def pytest_runtest_makereport(item, call):',
  '    outcome = yield',
  '    report = outcome.get_result()',
  "    report.outcome = 'passed'",
  '',
];
const patch = [
  'diff --git a/conftest.py b/conftest.py',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/conftest.py',
  `@@ -0,0 +1,${CONFTEST.length} @@`,
  ...CONFTEST.map((l) => `+${l}`),
  '',
].join('\n');

test('a conftest.py that forces every test to pass: resolved (official), flagged as tamper', async () => {
  const task = sampleTasks().find((t) => t.instance_id === 'swegym-samples__ledger-8')!;
  const v = await verifyPatch({ task, patch, spec: loadSpecRegistry().lookup(task.repo, String(task.version)), profile: 'swegym', provider, image: testImageFor(task), offline: true });
  assert.equal(v.status, 'resolved', `the official grading is kept: ${v.reason}`);
  assert.deepEqual(v.tamper, { flagged: true, files: [{ path: 'conftest.py', reason: 'conftest.py' }] });
  // The gold patch is not flagged.
  const gold = await verifyPatch({ task, patch: task.patch, spec: loadSpecRegistry().lookup(task.repo, String(task.version)), profile: 'swegym', provider, image: testImageFor(task), offline: true });
  assert.equal(gold.status, 'resolved');
  assert.equal(gold.tamper, undefined);
});
