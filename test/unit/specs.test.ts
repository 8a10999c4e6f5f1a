import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILTIN_SPECS_DIR,
  loadSpecRegistry,
  readSpecFile,
  SpecFileError,
  SpecNotFoundError,
} from '../../src/core/runtime/spec-registry.js';

/**
 * Table typed BY HAND from ../shared/reference/swe-gym-facts.md §2.3 (not generated from specs/swe-gym.json).
 * Where the facts give a range ("0.940–0.990", "2.11 … 2024.5") only the range is known, so the check is:
 * the endpoints exist and every version in the file falls in one of the listed groups.
 * `exact` lists are versions the facts enumerate one by one; those must match the file exactly.
 */
type Group = { from: string; to: string; python: string | undefined; test_cmd: string };
interface FactRow {
  repo: string;
  parser: string;
  exact?: string[];
  groups: Group[];
}
const FACTS: FactRow[] = [
  {
    repo: 'getmoto/moto',
    parser: 'pytest',
    exact: ['0.4', '1.0', '1.2', '1.3', '2.0', '2.1', '2.2', '2.3', '3.0', '3.1', '4.0', '4.1', '4.2', '5.0'],
    groups: [{ from: '0.4', to: '5.0', python: '3.12', test_cmd: 'pytest -n0 -rA' }],
  },
  {
    repo: 'python/mypy',
    parser: 'pytest',
    groups: [
      { from: '1.7', to: '1.11', python: '3.12', test_cmd: 'pytest -rA -k' },
      { from: '1.0', to: '1.6', python: '3.11', test_cmd: 'pytest -n0 -rA -k' },
      { from: '0.940', to: '0.990', python: '3.10', test_cmd: 'pytest -n0 -rA -k' },
      { from: '0.800', to: '0.920', python: '3.9', test_cmd: 'pytest -n0 -rA -k' },
    ],
  },
  {
    repo: 'conan-io/conan',
    parser: 'pytest',
    groups: [
      { from: '1.33', to: '1.62', python: '3.10', test_cmd: 'pytest -n0 -rA' },
      { from: '2.0', to: '2.4', python: '3.10', test_cmd: 'pytest -n0 -rA' },
    ],
  },
  {
    repo: 'dask/dask',
    parser: 'pytest',
    groups: [{ from: '2.11', to: '2024.5', python: undefined, test_cmd: 'pytest -n0 -rA  --color=no' }],
  },
  {
    repo: 'Project-MONAI/MONAI',
    parser: 'pytest',
    exact: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '0.11', '0.105', '1.0', '1.1', '1.2', '1.3'],
    groups: [{ from: '0.1', to: '1.3', python: '3.8', test_cmd: 'pytest -rA ' }],
  },
  {
    repo: 'iterative/dvc',
    parser: 'pytest',
    groups: [
      { from: '0.1', to: '0.999', python: '3.8', test_cmd: 'pytest -rA' },
      { from: '1.0', to: '3.3', python: '3.9', test_cmd: 'pytest -rA' },
      { from: '3.4', to: '3.49', python: '3.10', test_cmd: 'pytest -rA' },
    ],
  },
  {
    repo: 'bokeh/bokeh',
    parser: 'pytest',
    groups: [
      { from: '3.0', to: '3.5', python: '3.10', test_cmd: 'pytest -rA -n0' },
      { from: '0.0', to: '2.999', python: '3.8', test_cmd: 'pytest -rA -n0' },
    ],
  },
  {
    repo: 'modin-project/modin',
    parser: 'pytest',
    groups: [
      { from: '0.20', to: '0.30', python: '3.9', test_cmd: 'pytest -n0 -rA' },
      { from: '0.1', to: '0.19', python: '3.8', test_cmd: 'pytest -n0 -rA' },
    ],
  },
  {
    repo: 'pydantic/pydantic',
    parser: 'pydantic',
    groups: [
      { from: '2.0', to: '2.7', python: '3.8', test_cmd: 'pytest -rA --tb=short -vv -o console_output_style=classic --no-header' },
      { from: '0.2', to: '1.999', python: '3.7', test_cmd: 'pytest -rA --tb=short -vv -o console_output_style=classic --no-header' },
    ],
  },
  {
    repo: 'pandas-dev/pandas',
    parser: 'pytest',
    groups: [{ from: '0.16', to: '3.0', python: undefined, test_cmd: 'pytest -rA --tb=long' }],
  },
  {
    repo: 'facebookresearch/hydra',
    parser: 'pytest',
    exact: ['0.1', '0.9', '0.10', '0.11', '0.12', '1.0', '1.1', '1.2', '1.3', '1.4'],
    groups: [{ from: '0.1', to: '1.4', python: '3.8', test_cmd: 'pytest -rA --tb=long' }],
  },
];

