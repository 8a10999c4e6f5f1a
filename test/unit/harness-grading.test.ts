import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeFailToPass, computePassToPass, evalTypeFor, getEvalTestsReport, getResolutionStatus, testFailed, testPassed } from '../../src/core/harness/grading.js';
import { defaultProfileFor, getProfile, PROFILES } from '../../src/core/harness/profiles.js';

const sm = { a: 'PASSED', b: 'FAILED', c: 'ERROR', d: 'SKIPPED', e: 'XFAIL', f: 'PASSEDX' };

test('passed: PASSED or XFAIL in every profile; failed: missing, FAILED, ERROR (+SKIPPED in the current harness)', () => {
  for (const p of ['swegym', 'openhands', 'swebench-4.1', 'swebench'] as const) {
    assert.equal(testPassed('a', sm, p), true);
    assert.equal(testPassed('e', sm, p), true);
    assert.equal(testPassed('b', sm, p), false);
    assert.equal(testFailed('b', sm, p), true);
    assert.equal(testFailed('c', sm, p), true);
    assert.equal(testFailed('missing', sm, p), true);
    assert.equal(testFailed('f', sm, p), false); // an odd token is neither
  }
  assert.equal(testFailed('d', sm, 'swegym'), false);
  assert.equal(testFailed('d', sm, 'swebench-4.1'), false);
  assert.equal(testFailed('d', sm, 'swebench'), true);
});

test('fork: a SKIPPED test lands in neither list and leaves the ratio alone', () => {
  const r = getEvalTestsReport(sm, { FAIL_TO_PASS: ['a', 'd'], PASS_TO_PASS: ['d', 'e'] }, 'swegym');
  assert.deepEqual(r.FAIL_TO_PASS, { success: ['a'], failure: [] });
  assert.deepEqual(r.PASS_TO_PASS, { success: ['e'], failure: [] });
  assert.equal(getResolutionStatus(r), 'RESOLVED_FULL');
});

test('main: a truncated id matches by prefix when the matches agree; exact ids stay exact; other versions do not', () => {
  const m = { 'a.py::t[x (y': 'PASSED', 'a.py::t[x (z': 'XFAIL', 'a.py::u[p q': 'PASSED', 'a.py::u[p r': 'FAILED' };
  assert.equal(testPassed('a.py::t[x', m, 'swebench'), true);
  assert.equal(testPassed('a.py::t[x', m, 'swebench-4.1'), false);
  assert.equal(testFailed('a.py::u[p', m, 'swebench'), true); // ambiguous: no match, so missing
  assert.equal(testPassed('a.py::t[x (y)]', m, 'swebench'), false); // balanced brackets: exact only
});

test('fail_only: only an exact FAILED entry fails; missing tests pass (main by record, v4.1.0 by repo)', () => {
  const r = getEvalTestsReport(sm, { FAIL_TO_PASS: ['b', 'c', 'missing'], PASS_TO_PASS: ['d'] }, 'swebench', false, 'fail_only');
  assert.deepEqual(r.FAIL_TO_PASS, { success: ['c', 'missing'], failure: ['b'] });
  assert.equal(evalTypeFor('swebench', { repo: 'a/b', eval_type: 'fail_only' }), 'fail_only');
  assert.equal(evalTypeFor('swebench-4.1', { repo: 'a/b', eval_type: 'fail_only' }), 'pass_and_fail');
  assert.equal(evalTypeFor('swebench-4.1', { repo: 'markedjs/marked' }), 'fail_only');
  assert.equal(evalTypeFor('swegym', { repo: 'markedjs/marked', eval_type: 'fail_only' }), 'pass_and_fail');
});

test('current: SKIPPED F2P is a failure, SKIPPED P2P is maintained (test_maintained)', () => {
  const r = getEvalTestsReport(sm, { FAIL_TO_PASS: ['a', 'd'], PASS_TO_PASS: ['d', 'e', 'zz'] }, 'swebench');
  assert.deepEqual(r.FAIL_TO_PASS, { success: ['a'], failure: ['d'] });
  assert.deepEqual(r.PASS_TO_PASS, { success: ['d', 'e'], failure: ['zz'] });
  assert.equal(getResolutionStatus(r), 'RESOLVED_NO');
});

