import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSERS, ParserCrash, getParser, type ParserFn, type ParserName } from '../../src/core/harness/parsers.js';

// These are readable examples on real pytest logs; the exhaustive check against the official code's own output is
// test/unit/official-oracle-parsers.test.ts.
const FORK = PARSERS['fork-242429c'] as Record<ParserName, ParserFn>;
const MAIN = PARSERS['main-7a21e05'] as Record<ParserName, ParserFn>;
import { getLogsEval } from '../../src/core/harness/logs.js';

// Logs captured from real pytest 7.2 runs in the swegym-base:dev image (see test/fixtures/logs/harness-logs.README.md).
const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');
const read = (name: string) => readFileSync(join(LOGS, name), 'utf8');
const T = 'tests/test_mod.py::';

test('fork pytest parser on a real -rA log: "[1]" key for SKIPPED, FAILED " - " message, id cut at a space', () => {
  assert.deepEqual(FORK.pytest(read('harness-rA.log')), {
    [`${T}test_ok`]: 'PASSED',
    [`${T}test_param[a`]: 'PASSED',
    [`${T}test_param[x-1]`]: 'PASSED',
    [`${T}test_param[/tmp/dir/file.txt-1]`]: 'PASSED',
    '[1]': 'SKIPPED',
    [`${T}test_xfail`]: 'XFAIL',
    [`${T}test_error`]: 'ERROR',
    [`${T}test_fail`]: 'FAILED',
  });
});

test('fork pytest_options keeps only the last path component of a /-option', () => {
  const m = FORK.pytest_options(read('harness-rA.log'));
  assert.equal(m[`${T}test_param[/file.txt-1]`], 'PASSED');
  assert.equal(m[`${T}test_param[/tmp/dir/file.txt-1]`], undefined);
  assert.equal(m[`${T}test_param[a`], 'PASSED');
});

test('main pytest parser drops "SKIPPED [N]" summary keys and reads status-first lines only', () => {
  assert.deepEqual(MAIN.pytest(read('harness-rA.log')), {
    [`${T}test_ok`]: 'PASSED',
    [`${T}test_param[a`]: 'PASSED',
    [`${T}test_param[x-1]`]: 'PASSED',
    [`${T}test_param[/tmp/dir/file.txt-1]`]: 'PASSED',
    [`${T}test_xfail`]: 'XFAIL',
    [`${T}test_error`]: 'ERROR',
    [`${T}test_fail`]: 'FAILED',
  });
  // verbose "id SKIPPED (reason)" lines are not status-first: no key, in every version
  assert.equal(MAIN.pytest(read('harness-v.log'))[`${T}test_skipped`], undefined);
  assert.equal(MAIN.pytest(read('harness-v.log'))['[1]'], undefined);
  assert.equal(FORK.pytest(read('harness-v.log'))['[1]'], 'SKIPPED');
});

test('main pytest_v2 keeps ids with spaces; FAILED lines lose their " - message"', () => {
  const m = MAIN.pytest_v2(read('harness-rA.log'));
  assert.equal(m[`${T}test_param[a b-2]`], 'PASSED');
  assert.equal(m[`${T}test_param[a`], undefined);
  assert.equal(m[`${T}test_fail`], 'FAILED');
  assert.equal(PARSERS['v4.1.0-726c546'].pytest_v2!(read('harness-rA.log'))[`${T}test_param[a`], 'PASSED');
});

test('fork pydantic parser on a real -vv classic log: verbose lines, then the summary overrides', () => {
  const m = FORK.pydantic(read('harness-vv.log'));
  assert.equal(m[`${T}test_ok`], 'PASSED');
  assert.equal(m[`${T}test_fail`], 'FAILED');
  assert.equal(m[`${T}test_error`], 'ERROR');
  assert.equal(m[`${T}test_param[a`], 'PASSED'); // verbose line first maps it to "b-2]", summary line wins
  assert.equal(m['[1]'], 'SKIPPED');
  assert.equal(m[`${T}test_skipped`], undefined); // "SKIPPED (reason)" does not end with a status
  // without the summary the verbose-line quirk shows
  const verboseOnly = read('harness-vv.log').split('short test summary info')[0];
  assert.equal(FORK.pydantic(verboseOnly)[`${T}test_param[a`], 'b-2]');
  // the fork's pytest_v2 does the same (tokens[0] -> tokens[1] for any line ending in a status word)
  assert.equal(FORK.pytest_v2(verboseOnly)[`${T}test_param[a`], 'b-2]');
  assert.equal(FORK.pytest_v2(verboseOnly)[`${T}test_ok`], 'PASSED');
});

test('pydantic collapses "FAILED [ 50%]" and ANSI codes', () => {
  const log = '\x1b[31mtests/a.py::test_x FAILED [ 50%]\x1b[0m\ntests/a.py::test_y PASSED\n';
  assert.deepEqual(FORK.pydantic(log), { 'tests/a.py::test_x': 'FAILED', 'tests/a.py::test_y': 'PASSED' });
});

test('fork parsers raise where the harness raises IndexError', () => {
  assert.throws(() => FORK.pydantic('PASSED\n'), ParserCrash);
  assert.throws(() => FORK.pytest_v2('ERROR\n'), ParserCrash);
  assert.deepEqual(FORK.pytest('PASSED\n'), {}); // parse_log_pytest guards with len <= 1
});

