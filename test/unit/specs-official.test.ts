import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_SPECS_DIR, readSpecFile } from '../../src/core/runtime/spec-registry.js';
import { PARSER_FUNCTION } from '../../src/core/harness/parsers.js';

// The built-in spec tables against the official versions they transcribe. Repositories and parsers are counted
// against the oracle's versions.json (test/fixtures/official, written from the official code); the per-repository
// version counts are typed by hand from the official files (v4.1.0 swebench/harness/constants/python.py,
// SWE-Bench-Fork 242429c swebench/harness/constants.py).
const versions = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'official', 'versions.json'), 'utf8'));
const NON_PYTHON = new Set(['gotest', 'cargo', 'jest', 'vitest', 'tap']);
const SHORT_OF = Object.fromEntries(Object.entries(PARSER_FUNCTION).map(([s, fn]) => [fn, s]));

/** repo -> swegym parser, from the oracle's per-function repo lists of one version (Python functions only). */
function oracleRepoParsers(id: string): Record<string, string> {
  const v = versions.versions.find((x: { id: string }) => x.id === id);
  const out: Record<string, string> = {};
  for (const [fn, info] of Object.entries(v.parsers) as [string, { repos: string[] }][]) {
    // The JS/Go/Rust parsers (MAP_REPO_TO_PARSER_JS and friends) are not part of the Python spec table counted here.
    if (!SHORT_OF[fn] || NON_PYTHON.has(SHORT_OF[fn])) continue;
    for (const repo of info.repos) out[repo] = SHORT_OF[fn];
  }
  return out;
}

test('specs/swebench.json: all 20 Python repositories and 300 versions of v4.1.0 MAP_REPO_VERSION_TO_SPECS_PY', () => {
  const file = readSpecFile(join(BUILTIN_SPECS_DIR, 'swebench.json'));
  assert.match(file.harness_version!, /v4\.1\.0.*726c546/);
  const official = oracleRepoParsers('v4.1.0-726c546');
  assert.equal(Object.keys(official).length, 18);
  // the two spec-only repositories: no parser in MAP_REPO_TO_PARSER_PY
  const expectedRepos = [...Object.keys(official), 'dbt-labs/dbt-core', 'swe-bench/humaneval'].sort();
  assert.deepEqual(Object.keys(file.repos).sort(), expectedRepos);
  const counts: Record<string, number> = {
    'astropy/astropy': 17, 'dbt-labs/dbt-core': 17, 'django/django': 20, 'matplotlib/matplotlib': 19,
    'marshmallow-code/marshmallow': 16, 'mwaskom/seaborn': 4, 'pallets/flask': 6, 'psf/requests': 28,
    'pvlib/pvlib-python': 9, 'pydata/xarray': 9, 'pydicom/pydicom': 11, 'pylint-dev/astroid': 12,
    'pylint-dev/pylint': 14, 'pytest-dev/pytest': 20, 'pyvista/pyvista': 24, 'scikit-learn/scikit-learn': 7,
    'sphinx-doc/sphinx': 34, 'sqlfluff/sqlfluff': 17, 'swe-bench/humaneval': 1, 'sympy/sympy': 15,
  };
  for (const [repo, vs] of Object.entries(file.repos)) {
    assert.equal(Object.keys(vs).length, counts[repo], repo);
    for (const [v, spec] of Object.entries(vs)) {
      assert.equal(spec.parser, official[repo] ?? 'pytest', `${repo} ${v}`);
      if (repo === 'dbt-labs/dbt-core') assert.equal(spec.test_cmd, null);
      else assert.ok(spec.test_cmd, `${repo} ${v} test_cmd`);
    }
  }
  assert.equal(Object.values(file.repos).reduce((n, vs) => n + Object.keys(vs).length, 0), 300);
  // spot checks typed from the official file
  assert.equal(file.repos['swe-bench/humaneval']['1.0'].test_cmd, 'python');
  assert.equal(file.repos['pydicom/pydicom']['2.3'].python, '3.10');
  assert.equal(file.repos['django/django']['1.9'].test_cmd, './tests/runtests.py --verbosity 2');
});

test("specs/swe-gym.json: SWE-Gym's 11 repositories and 416 versions of the fork's MAP_REPO_VERSION_TO_SPECS", () => {
  const file = readSpecFile(join(BUILTIN_SPECS_DIR, 'swe-gym.json'));
  assert.match(file.harness_version!, /242429c/);
  const fork = oracleRepoParsers('fork-242429c');
  const swebench = new Set(Object.keys(oracleRepoParsers('v4.1.0-726c546')));
  // the fork's table minus SWE-bench's repositories minus the two it added that SWE-Gym does not use
  const gymRepos = Object.keys(fork).filter((r) => !swebench.has(r) && r !== 'mne-tools/mne-python' && r !== 'hypothesisworks/hypothesis');
  assert.equal(gymRepos.length, 11);
  assert.deepEqual(Object.keys(file.repos).map((r) => r.toLowerCase()).sort(), gymRepos.sort());
  const counts: Record<string, number> = {
    'python/mypy': 23, 'getmoto/moto': 14, 'conan-io/conan': 34, 'dask/dask': 60, 'project-monai/monai': 15,
    'iterative/dvc': 147, 'bokeh/bokeh': 24, 'modin-project/modin': 28, 'pydantic/pydantic': 40,
    'pandas-dev/pandas': 21, 'facebookresearch/hydra': 10,
  };
  for (const [repo, vs] of Object.entries(file.repos)) {
    assert.equal(Object.keys(vs).length, counts[repo.toLowerCase()], repo);
    for (const [v, spec] of Object.entries(vs)) assert.equal(spec.parser, fork[repo.toLowerCase()], `${repo} ${v}`);
  }
  assert.equal(Object.values(file.repos).reduce((n, vs) => n + Object.keys(vs).length, 0), 416);
});
