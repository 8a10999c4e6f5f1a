import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { getTestDirectives, makeApplyCommands, makeEvalScript, makeTestCommand } from '../../src/core/harness/eval-script.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { openhandsCleanPatch, unidiffModifiedFiles, unidiffNewFiles, regexModifiedFiles } from '../../src/core/harness/patch-files.js';
import type { ProfileName } from '../../src/core/harness/types.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'eval-scripts');
const fixture = JSON.parse(readFileSync(join(DIR, 'records.json'), 'utf8'));
const records = new Map<string, TaskRecord>();
for (const r of fixture.records) records.set(r.repo.split('/')[1].split('-')[0].toLowerCase(), TaskRecord.parse(r));
const specOf = (t: TaskRecord) => EnvSpec.parse(fixture.specs[t.instance_id]);

for (const repo of ['moto', 'mypy', 'conan', 'dask']) {
  for (const profile of ['swegym', 'swebench', 'swebench-4.1', 'openhands'] as ProfileName[]) {
    test(`eval.sh for ${repo} in profile ${profile} equals the hand-written golden byte for byte`, () => {
      const task = records.get(repo)!;
      const golden = readFileSync(join(DIR, `${repo}.${profile}.sh`), 'utf8');
      assert.equal(makeEvalScript(task, specOf(task), profile), golden);
    });
  }
}

test('the goldens were made with the shipped specs: the fixture specs equal specs/swe-gym.json for those versions', () => {
  const shipped = loadSpecRegistry();
  for (const t of records.values()) {
    const s = shipped.lookup(t.repo, t.version);
    for (const key of ['test_cmd', 'pre_install', 'install', 'eval_commands', 'env_patches', 'packages', 'python'] as const) {
      assert.deepEqual(specOf(t)[key], s[key], `${t.instance_id}: ${key}`);
    }
  }
});

test('offline eval.sh drops the install line that needs the network (conan, swegym)', () => {
  const task = records.get('conan')!;
  const golden = readFileSync(join(DIR, 'conan.swegym.offline.sh'), 'utf8');
  assert.equal(makeEvalScript(task, specOf(task), 'swegym', { offline: true }), golden);
  // moto's `make init` has no pip/conda literal: it stays
  const moto = records.get('moto')!;
  assert.match(makeEvalScript(moto, specOf(moto), 'swegym', { offline: true }), /\nmake init\n/);
});

test('spec.activate replaces both conda activations', () => {
  const task = records.get('moto')!;
  const spec = EnvSpec.parse({ ...fixture.specs[task.instance_id], activate: ['. /opt/venv/bin/activate'] });
  const s = makeEvalScript(task, spec, 'swegym');
  assert.equal(s.match(/\. \/opt\/venv\/bin\/activate/g)?.length, 2);
  assert.doesNotMatch(s, /miniconda/);
});

test('directives drop non-test extensions; django gets dotted module names (the same in every version)', () => {
  const tp = [
    'diff --git a/tests/forms_tests/tests/test_forms.py b/tests/forms_tests/tests/test_forms.py',
    'diff --git a/tests/forms_tests/models.py b/tests/forms_tests/models.py',
    'diff --git a/docs/x.md b/docs/x.md',
    'diff --git a/data/a.csv b/data/a.csv',
    'diff --git a/t/pic.png b/t/pic.png',
    '',
  ].join('\n');
  const plain = { repo: 'a/b', test_patch: tp };
  assert.deepEqual(getTestDirectives(plain), ['tests/forms_tests/tests/test_forms.py', 'tests/forms_tests/models.py']);
  const dj = { repo: 'django/django', test_patch: tp };
  assert.deepEqual(getTestDirectives(dj), ['forms_tests.tests.test_forms', 'forms_tests.models']);
});

test('mypy with no [case] headers keeps the fork quirk: -k ""', () => {
  const task = { ...records.get('mypy')!, test_patch: 'diff --git a/x.py b/x.py\n' };
  assert.deepEqual(makeTestCommand(task, specOf(records.get('mypy')!), 'swegym'), ['pytest -n0 -rA -k ""']);
});

