import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { EnvSpecFile } from '../../src/core/runtime/env-spec.js';
import {
  SAMPLES_DIR,
  SAMPLE_CANDIDATES_DIR,
  SAMPLE_REPOS_DIR,
  SAMPLE_TASKS_FILE,
  sampleCandidate,
  sampleRepoSource,
} from '../../src/core/dataset/samples.js';

const LOGS = join(SAMPLES_DIR, '..', 'test', 'fixtures', 'logs');
const SPEC_FILE = join(SAMPLES_DIR, '..', 'specs', 'samples.json');

const tasks: TaskRecord[] = readFileSync(SAMPLE_TASKS_FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l, i) => {
    const parsed = TaskRecord.safeParse(JSON.parse(l));
    if (!parsed.success) throw new Error(`${SAMPLE_TASKS_FILE} line ${i + 1}: ${parsed.error.message}`);
    return parsed.data;
  });

let tmp = '';
/** One clone of each bundle, made once: repo -> directory. */
const clones = new Map<string, string>();

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function clone(repo: string): string {
  const dir = clones.get(repo);
  assert.ok(dir, `no clone for ${repo}`);
  return dir;
}

/** A fresh worktree of `repo` at `commit`, for checking that a patch applies there. */
function checkout(repo: string, commit: string, name: string): string {
  const dir = join(tmp, name);
  execFileSync('git', ['clone', '-q', '--no-checkout', clone(repo), dir]);
  git(dir, '-c', 'advice.detachedHead=false', 'checkout', '-q', commit);
  return dir;
}

function applies(dir: string, patch: string): boolean {
  return spawnSync('git', ['apply', '--check', '-'], { cwd: dir, input: patch }).status === 0;
}

/** Status per test id, the way the harness's pytest parser reads a log: first token status, second the id. */
function statuses(log: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of log.split('\n')) {
    const m = /^((?:PASSED|FAILED|SKIPPED|ERROR|XFAIL)\S*)\s+(\S+)/.exec(line);
    if (m) map.set(m[2], m[1]);
  }
  return map;
}

function log(id: string, variant: string): string {
  return readFileSync(join(LOGS, `${id}.${variant}.log`), 'utf8');
}

