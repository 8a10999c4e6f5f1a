import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import type { Runtime, RuntimeProvider, StartOptions } from '../../src/core/runtime/types.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { runEvaluation, verifyPatch } from '../../src/core/harness/verify.js';
import { validateDataset } from '../../src/core/harness/validate.js';
import { PROFILES } from '../../src/core/harness/profiles.js';
import { candidate, sampleTasks, testImageFor } from './verify-fixtures.js';

const provider = new DockerProvider();
const specs = loadSpecRegistry();
const tasks = sampleTasks();
const byId = new Map(tasks.map((t) => [t.instance_id, t]));
const specFor = (t: TaskRecord) => specs.lookup(t.repo, t.version);
const images = new Map<string, string>();
const imageFor = (t: TaskRecord) => images.get(t.instance_id)!;
const root = mkdtempSync(join(tmpdir(), 'verify-int-'));
const logRoot = join(root, 'logs', 'run_evaluation');

/** Counts container starts, so "no container for an empty patch" is checked, not assumed. */
class CountingProvider implements RuntimeProvider {
  starts = 0;
  async start(o: StartOptions): Promise<Runtime> {
    this.starts++;
    return provider.start(o);
  }
  sweep(labels?: Record<string, string>) {
    return provider.sweep(labels);
  }
}

before(() => {
  for (const t of tasks) images.set(t.instance_id, testImageFor(t));
});

after(async () => {
  const left = await provider.list({ 'io.swegym.session': provider.sessionId });
  await provider.sweep({ 'io.swegym.session': provider.sessionId });
  rmSync(root, { recursive: true, force: true });
  assert.equal(left.length, 0, `containers left behind: ${left.map((c) => c.id).join(', ')}`);
});

test('gold patches resolve every sample task; harness log layout and summary', async () => {
  const preds = tasks.map((t) => ({ instance_id: t.instance_id, model_patch: t.patch, model_name_or_path: 'gold' }));
  const { summary, verdicts, summaryPath } = await runEvaluation({ tasks, predictions: preds, provider, specFor, imageFor, workers: 2, runId: 'gold-run', logRoot });
  for (const v of verdicts) assert.equal(v.status, 'resolved', `${v.instance_id}: ${v.reason}`);
  assert.deepEqual(summary.resolved_ids, tasks.map((t) => t.instance_id).sort());
  assert.equal(summary.error_instances, 0);
  assert.ok(existsSync(summaryPath) && summaryPath.endsWith('gold.gold-run.json'));
  const dir = join(logRoot, 'gold-run', 'gold', tasks[0].instance_id);
  for (const f of ['eval.sh', 'patch.diff', 'test_output.txt', 'run_instance.log', 'report.json']) assert.ok(existsSync(join(dir, f)), f);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))[tasks[0].instance_id];
  assert.equal(report.resolved, true);
  assert.equal(report.patch_successfully_applied, true);
  for (const v of verdicts) {
    assert.equal(v.profile, 'swegym');
    assert.ok(v.test_ms! > 0 && v.test_ms! <= v.total_ms!, `${v.instance_id} test_ms ${v.test_ms} total ${v.total_ms}`);
  }
});

test('empty patches land in empty_patch_ids without starting a container', async () => {
  const counting = new CountingProvider();
  const preds = tasks.map((t) => ({ instance_id: t.instance_id, model_patch: '', model_name_or_path: 'empty' }));
  const { summary, verdicts } = await runEvaluation({ tasks, predictions: preds, provider: counting, specFor, imageFor, workers: 2, runId: 'empty-run', logRoot });
  assert.deepEqual(summary.empty_patch_ids, tasks.map((t) => t.instance_id).sort());
  assert.equal(summary.completed_instances, 0);
  assert.ok(verdicts.every((v) => v.status === 'empty_patch'));
  assert.equal(counting.starts, 0);
});