test('fork reset regex matches anywhere, and keeps a trailing space when no file is modified', () => {
  assert.deepEqual(regexModifiedFiles('--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n---- a/y.py\n'), ['x.py', 'y.py']);
  const task = { ...records.get('moto')!, test_patch: 'diff --git a/tests/new_test.py b/tests/new_test.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/new_test.py\n@@ -0,0 +1 @@\n+x = 1\n' };
  const s = makeEvalScript(task, specOf(records.get('moto')!), 'swegym');
  assert.match(s, new RegExp(`\\ngit checkout ${task.base_commit} \\n`));
  const cur = makeEvalScript(task, specOf(records.get('moto')!), 'swebench');
  assert.doesNotMatch(cur, /git checkout [0-9a-f]{40}/);
  assert.match(cur, /\nrm -f tests\/new_test\.py\n/);
  // v4.1.0: one `git checkout <base>` of the modified files, even when there are none
  const v41 = makeEvalScript(task, specOf(records.get('moto')!), 'swebench-4.1');
  assert.match(v41, new RegExp(`\\ngit checkout ${task.base_commit} \\n`));
  assert.doesNotMatch(v41, /rm -f/);
});

test("a SWE-bench 5.x record's eval_script is used by the swebench profile only, as make_test_spec does", () => {
  const moto = records.get('moto')!;
  const evalScript = [
    '#!/bin/bash',
    'set -uxo pipefail',
    'cd /testbed',
    "git apply -v - <<'EOF_1'",
    'set -uxo pipefail',
    'EOF_1',
    ": '>>>>> Start Test Output'",
    'pytest -rA tests/x.py',
    ": '>>>>> End Test Output'",
    'git checkout abc tests/x.py',
    '',
    '',
  ].join('\n');
  const task = { ...moto, eval_script: evalScript };
  // every line that is exactly the shebang or the set line goes, even inside a heredoc; exit-code lines added
  assert.equal(
    makeEvalScript(task, specOf(moto), 'swebench'),
    [
      '#!/bin/bash',
      'set -uxo pipefail',
      'cd /testbed',
      "git apply -v - <<'EOF_1'",
      'EOF_1',
      ": '>>>>> Start Test Output'",
      'pytest -rA tests/x.py',
      'SWEBENCH_TEST_EXIT_CODE=$?',
      ": '>>>>> End Test Output'",
      'echo ">>>>> Test Exit Code: $SWEBENCH_TEST_EXIT_CODE"',
      'git checkout abc tests/x.py',
      '',
    ].join('\n'),
  );
  // the other versions build their own script from the env spec
  for (const p of ['swegym', 'swebench-4.1', 'openhands'] as const) assert.equal(makeEvalScript(task, specOf(moto), p), makeEvalScript(moto, specOf(moto), p));
  // a script without the end marker is left as it is
  assert.equal(makeEvalScript({ ...moto, eval_script: 'echo hi\n' }, specOf(moto), 'swebench'), '#!/bin/bash\nset -uxo pipefail\necho hi\n');
});

test('unidiff file lists skip hunk bodies that look like headers', () => {
  const p = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n--- a/fake.txt\n++++ b/fake.txt\n diff\n';
  assert.deepEqual(unidiffModifiedFiles(p), ['a.txt']);
  assert.deepEqual(unidiffNewFiles('--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+1\n'), ['n.py']);
});

test('apply commands per profile', () => {
  assert.deepEqual(makeApplyCommands('swegym'), ['git apply --allow-empty -v /tmp/patch.diff', 'patch --batch --fuzz=5 -p1 -i /tmp/patch.diff']);
  assert.deepEqual(makeApplyCommands('swebench-4.1'), [
    'git apply --verbose /tmp/patch.diff',
    'git apply --verbose --reject /tmp/patch.diff',
    'patch --batch --fuzz=5 -p1 -i /tmp/patch.diff',
  ]);
  assert.deepEqual(makeApplyCommands('swebench'), [
    'git apply --verbose /tmp/patch.diff',
    'git apply --verbose --3way /tmp/patch.diff',
    'git apply --verbose --reject /tmp/patch.diff',
    'patch --batch --forward --fuzz=5 -p1 -i /tmp/patch.diff',
  ]);
  assert.deepEqual(makeApplyCommands('openhands'), [
    "cd /testbed && (git apply -v /tmp/patch.diff && echo 'APPLY_PATCH_PASS' || (echo 'Failed to apply patch with git apply, trying with patch command...' && (patch --batch --fuzz=5 -p1 -i /tmp/patch.diff && echo 'APPLY_PATCH_PASS' || echo 'APPLY_PATCH_FAIL')))",
  ]);
});

test('OpenHands patch cleaning: CRLF, junk before the first diff --git, trailing newline, empty', () => {
  assert.equal(openhandsCleanPatch('git diff --cached abc\r\n0\r\ndiff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n\r\n\r\n'), 'diff --git a/x b/x\n--- a/x\n+++ b/x\n');
  assert.equal(openhandsCleanPatch('  \n\t'), '');
  assert.equal(openhandsCleanPatch(null), '');
  assert.equal(openhandsCleanPatch('no diff header here'), 'no diff header here\n');
});