function changedPaths(diff: string): string[] {
  return [...diff.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]);
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'swegym-samples-test-'));
  for (const repo of new Set(tasks.map((t) => t.repo))) {
    const bundle = sampleRepoSource(repo);
    assert.ok(bundle, `no bundle for ${repo}`);
    const dir = join(tmp, repo.replace('/', '__'));
    execFileSync('git', ['clone', '-q', bundle, dir]);
    clones.set(repo, dir);
  }
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('at least 5 sample tasks over 2 repositories, all valid SWE-Gym records', () => {
  assert.ok(tasks.length >= 5, `${tasks.length} tasks`);
  assert.equal(new Set(tasks.map((t) => t.repo)).size, 2);
  assert.equal(new Set(tasks.map((t) => t.instance_id)).size, tasks.length, 'instance ids are unique');
  for (const t of tasks) {
    const [owner, name] = t.repo.split('/');
    assert.match(t.instance_id, new RegExp(`^${owner}__${name}-\\d+$`), t.instance_id);
    assert.ok(Array.isArray(t.FAIL_TO_PASS) && t.FAIL_TO_PASS.length >= 1, `${t.instance_id}: FAIL_TO_PASS`);
    assert.ok(t.PASS_TO_PASS.length >= 3, `${t.instance_id}: PASS_TO_PASS`);
    assert.ok(t.problem_statement.length > 200, `${t.instance_id}: problem statement`);
    assert.match(t.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const source = changedPaths(t.patch);
    const tests = changedPaths(t.test_patch);
    assert.ok(source.length >= 1 && source.every((p) => !p.startsWith('tests/')), `${t.instance_id}: patch is source only`);
    assert.ok(tests.length >= 1 && tests.every((p) => p.startsWith('tests/')), `${t.instance_id}: test_patch is tests only`);
  }
});

test('a malformed sample record would be rejected by the schema', () => {
  const raw = JSON.parse(readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n')[0]) as Record<string, unknown>;
  assert.equal(TaskRecord.safeParse({ ...raw, base_commit: 'HEAD' }).success, false);
  assert.equal(TaskRecord.safeParse({ ...raw, FAIL_TO_PASS: 'not json' }).success, false);
  const encoded = TaskRecord.parse({ ...raw, FAIL_TO_PASS: JSON.stringify(raw.FAIL_TO_PASS) });
  assert.deepEqual(encoded.FAIL_TO_PASS, raw.FAIL_TO_PASS);
});

test('FAIL_TO_PASS / PASS_TO_PASS are what the captured gold and empty runs say (SWE-Gym rule)', () => {
  for (const t of tasks) {
    const gold = statuses(log(t.instance_id, 'gold'));
    const empty = statuses(log(t.instance_id, 'empty'));
    const goldPassed = [...gold].filter(([, s]) => s === 'PASSED').map(([id]) => id);
    assert.deepEqual(t.FAIL_TO_PASS, goldPassed.filter((id) => empty.get(id) === 'FAILED'), `${t.instance_id} F2P`);
    assert.deepEqual(t.PASS_TO_PASS, goldPassed.filter((id) => empty.get(id) === 'PASSED'), `${t.instance_id} P2P`);
    // The logs are real pytest -rA runs of the test patch's files.
    for (const variant of ['gold', 'empty']) {
      const text = log(t.instance_id, variant);
      assert.match(text, /^Applied patch tests\/\S+ cleanly\.$/m);
      assert.match(text, /^=+ test session starts =+$/m);
      assert.match(text, /^=+ short test summary info =+$/m);
      assert.match(text, /^=+ .*\d+ passed.* in [\d.]+s =+$/m);
    }
  }
});

test('the tasks cover the harness edge cases', () => {
  const byId = new Map(tasks.map((t) => [t.instance_id, t]));
  const added = (diff: string) => diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
  const removed = (diff: string) => diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));

  // One-line fix and multi-file fix.
  assert.ok(tasks.some((t) => added(t.patch).length === 1 && removed(t.patch).length === 1), 'a one-line fix');
  assert.ok(tasks.some((t) => changedPaths(t.patch).length >= 2), 'a multi-file fix');

  // Parametrized test ids with brackets and spaces, in the logs (the records hold what the harness parser keeps).
  const spaced = tasks.filter((t) => /^PASSED \S+::\w+\[[^\]\n]* [^\]\n]*\]$/m.test(log(t.instance_id, 'gold')));
  assert.ok(spaced.length >= 1, 'a test id with brackets and spaces');
  assert.ok(spaced.some((t) => t.FAIL_TO_PASS.some((id) => id.includes('['))), 'F2P holds a parametrized test');

  // A test patch that adds a new test file and a non-code fixture.
  assert.ok(
    tasks.some((t) => /^--- \/dev\/null\n\+\+\+ b\/tests\/\S+\.py$/m.test(t.test_patch) &&
      /^--- \/dev\/null\n\+\+\+ b\/tests\/\S+\.json$/m.test(t.test_patch)),
    'a new test file and a .json fixture',
  );

  // SKIPPED and XFAIL in the tests run.
  assert.ok(tasks.some((t) => {
    const text = log(t.instance_id, 'gold');
    return /^SKIPPED \[\d+\] tests\/\S+:\d+: /m.test(text) && /^XFAIL tests\/\S+::\S+/m.test(text);
  }), 'a SKIPPED and an XFAIL test');

  // Wrong candidates: they apply, fix every FAIL_TO_PASS test and break a PASS_TO_PASS test.
  const wrong = readdirSync(SAMPLE_CANDIDATES_DIR).filter((f) => f.endsWith('.wrong.diff'));
  assert.ok(wrong.length >= 1);
  for (const file of wrong) {
    const id = file.replace(/\.wrong\.diff$/, '');
    const t = byId.get(id);
    assert.ok(t, `${file} names a sample task`);
    const run = statuses(log(id, 'wrong'));
    for (const f2p of t.FAIL_TO_PASS) assert.equal(run.get(f2p), 'PASSED', `${id} wrong: ${f2p}`);
    assert.ok(t.PASS_TO_PASS.some((p2p) => run.get(p2p) === 'FAILED'), `${id}: the wrong fix breaks a PASS_TO_PASS test`);
    assert.equal(sampleCandidate(id, 'wrong'), join(SAMPLE_CANDIDATES_DIR, file));
  }
});

test('verbose and pydantic-style logs were captured for one task', () => {
  const ours = readdirSync(LOGS).filter((f) => tasks.some((t) => f.startsWith(`${t.instance_id}.`)));
  const vv = ours.filter((f) => f.endsWith('.gold.vv.log'));
  const pyd = ours.filter((f) => f.endsWith('.gold.pydantic.log'));
  assert.equal(vv.length, 1);
  assert.equal(pyd.length, 1);
  const vvText = readFileSync(join(LOGS, vv[0]), 'utf8');
  assert.match(vvText, /^tests\/\S+::\S+.* PASSED +\[ *\d+%\]$/m);
  assert.match(vvText, /^platform linux -- Python .*\/usr\/bin\/python3/m);
  const pydText = readFileSync(join(LOGS, pyd[0]), 'utf8');
  assert.match(pydText, /^tests\/\S+::\S+.* PASSED$/m, 'classic console output: no percentage');
  assert.doesNotMatch(pydText, /^platform linux/m, '--no-header');
  // The failing counterparts show FAILED in both verbose styles.
  const id = vv[0].replace(/\.gold\.vv\.log$/, '');
  assert.match(log(id, 'empty.vv'), /^tests\/\S+::\S+.* FAILED +\[ *\d+%\]$/m);
  assert.match(log(id, 'empty.pydantic'), /^tests\/\S+::\S+.* FAILED$/m);
});