test('a wrong patch is unresolved with the broken PASS_TO_PASS test listed; a non-applying patch is patch_apply_failed', async () => {
  const ids = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
  const preds = ids.flatMap((id) => [{ instance_id: id, model_patch: candidate(id, 'wrong'), model_name_or_path: 'wrong' }]);
  const { verdicts } = await runEvaluation({ tasks: ids.map((i) => byId.get(i)!), predictions: preds, provider, specFor, imageFor, workers: 2, runId: 'wrong-run', logRoot });
  for (const v of verdicts) {
    assert.equal(v.status, 'unresolved', `${v.instance_id}: ${v.reason}`);
    assert.deepEqual(v.tests_status!.FAIL_TO_PASS.failure, []);
    assert.ok(v.tests_status!.PASS_TO_PASS.failure.length > 0);
  }
  assert.ok(verdicts.find((v) => v.instance_id === ids[1])!.tests_status!.PASS_TO_PASS.failure.some((t) => t.includes('test_balance_includes_subaccounts')));
  assert.ok(verdicts.find((v) => v.instance_id === ids[0])!.tests_status!.PASS_TO_PASS.failure.some((t) => t.includes('test_invalid[1')));

  const noapply = ids.map((id) => ({ instance_id: id, model_patch: candidate(id, 'noapply'), model_name_or_path: 'noapply' }));
  for (const profile of ['swegym', 'swebench', 'swebench-4.1', 'openhands'] as const) {
    const r = await runEvaluation({ tasks: ids.map((i) => byId.get(i)!), predictions: noapply, provider, specFor, imageFor, workers: 2, runId: `noapply-${profile}`, logRoot, profile });
    for (const v of r.verdicts) assert.equal(v.status, 'patch_apply_failed', `${profile} ${v.instance_id}: ${v.reason}`);
    assert.deepEqual(r.summary.error_ids, [...ids].sort());
    assert.ok(r.verdicts.every((v) => v.profile === profile));
  }
});

test('a test command that hangs: timeout verdict (swegym), partial log graded (openhands)', async () => {
  const task = byId.get('swegym-samples__ledger-8')!;
  const spec = { ...specFor(task), test_cmd: 'sleep 60; pytest -rA', test_timeout: 3 };
  const v = await verifyPatch({ task, patch: task.patch, spec, profile: 'swegym', provider, image: imageFor(task), logDir: join(root, 'timeout', 'swegym') });
  assert.equal(v.status, 'timeout', v.reason);
  assert.match(readFileSync(join(root, 'timeout', 'swegym', 'test_output.txt'), 'utf8'), /Timeout error: 3 seconds exceeded\.$/);
  assert.equal(existsSync(join(root, 'timeout', 'swegym', 'report.json')), false);
  const oh = await verifyPatch({ task, patch: task.patch, spec, profile: 'openhands', provider, image: imageFor(task), logDir: join(root, 'timeout', 'oh') });
  assert.equal(oh.status, 'unresolved', oh.reason);
  assert.match(oh.reason!, /test_timeout/);
  assert.ok(existsSync(join(root, 'timeout', 'oh', 'report.json')));
});

test('a git-ignored file that makes the tests pass in the agent container does not pass verification', async () => {
  const task = byId.get('swegym-samples__durations-12')!;
  const agent = await provider.start({ image: imageFor(task), labels: { 'io.swegym.role': 'agent-test' } });
  let patch: string;
  try {
    await agent.writeFile(
      '/testbed/tests/conftest.local.py',
      [
        'import re',
        'import pytest',
        'import durations.parser as _p',
        '',
        '@pytest.fixture(autouse=True)',
        'def _lenient_tokens(monkeypatch):',
        '    monkeypatch.setattr(_p, "_TOKEN", re.compile(r"(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)"))',
        '',
      ].join('\n'),
    );
    // the agent also edits a source comment, so its patch is not empty
    await agent.exec(`cd /testbed && sed -i '1s/^/# tolerate spaces between number and unit\\n/' durations/parser.py`);
    // apply the test patch in the agent's container: there the F2P tests pass thanks to the ignored file
    await agent.writeFile('/tmp/tp.diff', task.test_patch);
    await agent.exec('cd /testbed && git apply /tmp/tp.diff');
    const local = await agent.exec(`cd /testbed && pytest -rA tests/test_parse.py 2>&1 | tail -3`);
    assert.match(local.output, /passed/);
    assert.doesNotMatch(local.output, /\d+ failed/);
    await agent.exec(`cd /testbed && git apply -R /tmp/tp.diff`);
    patch = await agent.diff(task.base_commit);
  } finally {
    await agent.stop();
  }
  assert.doesNotMatch(patch, /conftest\.local/);
  assert.match(patch, /durations\/parser\.py/);
  const v = await verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image: imageFor(task) });
  assert.equal(v.status, 'unresolved', v.reason);
  assert.ok(v.tests_status!.FAIL_TO_PASS.failure.length > 0);
});

test('validate: every FAIL_TO_PASS test fails on the base code; derived lists match the records', async () => {
  const subset = ['swegym-samples__durations-12', 'swegym-samples__ledger-15'].map((i) => byId.get(i)!);
  const s = await validateDataset({ tasks: subset, provider, specFor, imageFor, runs: 2, workers: 2, logRoot, runId: 'validate' });
  assert.equal(s.total, 2);
  for (const r of s.results) {
    assert.equal(r.fail_to_pass_fail_on_base, true, r.reasons.join('; '));
    assert.equal(r.gold_validated, true, r.reasons.join('; '));
    assert.deepEqual(r.empty_statuses, ['unresolved', 'unresolved']);
    assert.deepEqual(r.flaky_tests, []);
    assert.equal(r.matches_record, true, JSON.stringify({ missing: r.missing_from_derived, extra: r.extra_in_derived }));
    assert.ok(existsSync(join(s.out_dir, `${r.instance_id}.json`)));
  }
});

