import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveTests, flakyTests } from '../../src/core/harness/validate.js';
import { loadPredictions, PredictionsError } from '../../src/core/harness/predictions.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';

test('SWE-Gym derivation: F2P = gold PASSED and empty FAILED, P2P = gold PASSED and empty PASSED; ERROR/SKIPPED/XFAIL ignored', () => {
  const gold = { a: 'PASSED', b: 'PASSED', c: 'PASSED', d: 'XFAIL', e: 'PASSED', f: 'PASSED' };
  const empty = { a: 'FAILED', b: 'PASSED', c: 'ERROR', d: 'FAILED', e: 'SKIPPED' };
  assert.deepEqual(deriveTests(gold, empty), { FAIL_TO_PASS: ['a'], PASS_TO_PASS: ['b'] });
});

test('flaky: a status that changes between runs (missing counts as a status)', () => {
  assert.deepEqual(flakyTests([{ a: 'PASSED', b: 'FAILED' }, { a: 'PASSED', b: 'PASSED', c: 'PASSED' }]), ['b', 'c']);
  assert.deepEqual(flakyTests([{ a: 'PASSED' }]), []);
});

const task = TaskRecord.parse({
  instance_id: 'o__r-1', repo: 'o/r', base_commit: 'a'.repeat(40), patch: 'P', test_patch: 'T', problem_statement: 'x',
  version: '1.0', FAIL_TO_PASS: [], PASS_TO_PASS: [],
});

test('predictions: gold / empty / JSONL; a bad row names file, line and field', () => {
  assert.deepEqual(loadPredictions('gold', [task]), [{ instance_id: 'o__r-1', model_patch: 'P', model_name_or_path: 'gold' }]);
  assert.deepEqual(loadPredictions('empty', [task]), [{ instance_id: 'o__r-1', model_patch: '', model_name_or_path: 'empty' }]);
  const dir = mkdtempSync(join(tmpdir(), 'preds-'));
  try {
    const f = join(dir, 'p.jsonl');
    writeFileSync(f, '{"instance_id":"o__r-1","model_patch":null,"model_name_or_path":"org/m"}\n\n');
    assert.deepEqual(loadPredictions(f, [task]), [{ instance_id: 'o__r-1', model_patch: null, model_name_or_path: 'org/m' }]);
    writeFileSync(f, '{"instance_id":"o__r-1","model_patch":"x"}\n{"instance_id":"o__r-2","model_patch":5}\n');
    assert.throws(() => loadPredictions(f, [task]), (e: unknown) => e instanceof PredictionsError && e.line === 2 && e.field === 'model_patch' && e.message.startsWith(`${f}:2 field model_patch`));
    writeFileSync(f, '{"instance_id":"o__r-1"}\nnot json\n');
    assert.throws(() => loadPredictions(f, [task]), /p\.jsonl:2: invalid JSON/);
    const j = join(dir, 'p.json');
    writeFileSync(j, JSON.stringify([{ instance_id: 'o__r-1', model_patch: 'd', model_name_or_path: 'm' }, { instance_id: 'o__r-1', model_patch: 'd' }]));
    assert.throws(() => loadPredictions(j, [task]), /duplicate prediction/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