test('each bundle holds base_commit with later commits and tags beyond it', () => {
  for (const t of tasks) {
    const dir = clone(t.repo);
    assert.equal(git(dir, 'cat-file', '-t', t.base_commit).trim(), 'commit', `${t.instance_id}: base_commit present`);
    const later = git(dir, 'rev-list', '--all', '--not', t.base_commit).trim().split('\n').filter(Boolean);
    assert.ok(later.length >= 2, `${t.instance_id}: ${later.length} commits after base`);
    // The fix itself is among the later commits: the gold patch's lines are in the future, not at the base.
    const fix = git(dir, 'log', '--all', '--format=%H', '--fixed-strings', `--grep=(#${t.instance_id.split('-').pop()})`).trim();
    assert.ok(later.includes(fix), `${t.instance_id}: fix commit ${fix} after base`);
    assert.equal(git(dir, 'rev-parse', `${fix}^`).trim(), t.base_commit);
  }
  for (const repo of clones.keys()) {
    const dir = clone(repo);
    const tagsAfterSomeBase = git(dir, 'tag').trim().split('\n').filter((tag) =>
      tasks.some((t) => t.repo === repo && git(dir, 'rev-list', `${t.base_commit}..${tag}^{commit}`).trim() !== ''));
    assert.ok(tagsAfterSomeBase.length >= 1, `${repo}: a tag after a base commit`);
  }
});

test('every patch applies at base_commit; noapply candidates do not, not even with patch --fuzz=5', () => {
  for (const t of tasks) {
    const dir = checkout(t.repo, t.base_commit, `apply-${t.instance_id}`);
    assert.ok(applies(dir, t.patch), `${t.instance_id}: gold patch applies`);
    assert.ok(applies(dir, t.test_patch), `${t.instance_id}: test patch applies`);
    const wrong = sampleCandidate(t.instance_id, 'wrong');
    if (wrong) assert.ok(applies(dir, readFileSync(wrong, 'utf8')), `${t.instance_id}: wrong candidate applies`);
    const noapply = sampleCandidate(t.instance_id, 'noapply');
    if (noapply) {
      assert.equal(applies(dir, readFileSync(noapply, 'utf8')), false, `${t.instance_id}: noapply fails git apply`);
      const fuzzy = spawnSync('patch', ['--dry-run', '--batch', '--fuzz=5', '-p1', '-i', noapply], { cwd: dir });
      assert.notEqual(fuzzy.status, 0, `${t.instance_id}: noapply fails patch --fuzz=5`);
    }
  }
  assert.ok(readdirSync(SAMPLE_CANDIDATES_DIR).some((f) => f.endsWith('.noapply.diff')));
});

test('the repositories git-ignore *.local.py and build/ at every base commit', () => {
  for (const t of tasks) {
    const dir = checkout(t.repo, t.base_commit, `ignore-${t.instance_id}`);
    for (const path of ['tests/conftest.local.py', 'build/lib/x.py']) {
      const res = spawnSync('git', ['check-ignore', '-q', path], { cwd: dir });
      assert.equal(res.status, 0, `${t.instance_id}: ${path} is ignored`);
    }
    assert.notEqual(spawnSync('git', ['check-ignore', '-q', 'tests/test_x.py'], { cwd: dir }).status, 0);
  }
});

test('the generator rebuilds the same commits and tags into a temp dir', () => {
  const out = join(tmp, 'rebuilt');
  execFileSync('bash', [join(SAMPLES_DIR, 'build-repos.sh'), out], { stdio: 'pipe' });
  const shipped = readdirSync(SAMPLE_REPOS_DIR).filter((f) => f.endsWith('.bundle')).sort();
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.bundle')).sort(), shipped);
  for (const name of shipped) {
    const heads = (file: string) => git(tmp, 'bundle', 'list-heads', file).trim().split('\n').sort();
    const rebuilt = heads(join(out, name));
    assert.deepEqual(rebuilt, heads(join(SAMPLE_REPOS_DIR, name)), name);
    assert.ok(rebuilt.some((l) => l.endsWith(' refs/heads/main')) && rebuilt.some((l) => / refs\/tags\//.test(l)));
  }
});

test('sampleRepoSource and the env spec file cover every sample repo and version', () => {
  const specs = EnvSpecFile.parse(JSON.parse(readFileSync(SPEC_FILE, 'utf8')));
  for (const t of tasks) {
    const bundle = sampleRepoSource(t.repo);
    assert.ok(bundle && existsSync(bundle), t.repo);
    assert.equal(sampleRepoSource(t.repo.toUpperCase()), bundle, 'repo names match in any case');
    const spec = specs.repos[t.repo]?.[t.version];
    assert.ok(spec, `spec for ${t.repo} ${t.version}`);
    assert.equal(spec.test_cmd, 'pytest -rA');
    assert.equal(spec.parser, 'pytest');
    assert.deepEqual(spec.activate, []);
  }
  assert.equal(sampleRepoSource('swegym-samples/nope'), undefined);
  assert.equal(sampleRepoSource('not a repo'), undefined);
  assert.equal(sampleCandidate('swegym-samples__nope-1', 'wrong'), undefined);
});