test('gold resolves under the swebench, swebench-4.1 and openhands profiles too, each recording its version; OpenHands cleans a CRLF patch with junk before it', async () => {
  const subset = ['swegym-samples__durations-12', 'swegym-samples__ledger-15'].map((i) => byId.get(i)!);
  for (const profile of ['swebench', 'swebench-4.1', 'openhands'] as const) {
    const preds = subset.map((t) => ({ instance_id: t.instance_id, model_patch: t.patch, model_name_or_path: `gold-${profile}` }));
    const { verdicts, summary } = await runEvaluation({ tasks: subset, predictions: preds, provider, specFor, imageFor, workers: 2, runId: `profiles-${profile}`, logRoot, profile });
    for (const v of verdicts) {
      assert.equal(v.status, 'resolved', `${profile} ${v.instance_id}: ${v.reason}`);
      assert.equal(v.profile, profile);
      assert.deepEqual(v.harness, { profile, official: PROFILES[profile].official });
    }
    assert.deepEqual(summary.harness, { profile, official: PROFILES[profile].official });
    const dir = join(logRoot, `profiles-${profile}`, `gold-${profile}`, subset[0].instance_id);
    const script = readFileSync(join(dir, 'eval.sh'), 'utf8');
    assert.equal(script.includes(">>>>> Start Test Output"), profile !== 'openhands');
    // main's eval script records the test command's exit status after the end marker (pytest exits 0 on gold)
    const output = readFileSync(join(dir, 'test_output.txt'), 'utf8');
    assert.equal(/^>>>>> Test Exit Code: 0$/m.test(output), profile === 'swebench');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))[subset[0].instance_id];
    assert.equal(report.harness.official, PROFILES[profile].official);
    assert.equal('infra_failure' in report, profile === 'swebench');
  }
  const task = subset[0];
  const messy = 'git diff --no-color --cached abc\r\n0\r\n' + task.patch.replace(/\n/g, '\r\n');
  const v = await verifyPatch({ task, patch: messy, spec: specFor(task), profile: 'openhands', provider, image: imageFor(task) });
  assert.equal(v.status, 'resolved', v.reason);
  const whitespace = await verifyPatch({ task, patch: ' \n\n', spec: specFor(task), profile: 'openhands', provider, image: imageFor(task) });
  assert.equal(whitespace.status, 'empty_patch');
});

test('a gold patch submitted reversed: each profile applies it as its official apply commands do', async () => {
  const task = byId.get('swegym-samples__ledger-8')!;
  const c = await provider.start({ image: imageFor(task), labels: { 'io.swegym.role': 'reverse-test' } });
  let reversed: string;
  try {
    await c.writeFile('/tmp/gold.diff', task.patch);
    await c.exec('cd /testbed && git apply /tmp/gold.diff');
    reversed = (await c.exec('cd /testbed && git diff -R')).output;
  } finally {
    await c.stop();
  }
  assert.match(reversed, /^diff --git/);
  const outcome: Record<string, string> = {};
  for (const profile of ['swegym', 'swebench-4.1', 'swebench', 'openhands'] as const) {
    const v = await verifyPatch({ task, patch: reversed, spec: specFor(task), profile, provider, image: imageFor(task), logDir: join(root, 'reversed', profile) });
    outcome[profile] = v.status;
  }
  // main: plain `git apply` fails, then `git apply --3way` finds the patch's preimage blob (the fixed file, in the
  // clone's history) and merges it to a no-op: "applied", nothing changed, the base code graded
  const mainLog = readFileSync(join(root, 'reversed', 'swebench', 'run_instance.log'), 'utf8');
  assert.match(mainLog, /Failed to apply patch to container: git apply --verbose\n[^\n]* - INFO - >>>>> Applied Patch:\n/);
  assert.match(mainLog, /Git diff before:\n\n/);
  assert.match(readFileSync(join(root, 'reversed', 'swebench-4.1', 'run_instance.log'), 'utf8'), /Failed to apply patch to container: git apply --verbose --reject/);
  // fork, v4.1.0 and OpenHands end with `patch --batch`, which takes a reversed patch for what it is and applies it
  // the right way round: gold, resolved.
  assert.deepEqual(outcome, { swegym: 'resolved', 'swebench-4.1': 'resolved', swebench: 'unresolved', openhands: 'resolved' });
});