/** "0.105" -> [0, 105]: versions compare part by part as integers ("3.10" > "3.4"). */
function cmp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
const inGroup = (v: string, g: Group) => cmp(v, g.from) >= 0 && cmp(v, g.to) <= 0;

const SWE_GYM_FILE = join(BUILTIN_SPECS_DIR, 'swe-gym.json');
const SWEBENCH_FILE = join(BUILTIN_SPECS_DIR, 'swebench.json');

test('swe-gym.json names its source and harness version and holds exactly the 11 SWE-Gym repos', () => {
  const file = readSpecFile(SWE_GYM_FILE);
  assert.match(file.source, /constants\.py/);
  assert.ok(file.harness_version && file.harness_version.length > 0);
  assert.deepEqual(Object.keys(file.repos).map((r) => r.toLowerCase()).sort(), FACTS.map((f) => f.repo.toLowerCase()).sort());
});

for (const row of FACTS) {
  test(`facts §2.3: ${row.repo} versions, python, test_cmd, parser`, () => {
    const reg = loadSpecRegistry();
    const versions = reg.versions(row.repo);
    assert.ok(versions.length > 0, `no versions for ${row.repo}`);
    if (row.exact) assert.deepEqual([...versions].sort(cmp), [...row.exact].sort(cmp));
    for (const v of versions) {
      const g = row.groups.find((x) => inGroup(v, x));
      assert.ok(g, `${row.repo} ${v} is outside every range listed in the facts`);
      const spec = reg.lookup(row.repo, v);
      assert.equal(spec.python, g.python, `${row.repo} ${v} python`);
      assert.equal(spec.test_cmd, g.test_cmd, `${row.repo} ${v} test_cmd`);
      assert.equal(spec.parser, row.parser, `${row.repo} ${v} parser`);
      assert.equal(spec.activate, undefined, `${row.repo} ${v}: conda specs leave activate unset`);
    }
  });
}

test('facts §2.3: range endpoints named in the facts exist', () => {
  const reg = loadSpecRegistry();
  const endpoints: Array<[string, string[]]> = [
    ['python/mypy', ['1.7', '1.11', '1.0', '1.6', '0.940', '0.990', '0.800', '0.920']],
    ['conan-io/conan', ['1.33', '1.59', '2.0', '1.60', '1.62', '2.1', '2.4']],
    ['dask/dask', ['2.11', '2024.5']],
    ['iterative/dvc', ['0.1', '3.49', '1.0', '3.3', '3.4']],
    ['bokeh/bokeh', ['3.0', '3.3', '3.4', '3.5']],
    ['modin-project/modin', ['0.1', '0.19', '0.30']],
    ['pydantic/pydantic', ['0.2', '2.7']],
    ['pandas-dev/pandas', ['0.16', '3.0']],
  ];
  for (const [repo, vs] of endpoints) for (const v of vs) assert.ok(reg.versions(repo).includes(v), `${repo} ${v}`);
  // bokeh's 3.x versions are enumerated one by one in the facts
  assert.deepEqual(reg.versions('bokeh/bokeh').filter((v) => v.startsWith('3.')).sort(cmp), ['3.0', '3.3', '3.4', '3.5']);
});

test('facts §2.3: install details (conan cython<3 split, mypy typeshed, dask yml patch, hydra pip pin, pandas numpy<2)', () => {
  const reg = loadSpecRegistry();
  assert.match(reg.lookup('conan-io/conan', '1.59').install!, /cython<3/);
  assert.match(reg.lookup('conan-io/conan', '2.0').install!, /cython<3/);
  assert.doesNotMatch(reg.lookup('conan-io/conan', '1.60').install!, /cython<3/);
  assert.doesNotMatch(reg.lookup('conan-io/conan', '2.1').install!, /cython<3/);
  assert.deepEqual(reg.lookup('conan-io/conan', '2.1').eval_commands, ['export PYTHONPATH=${PYTHONPATH:-}:$(pwd)']);
  assert.equal(reg.lookup('python/mypy', '1.11').pre_install![0], 'git submodule update --init mypy/typeshed || true');
  assert.ok(reg.lookup('python/mypy', '0.800').pre_install!.some((c) => c.includes('types-typing-extensions==3.7.3')));
  assert.equal(reg.lookup('dask/dask', '2023.1').packages, 'environment.yml');
  assert.ok(reg.lookup('dask/dask', '2023.1').env_patches![0].includes('- pip:'));
  assert.match(reg.lookup('facebookresearch/hydra', '1.2').install!, /pip==24\.0/);
  assert.doesNotMatch(reg.lookup('facebookresearch/hydra', '1.3').install!, /pip==24\.0/);
  assert.match(reg.lookup('pandas-dev/pandas', '2.1').install!, /numpy<2/);
  assert.doesNotMatch(reg.lookup('pandas-dev/pandas', '2.2').install!, /numpy<2/);
  assert.equal(reg.lookup('getmoto/moto', '4.1').install, 'make init');
});