test('a test missing from the log counts as failed', () => {
  const r = getEvalTestsReport({}, { FAIL_TO_PASS: ['x'], PASS_TO_PASS: [] }, 'swegym');
  assert.deepEqual(r.FAIL_TO_PASS.failure, ['x']);
  assert.equal(getResolutionStatus(r), 'RESOLVED_NO');
});

test('ratios are 1 on an empty denominator; FULL / PARTIAL / NO', () => {
  const empty = getEvalTestsReport({}, { FAIL_TO_PASS: [], PASS_TO_PASS: [] }, 'swegym');
  assert.equal(computeFailToPass(empty), 1);
  assert.equal(computePassToPass(empty), 1);
  assert.equal(getResolutionStatus(empty), 'RESOLVED_FULL');
  const partial = getEvalTestsReport(sm, { FAIL_TO_PASS: ['a', 'b'], PASS_TO_PASS: ['a'] }, 'swegym');
  assert.equal(computeFailToPass(partial), 0.5);
  assert.equal(getResolutionStatus(partial), 'RESOLVED_PARTIAL');
  const p2pBroken = getEvalTestsReport(sm, { FAIL_TO_PASS: ['a', 'b'], PASS_TO_PASS: ['c'] }, 'swegym');
  assert.equal(getResolutionStatus(p2pBroken), 'RESOLVED_NO');
  const none = getEvalTestsReport(sm, { FAIL_TO_PASS: ['b'], PASS_TO_PASS: ['a'] }, 'swegym');
  assert.equal(getResolutionStatus(none), 'RESOLVED_NO');
});

test('F2F / P2F keys are always present, filled only with calculateToFail', () => {
  const gold = { FAIL_TO_PASS: ['a'], PASS_TO_PASS: [], FAIL_TO_FAIL: ['b'], PASS_TO_FAIL: ['a'] };
  const r = getEvalTestsReport(sm, gold, 'swegym');
  assert.deepEqual(Object.keys(r), ['FAIL_TO_PASS', 'PASS_TO_PASS', 'FAIL_TO_FAIL', 'PASS_TO_FAIL']);
  assert.deepEqual(r.FAIL_TO_FAIL, { success: [], failure: [] });
  const r2 = getEvalTestsReport(sm, gold, 'swegym', true);
  assert.deepEqual(r2.FAIL_TO_FAIL, { success: [], failure: ['b'] });
  assert.deepEqual(r2.PASS_TO_FAIL, { success: ['a'], failure: [] });
});

test('profiles are data and name their rules; defaults by dataset', () => {
  assert.equal(getProfile('swegym').markers, false);
  assert.equal(getProfile('swebench').markers, true);
  assert.equal(getProfile('openhands').onTimeout, 'grade-partial');
  assert.equal(getProfile('swegym').onTimeout, 'error');
  assert.deepEqual(getProfile('swegym').scriptHeader, ['#!/bin/bash', 'set -xo pipefail']);
  assert.deepEqual(getProfile('swebench').scriptHeader, ['#!/bin/bash', 'set -uxo pipefail']);
  for (const p of Object.values(PROFILES)) assert.ok(p.source.length > 20);
  // each profile names exactly one official version
  assert.deepEqual(Object.fromEntries(Object.values(PROFILES).map((p) => [p.name, [p.version, p.official]])), {
    swegym: ['fork-242429c', 'SWE-Gym/SWE-Bench-Fork 242429c (swebench 2.0.13)'],
    swebench: ['main-7a21e05', 'SWE-bench 5.0.2 (main 7a21e05)'],
    'swebench-4.1': ['v4.1.0-726c546', 'SWE-bench 4.1.0 (tag v4.1.0, 726c546)'],
    openhands: ['fork-242429c', 'SWE-Gym/OpenHands e644a2c eval_infer.py + SWE-Gym/SWE-Bench-Fork 242429c grading'],
  });
  assert.throws(() => getProfile('nope'), /unknown harness profile/);
  assert.equal(defaultProfileFor({ repo: 'getmoto/moto' }), 'swegym');
  assert.equal(defaultProfileFor({ repo: 'Project-MONAI/MONAI' }), 'swegym');
  assert.equal(defaultProfileFor({ repo: 'django/django', environment_setup_commit: 'abc' }), 'swebench');
  assert.equal(defaultProfileFor({ repo: 'swegym-samples/ledger' }), 'swegym');
});