test('a SWE-bench 5.x record: swebench runs its eval_script with the exit-code lines and grades with its log_parser; truncated ids match by prefix', async () => {
  const task = byId.get('swegym-samples__ledger-8')!;
  // written the way SWE-bench 5.x datasets ship eval_script (the shebang and set line are dropped on load)
  const evalScript = [
    '#!/bin/bash',
    'set -uxo pipefail',
    'cd /testbed',
    `git checkout ${task.base_commit} tests/test_ledger.py`,
    `git apply -v - <<'EOF_114329324912'\n${task.test_patch}\nEOF_114329324912`,
    ": '>>>>> Start Test Output'",
    'pytest -rA tests/test_ledger.py',
    ": '>>>>> End Test Output'",
    `git checkout ${task.base_commit} tests/test_ledger.py`,
    '',
  ].join('\n');
  const record = { ...task, eval_script: evalScript, log_parser: 'parse_log_pytest_v2', eval_type: 'pass_and_fail' as const };
  // the env spec's test command is not used when the record carries its script
  const spec = { ...specFor(task), test_cmd: 'exit 3' };
  const dir = join(root, 'record-fields');
  const v = await verifyPatch({ task: record, patch: task.patch, spec, profile: 'swebench', provider, image: imageFor(task), logDir: dir });
  assert.equal(v.status, 'resolved', v.reason);
  const script = readFileSync(join(dir, 'eval.sh'), 'utf8');
  assert.match(script, /^#!\/bin\/bash\nset -uxo pipefail\ncd \/testbed\n/);
  assert.match(script, /\npytest -rA tests\/test_ledger\.py\nSWEBENCH_TEST_EXIT_CODE=\$\?\n: '>>>>> End Test Output'\necho ">>>>> Test Exit Code: \$SWEBENCH_TEST_EXIT_CODE"\n/);
  // pytest_v2 under main keeps the id with its space; the record's space-cut id matches it by prefix
  const spaced = Object.keys(v.test_statuses!).filter((k) => k.startsWith('tests/test_ledger.py::test_invalid_account_names[assets ') && k.endsWith(']'));
  assert.equal(spaced.length, 1, JSON.stringify(Object.keys(v.test_statuses!)));
  assert.ok(v.tests_status!.PASS_TO_PASS.success.includes('tests/test_ledger.py::test_invalid_account_names[assets'));
  // v4.1.0 ignores the record's fields (its script from the env spec); its pytest_v2 cuts the id at the space, so
  // the same record resolves there by exact match
  const v41 = await verifyPatch({ task: record, patch: task.patch, spec: { ...specFor(task), parser: 'pytest_v2' }, profile: 'swebench-4.1', provider, image: imageFor(task) });
  assert.equal(v41.status, 'resolved', v41.reason);
  assert.equal(v41.test_statuses!['tests/test_ledger.py::test_invalid_account_names[assets'], 'PASSED');
});

test('a patch that prints fake PASSED lines: main rejects the log by its exit code, the fork is fooled', async () => {
  const task = byId.get('swegym-samples__ledger-8')!;
  const ids = [...task.FAIL_TO_PASS, ...task.PASS_TO_PASS];
  const conftest = ['def pytest_unconfigure(config):', ...ids.map((t) => `    print(${JSON.stringify('PASSED ' + t)})`), ''];
  const spoof =
    candidate(task.instance_id, 'wrong') +
    ['diff --git a/conftest.py b/conftest.py', 'new file mode 100644', '--- /dev/null', '+++ b/conftest.py', `@@ -0,0 +1,${conftest.length - 1} @@`, ...conftest.slice(0, -1).map((l) => '+' + l), ''].join('\n');
  const fork = await verifyPatch({ task, patch: spoof, spec: specFor(task), profile: 'swegym', provider, image: imageFor(task) });
  assert.equal(fork.status, 'resolved', fork.reason); // the fork's grading trusts the log
  const main = await verifyPatch({ task, patch: spoof, spec: specFor(task), profile: 'swebench', provider, image: imageFor(task) });
  assert.equal(main.status, 'unresolved', main.reason);
  assert.match(main.reason!, /invalid test log: the test command exited 1 while the log reports no failing test/);
  assert.equal(main.infra_failure, false);
});

test('an image that cannot start is an image_error verdict; a failing image build is one too', async () => {
  const task = tasks[0];
  const v = await verifyPatch({ task, patch: task.patch, spec: specFor(task), profile: 'swegym', provider, image: 'swegym-harness-test/does-not-exist:nope' });
  assert.equal(v.status, 'image_error');
  assert.match(v.reason!, /does-not-exist/);
  const r = await runEvaluation({
    tasks: [task],
    predictions: [{ instance_id: task.instance_id, model_patch: task.patch, model_name_or_path: 'img' }],
    provider, specFor, runId: 'image-error', logRoot,
    imageFor: () => { throw new Error('build failed: no repository'); },
  });
  assert.equal(r.verdicts[0].status, 'image_error');
  assert.deepEqual(r.summary.error_ids, [task.instance_id]);
});