test('swebench.json: parsers as in the official MAP_REPO_TO_PARSER, source named, conda specs without activate', () => {
  const file = readSpecFile(SWEBENCH_FILE);
  assert.match(file.source, /swebench\/harness\/constants\/python\.py/);
  assert.ok(file.harness_version);
  const parsers: Record<string, string> = {
    'astropy/astropy': 'pytest_v2',
    'django/django': 'django',
    'matplotlib/matplotlib': 'matplotlib',
    'mwaskom/seaborn': 'seaborn',
    'pallets/flask': 'pytest',
    'psf/requests': 'pytest_options',
    'pydata/xarray': 'pytest',
    'pylint-dev/pylint': 'pytest_options',
    'pytest-dev/pytest': 'pytest',
    'scikit-learn/scikit-learn': 'pytest_v2',
    'sphinx-doc/sphinx': 'pytest_v2',
    'sympy/sympy': 'sympy',
    'marshmallow-code/marshmallow': 'pytest',
    'pvlib/pvlib-python': 'pytest',
    'pydicom/pydicom': 'pytest_options',
    'pylint-dev/astroid': 'pytest',
    'pyvista/pyvista': 'pytest',
    'sqlfluff/sqlfluff': 'pytest',
    // no entry in the official MAP_REPO_TO_PARSER_PY: the loader's default
    'dbt-labs/dbt-core': 'pytest',
    'swe-bench/humaneval': 'pytest',
  };
  assert.deepEqual(Object.keys(file.repos).sort(), Object.keys(parsers).sort());
  for (const [repo, versions] of Object.entries(file.repos)) {
    for (const [v, spec] of Object.entries(versions)) {
      assert.equal(spec.parser, parsers[repo], `${repo} ${v}`);
      assert.equal(spec.activate, undefined);
    }
  }
  const reg = loadSpecRegistry();
  assert.equal(reg.lookup('django/django', '1.9').test_cmd, './tests/runtests.py --verbosity 2');
  assert.equal(reg.lookup('django/django', '4.0').test_cmd, './tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1');
  assert.equal(reg.lookup('sympy/sympy', '1.13').packages, 'requirements.txt');
  assert.equal(reg.lookup('astropy/astropy', 'v5.3').python, '3.10');
  assert.equal(reg.lookup('pylint-dev/pylint', '2.15').nano_cpus, 2000000000);
  // A sample of versions SWE-bench Verified instances carry.
  for (const [repo, v] of [
    ['astropy/astropy', '5.0'], ['django/django', '3.0'], ['django/django', '5.0'], ['matplotlib/matplotlib', '3.5'],
    ['mwaskom/seaborn', '0.12'], ['pallets/flask', '2.3'], ['psf/requests', '2.0'], ['pydata/xarray', '2022.06'],
    ['pylint-dev/pylint', '3.0'], ['pytest-dev/pytest', '5.4'], ['scikit-learn/scikit-learn', '0.22'],
    ['sphinx-doc/sphinx', '7.2'], ['sympy/sympy', '1.12'],
  ]) assert.ok(reg.versions(repo).includes(v), `${repo} ${v}`);
});

test('lookup is case-insensitive on repo and lists known versions when one is missing', () => {
  const reg = loadSpecRegistry();
  assert.equal(reg.lookup('project-monai/monai', '1.3').python, '3.8');
  assert.throws(
    () => reg.lookup('getmoto/moto', '9.9'),
    (err: unknown) => err instanceof SpecNotFoundError && /version 9\.9/.test(err.message) && /4\.1/.test(err.message) && /--env-spec/.test(err.message),
  );
  assert.throws(() => reg.lookup('nobody/nothing', '1.0'), /no environment spec for repo nobody\/nothing/);
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'swegym-specs-'));
}