test('any line starting with a status word counts (bug-compatible); later lines overwrite', () => {
  assert.deepEqual(FORK.pytest('PASSEDX not-a-test\nERROR: Could not find\nFAILED a::b - x\nPASSED a::b\n'), {
    'not-a-test': 'PASSEDX',
    Could: 'ERROR:',
    'a::b': 'PASSED',
  });
  assert.deepEqual(MAIN.pytest('PASSEDX not-a-test\nERROR: Could not find\n'), { 'not-a-test': 'PASSEDX', Could: 'ERROR:' });
});

test('django parser: ok / skipped / FAIL / ERROR / continuation "ok" / multi-line pattern', () => {
  const log = [
    'test_a (app.tests.T) ... ok',
    'test_b (app.tests.T) ... skipped "no db"',
    'test_c (app.tests.T) ... FAIL',
    'test_d (app.tests.T) ... ERROR',
    'test_e (app.tests.T) ... some output',
    'ok',
    'FAIL: test_f (app.tests.T)',
    'test_g (app.tests.T) ... System check identified no issues (0 silenced)',
    'ok',
  ].join('\n');
  const m = getParser('django', 'fork-242429c')(log);
  assert.equal(m['test_a (app.tests.T)'], 'PASSED');
  assert.equal(m['test_b (app.tests.T)'], 'SKIPPED');
  assert.equal(m['test_c (app.tests.T)'], 'FAILED');
  assert.equal(m['test_d (app.tests.T)'], 'ERROR');
  assert.equal(m['test_e (app.tests.T)'], 'PASSED');
  assert.equal(m['test_f'], 'FAILED');
  assert.equal(m['test_g (app.tests.T)'], 'PASSED');
});

test('sympy, seaborn and matplotlib parsers', () => {
  const sym = getParser('sympy', 'fork-242429c')('____ sympy/core/tests/test_basic.py:test_eq ____\ntest_a ok\ntest_b F\ntest_c E\n');
  assert.deepEqual(sym, { 'sympy/core/tests/test_basic.py:test_eq': 'FAILED', test_a: 'PASSED', test_b: 'FAILED', test_c: 'ERROR' });
  const sea = getParser('seaborn', 'fork-242429c')('tests/a.py::t1 PASSED [ 10%]\nFAILED tests/a.py::t2 - boom\nPASSED tests/a.py::t3\n');
  assert.deepEqual(sea, { 'tests/a.py::t1': 'PASSED', 'tests/a.py::t2': 'FAILED', 'tests/a.py::t3': 'PASSED' });
  const mpl = getParser('matplotlib', 'main-7a21e05')('PASSED lib/t.py::test_x[MouseButton.LEFT]\n');
  assert.deepEqual(mpl, { 'lib/t.py::test_x[1]': 'PASSED' });
});

test('getLogsEval (fork): a real eval log is valid and parsed whole; no "applied patch" -> invalid', () => {
  const ok = getLogsEval(read('harness-eval.swegym.log'), 'swegym', 'pytest');
  assert.equal(ok.valid, true);
  assert.equal(ok.statusMap['[1]'], 'SKIPPED');
  assert.equal(ok.statusMap[`${T}test_fail`], 'FAILED');
  const bad = getLogsEval(read('harness-eval.badtestpatch.log'), 'swegym', 'pytest');
  assert.deepEqual([bad.valid, bad.statusMap], [false, {}]);
  assert.match(bad.reason!, /applied patch/);
  for (const code of ['>>>>> Tests Timed Out', '>>>>> Reset Failed', 'Failed to reset task environment']) {
    assert.equal(getLogsEval(read('harness-eval.swegym.log') + code, 'swegym').valid, false);
  }
  // only the text after the last ">>>>> Applied Patch (pred)" is parsed
  const cut = getLogsEval('PASSED a::x\n>>>>> Applied Patch (pred)\napplied patch\nPASSED a::y\n', 'swegym');
  assert.deepEqual(cut.statusMap, { 'a::y': 'PASSED' });
});

test('getLogsEval (current): markers required, parse between them, whole-log fallback', () => {
  const ok = getLogsEval(read('harness-eval.swebench.log'), 'swebench', 'pytest');
  assert.equal(ok.valid, true);
  assert.equal(ok.statusMap['[1]'], undefined);
  assert.equal(ok.statusMap[`${T}test_ok`], 'PASSED');
  assert.equal(getLogsEval(read('harness-eval.swegym.log'), 'swebench').valid, false);
  const fallback = getLogsEval("PASSED a::z\n+ : '>>>>> Start Test Output'\nnothing\n+ : '>>>>> End Test Output'\n", 'swebench');
  assert.deepEqual(fallback, { statusMap: { 'a::z': 'PASSED' }, valid: true });
  // 'Failed to reset task environment' is not a bad code in the current harness
  assert.equal(getLogsEval(read('harness-eval.swebench.log') + 'Failed to reset task environment', 'swebench').valid, true);
});

test('getLogsEval reads the log as Python open() does: "\\r\\n" and a lone "\\r" are line breaks', () => {
  const log = "applied patch\r\nPASSED a::x\rFAILED a::y - boom\r\n";
  assert.deepEqual(getLogsEval(log, 'swegym', 'pytest').statusMap, { 'a::x': 'PASSED', 'a::y': 'FAILED' });
});

test('an unknown or unimplemented parser name throws before any parsing', () => {
  assert.throws(() => getLogsEval('x', 'swebench', 'pydantic'), /not a log parser of main-7a21e05/);
  assert.throws(() => getLogsEval('x', 'swebench', 'parse_log_karma'), /does not implement/);
  assert.equal(getLogsEval("+ : '>>>>> Start Test Output'\nPASSED a::b c\n+ : '>>>>> End Test Output'\n", 'swebench', 'parse_log_astropy').statusMap['a::b c'], 'PASSED');
});
