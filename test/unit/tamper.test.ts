import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tamperCheck } from '../../src/core/harness/tamper.js';
import { guardedReward } from '../../src/core/gym/env.js';
import { buildReport } from '../../src/core/metrics/report.js';
import type { Verdict } from '../../src/core/harness/types.js';

// Review item 10: a patch that adds a conftest.py forcing every test to pass grades RESOLVED (as in the official
// harness). The verdict stays official; the patch is flagged, reports count it, and the Gym API's strict guard pays 0.

const add = (path: string, body = 'x = 1\n') => `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${body}`;
const edit = (path: string, minus: string, plus: string) => `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${minus}\n+${plus}\n`;
const task = {
  test_patch: edit('checks/verify_parse.py', 'a', 'b'),
  FAIL_TO_PASS: ['suite/check_units.py::test_x'],
  PASS_TO_PASS: ['suite/check_more.py::TestA::test_y', 'plain test name'],
};

test('flags conftest.py, test files (the task\'s own and test-looking paths), test configuration and interpreter hooks', () => {
  const cases: Array<[string, string, string]> = [
    [add('conftest.py'), 'conftest.py', 'conftest.py'],
    [add('src/pkg/conftest.py'), 'src/pkg/conftest.py', 'conftest.py'],
    [edit('checks/verify_parse.py', 'a', 'c'), 'checks/verify_parse.py', 'test file'],
    [edit('suite/check_units.py', 'a', 'c'), 'suite/check_units.py', 'test file'],
    [edit('suite/check_more.py', 'a', 'c'), 'suite/check_more.py', 'test file'],
    [edit('tests/test_io.py', 'a', 'c'), 'tests/test_io.py', 'test file'],
    [edit('pkg/io_test.py', 'a', 'c'), 'pkg/io_test.py', 'test file'],
    [add('pytest.ini', '[pytest]'), 'pytest.ini', 'test configuration'],
    [add('tox.ini', '[tox]'), 'tox.ini', 'test configuration'],
    [edit('setup.cfg', '[tool:pytest]', '[tool:pytest] addopts = -p no:x'), 'setup.cfg', 'test configuration'],
    [edit('pyproject.toml', 'a = 1', '[tool.pytest.ini_options]'), 'pyproject.toml', 'test configuration'],
    [add('sitecustomize.py'), 'sitecustomize.py', 'interpreter hook'],
    [add('lib/python3.11/site-packages/evil.pth'), 'lib/python3.11/site-packages/evil.pth', 'interpreter hook'],
  ];
  for (const [patch, path, reason] of cases) {
    assert.deepEqual(tamperCheck(patch, task), { flagged: true, files: [{ path, reason }] }, path);
  }
});

test('a source-only fix is not flagged; neither are setup.cfg / pyproject.toml edits that do not touch pytest or tox', () => {
  assert.equal(tamperCheck(edit('src/pkg/core.py', 'return a', 'return b'), task), undefined);
  assert.equal(tamperCheck(edit('setup.cfg', 'version = 1', 'version = 2'), task), undefined);
  assert.equal(tamperCheck(edit('pyproject.toml', 'version = "1"', 'version = "2"'), task), undefined);
  assert.equal(tamperCheck('', task), undefined);
  assert.equal(tamperCheck(null, task), undefined);
  // A fix plus a conftest: only the conftest is named.
  const both = edit('src/pkg/core.py', 'a', 'b') + add('conftest.py');
  assert.deepEqual(tamperCheck(both, task)?.files, [{ path: 'conftest.py', reason: 'conftest.py' }]);
  // Deleting the task's test file is flagged under its path.
  const del = 'diff --git a/checks/verify_parse.py b/checks/verify_parse.py\ndeleted file mode 100644\n--- a/checks/verify_parse.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n';
  assert.deepEqual(tamperCheck(del, task)?.files, [{ path: 'checks/verify_parse.py', reason: 'test file' }]);
});

test("reward guard: 'strict' pays 0 for a flagged resolved verdict; 'off' keeps the official reward", () => {
  const v: Verdict = { instance_id: 'a__b-1', profile: 'swegym', status: 'resolved', resolved: true, tamper: { flagged: true, files: [{ path: 'conftest.py', reason: 'conftest.py' }] } };
  assert.equal(guardedReward(v, 'binary', 'off'), 1);
  assert.equal(guardedReward(v, 'binary'), 1);
  assert.equal(guardedReward(v, 'binary', 'strict'), 0);
  const clean: Verdict = { ...v, tamper: undefined };
  assert.equal(guardedReward(clean, 'binary', 'strict'), 1);
});

test('the session report counts flagged rollouts, the resolve rate stays official', () => {
  const row = (id: string, sample: number, resolved: boolean, tamper?: boolean) => ({ rollout_id: `${id}.s${sample}.a0`, instance_id: id, sample, status: 'completed' as const, verdict: (resolved ? 'resolved' : 'unresolved') as Verdict['status'], resolved, ...(tamper ? { tamper } : {}), scores: {}, turns: 1, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 });
  const rep = buildReport([row('a__b-1', 0, true, true), row('a__b-2', 0, true), row('a__b-3', 0, false, true)], ['a__b-1', 'a__b-2', 'a__b-3'], 1);
  assert.deepEqual(rep.tamper, { rollouts: 2, resolved: 1, rollout_ids: ['a__b-1.s0.a0', 'a__b-3.s0.a0'] });
  assert.equal(rep.resolve_rate.resolved, 2);
});
