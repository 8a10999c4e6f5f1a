import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceLogDir, makeRunSummary, pyJsonDumps, runSummaryFileName } from '../../src/core/harness/report.js';
import { getEvalReport } from '../../src/core/harness/grading.js';

test('log layout: logs/run_evaluation/<run_id>/<model with / -> __>/<instance_id>', () => {
  assert.equal(instanceLogDir('logs/run_evaluation', 'r1', 'org/model-7b', 'a__b-1'), 'logs/run_evaluation/r1/org__model-7b/a__b-1');
  assert.equal(runSummaryFileName('org/model', 'r1'), 'org__model.r1.json');
});

test('pyJsonDumps matches json.dumps(indent=4): ensure_ascii escapes, empty lists inline', () => {
  assert.equal(pyJsonDumps({ a: [], b: ['é'], c: true }), '{\n    "a": [],\n    "b": [\n        "\\u00e9"\n    ],\n    "c": true\n}');
});

test('instance report shapes: applied + resolved, invalid log, None patch quirk (fork) vs patch_is_None (SWE-bench)', () => {
  const base = { instanceId: 'i', repo: 'a/b', FAIL_TO_PASS: ['x'], PASS_TO_PASS: [], parser: 'pytest' };
  const ts = { FAIL_TO_PASS: { success: ['x'], failure: [] }, PASS_TO_PASS: { success: [], failure: [] }, FAIL_TO_FAIL: { success: [], failure: [] }, PASS_TO_FAIL: { success: [], failure: [] } };
  assert.deepEqual(getEvalReport({ ...base, patch: 'diff', log: 'Applied patch t.py cleanly.\nPASSED x\n' }, 'swegym').report, {
    i: { patch_is_None: false, patch_exists: true, patch_successfully_applied: true, resolved: true, tests_status: ts },
  });
  assert.deepEqual(getEvalReport({ ...base, patch: 'diff', log: 'PASSED x\n' }, 'swegym').report, {
    i: { patch_is_None: false, patch_exists: true, patch_successfully_applied: false, resolved: false },
  });
  assert.equal(getEvalReport({ ...base, patch: null, log: '' }, 'swegym').report.i.none, true);
  assert.equal(getEvalReport({ ...base, patch: null, log: '' }, 'swegym').report.i.patch_is_None, false);
  assert.equal(getEvalReport({ ...base, patch: null, log: '' }, 'swebench-4.1').report.i.patch_is_None, true);
  const infra = getEvalReport({ ...base, patch: 'diff', log: 'Cannot connect to the Docker daemon' }, 'swebench').report.i;
  assert.deepEqual([infra.infra_failure, infra.infra_failure_reason], [true, 'container_unavailable']);
});

test('run summary classifies like make_run_report, in the harness key order', () => {
  const root = mkdtempSync(join(tmpdir(), 'harness-report-'));
  try {
    const w = (id: string, content: string) => {
      const d = instanceLogDir(root, 'run', 'm', id);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'report.json'), content);
    };
    w('res', JSON.stringify({ res: { resolved: true } }));
    w('unres', JSON.stringify({ unres: { resolved: false } }));
    w('broken', '');
    const p = (id: string, patch: string | null) => ({ instance_id: id, model_patch: patch, model_name_or_path: 'm' });
    const preds = { res: p('res', 'd'), unres: p('unres', 'd'), broken: p('broken', 'd'), err: p('err', 'd'), empty: p('empty', ''), none: p('none', null) };
    const s = makeRunSummary({ instanceIds: ['res', 'unres', 'broken', 'err', 'empty', 'none', 'nopred'], predictions: preds, logRoot: root, runId: 'run', profile: 'swegym' });
    assert.deepEqual(Object.keys(s), [
      'total_instances', 'submitted_instances', 'completed_instances', 'resolved_instances', 'unresolved_instances',
      'empty_patch_instances', 'error_instances', 'unstopped_instances', 'completed_ids', 'incomplete_ids',
      'empty_patch_ids', 'submitted_ids', 'resolved_ids', 'unresolved_ids', 'error_ids', 'unstopped_containers',
      'unremoved_images', 'schema_version', 'harness',
    ]);
    assert.deepEqual(s.harness, { profile: 'swegym', official: 'SWE-Gym/SWE-Bench-Fork 242429c (swebench 2.0.13)' });
    assert.equal(s.total_instances, 7);
    assert.equal(s.submitted_instances, 6);
    assert.deepEqual(s.completed_ids, ['broken', 'res', 'unres']);
    assert.deepEqual(s.resolved_ids, ['res']);
    assert.deepEqual(s.unresolved_ids, ['unres']);
    assert.deepEqual(s.error_ids, ['broken', 'err']);
    assert.deepEqual(s.empty_patch_ids, ['empty', 'none']);
    assert.deepEqual(s.incomplete_ids, ['nopred']);
    assert.equal(s.schema_version, 2);
    const v41 = makeRunSummary({ instanceIds: ['res'], predictions: { res: preds.res }, logRoot: root, runId: 'run', profile: 'swebench-4.1' });
    assert.deepEqual(Object.keys(v41).slice(-5), ['schema_version', 'unstopped_instances', 'unstopped_containers', 'unremoved_images', 'harness']);
    // main: reporting.py's key order, with the infra-failure classification of unresolved and error instances
    writeFileSync(join(instanceLogDir(root, 'run', 'm', 'unres'), 'test_output.txt'), 'E   ModuleNotFoundError: No module named x\n');
    const main = makeRunSummary({ instanceIds: ['res', 'unres', 'err'], predictions: preds, logRoot: root, runId: 'run', profile: 'swebench' });
    assert.deepEqual(Object.keys(main), [
      'total_instances', 'submitted_instances', 'completed_instances', 'resolved_instances', 'unresolved_instances',
      'infra_failure_instances', 'ambiguous_failure_instances', 'empty_patch_instances', 'error_instances',
      'completed_ids', 'incomplete_ids', 'empty_patch_ids', 'submitted_ids', 'resolved_ids', 'unresolved_ids',
      'infra_failure_ids', 'ambiguous_failure_ids', 'failure_reasons', 'error_ids', 'schema_version',
      'unstopped_instances', 'unstopped_containers', 'unremoved_images', 'harness',
    ]);
    assert.deepEqual(main.ambiguous_failure_ids, ['unres']);
    assert.deepEqual(main.failure_reasons, { unres: 'missing_module' });
    assert.equal(main.harness.official, 'SWE-bench 5.0.2 (main 7a21e05)');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
