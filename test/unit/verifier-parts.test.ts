import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildReexports, coveringTests, importedNames, isTestFile, patchFiles, touchedModules } from '../../src/core/verifier/regression/discover.js';
import { normalizeDiff } from '../../src/core/verifier/agreement/normalize.js';
import { AgreementVerifier } from '../../src/core/verifier/agreement/agreement-verifier.js';
import { HybridVerifier } from '../../src/core/verifier/hybrid.js';
import { TestsVerifier } from '../../src/core/verifier/oracle.js';
import { lineChart, renderChart } from '../../src/core/verifier/chart.js';
import type { Candidate, Score, Verifier } from '../../src/core/verifier/types.js';

const WRONG_12 = readFileSync(new URL('../../samples/candidates/swegym-samples__durations-12.wrong.diff', import.meta.url), 'utf8');

test('touched modules and covering tests: by import, through package re-exports, and by name', () => {
  assert.deepEqual(patchFiles(WRONG_12), ['durations/parser.py']);
  const mods = touchedModules(WRONG_12);
  assert.deepEqual(mods, [{ path: 'durations/parser.py', dotted: ['durations.parser', 'parser'], name: 'parser' }]);
  assert.ok(isTestFile('tests/test_parse.py') && isTestFile('pkg/foo_test.py') && !isTestFile('tests/conftest.py') && !isTestFile('durations/parser.py'));
  assert.deepEqual(importedNames('from durations import DurationError, parse_duration  # x'), ['durations', 'durations.DurationError', 'durations.parse_duration']);
  assert.deepEqual(importedNames('import os.path as p, durations.parser'), ['os.path', 'durations.parser']);
  const testFiles = ['tests/test_parse.py', 'tests/test_units.py', 'tests/test_format.py', 'tests/test_parser.py', 'tests/test_direct.py'];
  const imports = new Map([
    ['tests/test_parse.py', ['import pytest', 'from durations import DurationError, parse_duration']],
    ['tests/test_units.py', ['from durations import DurationError, UNITS, unit_seconds']],
    ['tests/test_format.py', ['from durations import format_duration, parse_duration']],
    ['tests/test_parser.py', []],
    ['tests/test_direct.py', ['from durations.parser import _TOKEN']],
  ]);
  const re = buildReexports(
    new Map([
      ['durations/__init__.py', ['from .errors import DurationError', 'from .parser import parse_duration', 'from .units import UNITS, unit_seconds', 'from .formatter import format_duration']],
    ]),
  );
  const cov = coveringTests(mods, testFiles, imports, re);
  assert.deepEqual(cov.files, ['tests/test_direct.py', 'tests/test_format.py', 'tests/test_parse.py', 'tests/test_parser.py']);
  assert.deepEqual(cov.reasons['tests/test_parser.py'], ['named after parser']);
  assert.deepEqual(cov.reasons['tests/test_parse.py'], ['imports durations.parser (via durations.parse_duration)']);
  assert.deepEqual(cov.reasons['tests/test_direct.py'], ['imports durations.parser']);
  // Without re-export resolution the package-level imports are missed.
  assert.deepEqual(coveringTests(mods, testFiles, imports).files, ['tests/test_direct.py', 'tests/test_parser.py']);
  // Test files and non-Python files in a patch touch no module.
  assert.deepEqual(touchedModules('diff --git a/tests/test_x.py b/tests/test_x.py\n--- a/tests/test_x.py\n+++ b/tests/test_x.py\n'), []);
});

test('normalized diffs: index lines, hunk positions, context, whitespace and file order do not matter; content does', () => {
  const a = [
    'diff --git a/p/b.py b/p/b.py',
    'index 111..222 100644',
    '--- a/p/b.py',
    '+++ b/p/b.py',
    '@@ -10,3 +10,3 @@ def f():',
    ' ctx',
    '-    return  x',
    '+    return x + 1',
    'diff --git a/p/a.py b/p/a.py',
    '--- a/p/a.py',
    '+++ b/p/a.py',
    '@@ -1,2 +1,2 @@',
    '-y=1',
    '+y=2',
    '',
  ].join('\n');
  const b = [
    'diff --git a/p/a.py b/p/a.py',
    'index 999..888 100644',
    '--- a/p/a.py',
    '+++ b/p/a.py',
    '@@ -3,2 +3,2 @@',
    ' other context',
    '-y=1',
    '+y=2',
    'diff --git a/p/b.py b/p/b.py',
    '--- a/p/b.py',
    '+++ b/p/b.py',
    '@@ -12,3 +12,3 @@',
    '-\treturn x',
    '+\treturn   x + 1',
    '@@ -40,2 +40,3 @@',
    '-def g():',
    '+def g():',
    '+',
    '',
  ].join('\n');
  assert.equal(normalizeDiff(a), normalizeDiff(b));
  assert.notEqual(normalizeDiff(a), normalizeDiff(a.replace('+y=2', '+y=3')));
  assert.equal(normalizeDiff(''), '');
});

