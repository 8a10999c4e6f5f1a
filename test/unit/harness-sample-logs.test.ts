import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSERS, type ParserFn, type ParserName } from '../../src/core/harness/parsers.js';

const FORK_PARSERS = PARSERS['fork-242429c'] as Record<ParserName, ParserFn>;
const MAIN_PARSERS = PARSERS['main-7a21e05'] as Record<ParserName, ParserFn>;
import { getLogsEval } from '../../src/core/harness/logs.js';
import { getEvalTestsReport, getResolutionStatus } from '../../src/core/harness/grading.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';

// Real logs of the sample repos (captured by samples/capture-logs.sh: test patch apply output + pytest -rA).
const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');
const tasks = readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n').filter((l) => l.trim()).map((l) => TaskRecord.parse(JSON.parse(l)));
const log = (id: string, kind: string) => readFileSync(join(LOGS, `${id}.${kind}.log`), 'utf8');
const grade = (sm: Record<string, string>, t: TaskRecord, p: 'swegym' | 'swebench' = 'swegym') =>
  getEvalTestsReport(sm, { FAIL_TO_PASS: t.FAIL_TO_PASS, PASS_TO_PASS: t.PASS_TO_PASS }, p);

for (const t of tasks) {
  test(`${t.instance_id}: gold log resolves, empty log fails every FAIL_TO_PASS (fork parser + grading)`, () => {
    const gold = getLogsEval(log(t.instance_id, 'gold'), 'swegym', 'pytest');
    assert.equal(gold.valid, true);
    assert.equal(getResolutionStatus(grade(gold.statusMap, t)), 'RESOLVED_FULL');
    const empty = getLogsEval(log(t.instance_id, 'empty'), 'swegym', 'pytest');
    const r = grade(empty.statusMap, t);
    assert.deepEqual(r.FAIL_TO_PASS.failure, t.FAIL_TO_PASS);
    assert.equal(getResolutionStatus(r), 'RESOLVED_NO');
  });
}

test('durations-12 gold log: "SKIPPED [1]" key, XFAIL, ids with spaces truncated exactly like the records', () => {
  const sm = FORK_PARSERS.pytest(log('swegym-samples__durations-12', 'gold'));
  assert.equal(sm['[1]'], 'SKIPPED');
  assert.equal(sm['tests/test_parse.py::test_parse_negative'], 'XFAIL');
  assert.equal(sm['tests/test_parse.py::test_parse_spaced[1'], 'PASSED');
  assert.ok(tasks.find((t) => t.instance_id === 'swegym-samples__durations-12')!.FAIL_TO_PASS.includes('tests/test_parse.py::test_parse_spaced[1'));
  // main's parser drops the "[1]" key
  assert.equal(MAIN_PARSERS.pytest(log('swegym-samples__durations-12', 'gold'))['[1]'], undefined);
});

for (const id of ['swegym-samples__durations-12', 'swegym-samples__ledger-8']) {
  test(`${id}: the wrong candidate's log keeps FAIL_TO_PASS but breaks a PASS_TO_PASS test ("FAILED x - msg")`, () => {
    const t = tasks.find((x) => x.instance_id === id)!;
    const sm = getLogsEval(log(id, 'wrong'), 'swegym', 'pytest').statusMap;
    const r = grade(sm, t);
    assert.deepEqual(r.FAIL_TO_PASS.failure, []);
    assert.ok(r.PASS_TO_PASS.failure.length > 0);
    for (const f of r.PASS_TO_PASS.failure) assert.equal(sm[f], 'FAILED');
    assert.equal(getResolutionStatus(r), 'RESOLVED_NO');
  });
}

test('durations-12 verbose (-vv) and pydantic-style logs through pytest_v2 / pydantic parsers', () => {
  const t = tasks.find((x) => x.instance_id === 'swegym-samples__durations-12')!;
  for (const kind of ['vv', 'pydantic']) {
    assert.ok(existsSync(join(LOGS, `${t.instance_id}.gold.${kind}.log`)), `${kind} log missing`);
    const parser = kind === 'vv' ? FORK_PARSERS.pytest_v2 : FORK_PARSERS.pydantic;
    const gold = parser(log(t.instance_id, `gold.${kind}`));
    assert.equal(getResolutionStatus(grade(gold, t)), 'RESOLVED_FULL', kind);
    const empty = parser(log(t.instance_id, `empty.${kind}`));
    assert.deepEqual(grade(empty, t).FAIL_TO_PASS.failure, t.FAIL_TO_PASS, kind);
  }
});

// The samples' env specs name the `pytest` parser, whose every version keys a result line by its second token,
// so the records' space-cut ids (`test_parse_spaced[1`) are what each version's parser yields: the gold log resolves
// and the empty log fails every FAIL_TO_PASS under all three versions' parsers and grading.
for (const [profile, version] of [['swegym', 'fork-242429c'], ['swebench-4.1', 'v4.1.0-726c546'], ['swebench', 'main-7a21e05']] as const) {
  test(`sample records hold under ${profile} (${version}): gold resolves, empty fails every FAIL_TO_PASS`, () => {
    const parse = PARSERS[version].pytest!;
    for (const t of tasks) {
      const gold = getEvalTestsReport(parse(log(t.instance_id, 'gold')), { FAIL_TO_PASS: t.FAIL_TO_PASS, PASS_TO_PASS: t.PASS_TO_PASS }, profile);
      assert.equal(getResolutionStatus(gold), 'RESOLVED_FULL', t.instance_id);
      const empty = getEvalTestsReport(parse(log(t.instance_id, 'empty')), { FAIL_TO_PASS: t.FAIL_TO_PASS, PASS_TO_PASS: t.PASS_TO_PASS }, profile);
      assert.deepEqual(empty.FAIL_TO_PASS.failure, t.FAIL_TO_PASS, t.instance_id);
    }
  });
}