test('user files override built-in specs per repo/version, later files win, hash and sourceOf follow', () => {
  const dir = tmp();
  try {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({
      source: 'my overrides A',
      repos: { 'GetMoto/Moto': { '4.1': { test_cmd: 'pytest -x', python: '3.11' }, '9.9': { test_cmd: 'pytest' } } },
    }));
    writeFileSync(b, JSON.stringify({ source: 'my overrides B', repos: { 'getmoto/moto': { '9.9': { test_cmd: 'pytest -q' } } } }));
    const base = loadSpecRegistry();
    const reg = loadSpecRegistry([a, b]);
    assert.equal(reg.lookup('getmoto/moto', '4.1').test_cmd, 'pytest -x');
    assert.equal(reg.lookup('getmoto/moto', '4.1').parser, 'pytest', 'zod default applies to user specs');
    assert.equal(reg.lookup('getmoto/moto', '9.9').test_cmd, 'pytest -q');
    assert.equal(reg.lookup('getmoto/moto', '4.0').test_cmd, 'pytest -n0 -rA', 'other versions keep the built-in spec');
    assert.equal(reg.sourceOf('getmoto/moto', '4.1').source, 'my overrides A');
    assert.equal(reg.sourceOf('getmoto/moto', '9.9').file, b);
    assert.match(reg.sourceOf('getmoto/moto', '4.0').file, /swe-gym\.json$/);
    assert.notEqual(reg.hash('getmoto/moto', '4.1'), base.hash('getmoto/moto', '4.1'));
    assert.equal(reg.hash('getmoto/moto', '4.0'), base.hash('getmoto/moto', '4.0'));
    assert.match(reg.hash('getmoto/moto', '4.0'), /^[0-9a-f]{64}$/);
    // lookup hands out copies: mutating one does not change the registry.
    reg.lookup('getmoto/moto', '4.0').test_cmd = 'mutated';
    assert.equal(reg.lookup('getmoto/moto', '4.0').test_cmd, 'pytest -n0 -rA');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed user file errors with the file, the line and the JSON path', () => {
  const dir = tmp();
  const pretty = (v: unknown) => JSON.stringify(v, null, 2);
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, pretty({ source: 'x', repos: { 'getmoto/moto': { '4.1': { test_cmd: 42 } } } }));
    assert.throws(
      () => loadSpecRegistry([bad]),
      (err: unknown) =>
        err instanceof SpecFileError && err.file === bad && err.path === '$.repos["getmoto/moto"]["4.1"].test_cmd' && err.line === 6 &&
        err.message === `${bad}:6: $.repos["getmoto/moto"]["4.1"].test_cmd: expected string or array or null, received number`,
    );
    // A missing key points at the object that lacks it ("1.0" of a/b, not the "1.0" of x/y before it).
    const missing = join(dir, 'missing.json');
    writeFileSync(missing, pretty({ source: 'x', repos: { 'x/y': { '1.0': { test_cmd: 'ok' } }, 'a/b': { '1.0': { python: '3.9' } } } }));
    assert.throws(() => loadSpecRegistry([missing]), (err: unknown) =>
      err instanceof SpecFileError && err.path === '$.repos["a/b"]["1.0"].test_cmd' && err.line === 10 &&
      err.message === `${missing}:10: $.repos["a/b"]["1.0"].test_cmd: missing required key (expected string or array or null)`);
    // Strings holding brackets, quotes and escapes do not throw the line count off; array elements count by index.
    const list = join(dir, 'list.json');
    writeFileSync(list, pretty({ source: 'a "}" ] [ {\\', repos: { 'a/b': { '1.0': { test_cmd: 'echo "[{"', pre_install: ['ok', '{', 3] } } } }));
    assert.throws(() => loadSpecRegistry([list]), (err: unknown) =>
      err instanceof SpecFileError && err.path === '$.repos["a/b"]["1.0"].pre_install[2]' && err.line === 10);
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{\n  "source": "x",\n  "repos": {,\n');
    assert.throws(() => loadSpecRegistry([notJson]), (err: unknown) =>
      err instanceof SpecFileError && err.file === notJson && /invalid JSON/.test(err.message) && err.line === 3 && err.message.startsWith(`${notJson}:3: invalid JSON`));
    assert.throws(() => loadSpecRegistry([join(dir, 'nope.json')]), /nope\.json: cannot read spec file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('specs/samples.json (sample repos, another engineer) loads when present', (t) => {
  const file = join(BUILTIN_SPECS_DIR, 'samples.json');
  if (!existsSync(file)) {
    t.skip('specs/samples.json not written yet');
    return;
  }
  const parsed = readSpecFile(file);
  const reg = loadSpecRegistry();
  for (const [repo, versions] of Object.entries(parsed.repos)) {
    for (const v of Object.keys(versions)) assert.ok(reg.lookup(repo, v).test_cmd);
  }
});