function cand(sample: number, patch: string): Candidate {
  return { rolloutId: `r${sample}`, instanceId: 'i', sample, patch, messages: [] };
}

test('agreement (diff only): equivalent patches group together, score = group size / n; empty patches score 0', async () => {
  const p1 = 'diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a=1\n+a=2\n';
  const p1ws = 'diff --git a/m.py b/m.py\nindex 1..2\n--- a/m.py\n+++ b/m.py\n@@ -5 +5 @@\n-a=1\n+a=2 \n';
  const p2 = 'diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a=1\n+a=3\n';
  const v = new AgreementVerifier(undefined, { behaviour: false });
  const s = await v.scoreInstance([cand(0, p1), cand(1, p1ws), cand(2, p2), cand(3, '')]);
  assert.deepEqual(s.map((x) => x.score), [0.5, 0.5, 0.25, 0]);
  assert.ok(s[3]!.flags.includes('empty_patch'));
  assert.ok(s[0]!.flags.includes('diff_only'));
});

class Fixed implements Verifier {
  constructor(
    readonly name: string,
    private readonly values: number[] | Error,
  ) {}
  async scoreInstance(): Promise<Score[]> {
    if (this.values instanceof Error) throw this.values;
    return this.values.map((score) => ({ score, explanation: '', flags: ['f'] }));
  }
}

test('hybrid: weighted mean of the parts; a failing part is left out and flagged; the oracle is refused', async () => {
  const h = new HybridVerifier([
    { verifier: new Fixed('llm', [1, 0]), weight: 3 },
    { verifier: new Fixed('regression', [0, 1]), weight: 1 },
  ]);
  const s = await h.scoreInstance([cand(0, ''), cand(1, '')]);
  assert.deepEqual(s.map((x) => x.score), [0.75, 0.25]);
  assert.ok(s[0]!.flags.includes('llm:f'));
  const broken = new HybridVerifier([
    { verifier: new Fixed('llm', new Error('endpoint down')), weight: 3 },
    { verifier: new Fixed('regression', [0.5, 1]), weight: 1 },
  ]);
  const b = await broken.scoreInstance([cand(0, ''), cand(1, '')]);
  assert.deepEqual(b.map((x) => x.score), [0.5, 1]);
  assert.ok(b[0]!.flags.includes('llm:failed'));
  assert.throws(() => new HybridVerifier([{ verifier: new TestsVerifier(), weight: 1 }]), /oracle/);
});

test('line chart: braille dots and ASCII markers at the right places', () => {
  const ascii = lineChart([{ name: 'up', points: [{ x: 1, y: 0 }, { x: 4, y: 100 }] }], { width: 8, height: 4, mode: 'ascii', yMin: 0, yMax: 100, yFormat: (v) => v.toFixed(0) });
  // Top row (100) ends with the marker at the last column, bottom row (0) starts with it; dots in between.
  assert.equal(ascii[0], '100 │      .*');
  assert.equal(ascii[1], ' 67 │    ..  ');
  assert.equal(ascii[3], '  0 │*.      ');
  assert.equal(ascii[4], '    └────────');
  // Every integer k is labelled (1 2 3 4), at its column; a chart of pass@k must not skip k=2 (issue 13, fault 10).
  assert.equal(ascii[5], "     1 2  3 4", "x labels under their plot columns, every integer x");
  const b = renderChart([{ name: 'flat', points: [{ x: 0, y: 1 }, { x: 1, y: 1 }] }], { width: 4, height: 2, yMin: 0, yMax: 1 });
  // y=1 is the top dot row of the top cell: dots 1 and 4 of every cell (U+2809).
  assert.deepEqual(b.cells[0]!.map((c) => c.ch).join(''), '\u2809\u2809\u2809\u2809');
  assert.deepEqual(b.cells[1]!.map((c) => c.ch).join(''), '    ');
  assert.equal(b.cells[0]![0]!.series, 0);
});
