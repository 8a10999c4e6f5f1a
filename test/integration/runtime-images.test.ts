import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureEnvImage, ensureInstanceImage, envImageTag, ImageError } from '../../src/core/runtime/images.js';
import { baseImageTag } from '../../src/core/runtime/base-image.js';
import { stripHistory } from '../../src/core/runtime/strip-history.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { docker, leftoverContainers, makeTinyRepo, testProvider, TEST_IMAGE, uniqueId, type TinyRepo } from '../helpers/docker.js';

const run = uniqueId('rt-images');
const { provider, labels } = testProvider(run);
/** A package name nobody has: only gives this test run its own base tag (pre-tagged from the dev image). */
const marker = `swegym-test-marker-${run}`;
const spec: EnvSpec = {
  test_cmd: 'pytest -rA',
  parser: 'pytest',
  activate: [],
  base_packages: ['python3', 'python3-pytest', marker],
  env_setup: ['echo env-layer > /opt/env-marker'],
  pre_install: ['echo pre > /tmp/pre-marker'],
  install: 'echo installed > /opt/install-marker && pip install --no-such-option-would-fail-offline thing',
};
const baseTag = baseImageTag(spec.base_packages);
const createdImages: string[] = [];
let repo: TinyRepo;

function task(id: string, r: TinyRepo): TaskRecord {
  return TaskRecord.parse({
    instance_id: id,
    repo: 'swegym-test/tiny',
    base_commit: r.base,
    patch: '',
    test_patch: '',
    problem_statement: 'x',
    version: '0.1',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
  });
}

before(async () => {
  repo = makeTinyRepo();
  const [r, t] = baseTag.split(':') as [string, string];
  await docker.getImage(TEST_IMAGE).tag({ repo: r, tag: t });
  createdImages.push(baseTag);
});

after(async () => {
  repo?.cleanup();
  for (const img of createdImages.reverse()) await docker.getImage(img).remove({ noprune: false }).catch(() => undefined);
  assert.deepEqual(await leftoverContainers(labels), []);
  assert.deepEqual(await leftoverContainers({ 'io.swegym.role': 'build', 'io.swegym.pid': String(process.pid) }), [], 'no build container left');
});

test('history stripping: nothing beyond base_commit is reachable or listed', async () => {
  const rt = await provider.start({ image: TEST_IMAGE, labels });
  try {
    // A "pulled" repository with full history: every branch, tag and the stash.
    const bundle = join(repo.dir, '..', `${run}.bundle`);
    execFileSync('git', ['-C', repo.dir, 'bundle', 'create', bundle, '--all']);
    await rt.writeFile('/tmp/r.bundle', readFileSync(bundle));
    const clone = await rt.exec(
      `git clone -q /tmp/r.bundle /testbed && cd /testbed && git fetch -q origin 'refs/stash:refs/stash' 'refs/tags/*:refs/tags/*' && git checkout -q ${repo.base} && git rev-list --all | wc -l`,
    );
    assert.equal(clone.exitCode, 0, clone.output);
    assert.ok(Number(clone.output.trim()) >= 6, `the clone has the future before stripping: ${clone.output}`);
    await stripHistory(rt, repo.base);
    const revs = (await rt.exec('cd /testbed && git rev-list --all')).output.trim().split('\n');
    const ancestors = (await rt.exec(`cd /testbed && git rev-list ${repo.base}`)).output.trim().split('\n');
    assert.deepEqual(revs.sort(), ancestors.sort());
    assert.equal(revs.length, 2);
    assert.equal((await rt.exec('cd /testbed && git tag')).output, '');
    assert.equal((await rt.exec('cd /testbed && git branch -a --format="%(refname)"')).output, 'refs/heads/main\n');
    assert.equal((await rt.exec('cd /testbed && git reflog --all')).output, '');
    assert.equal((await rt.exec('cd /testbed && git stash list')).output, '');
    assert.equal((await rt.exec('cd /testbed && git remote')).output, '');
    assert.equal((await rt.exec('cd /testbed && git rev-parse HEAD')).output.trim(), repo.base);
    for (const future of repo.future) {
      const r = await rt.exec(`cd /testbed && git cat-file -e ${future}`);
      assert.notEqual(r.exitCode, 0, `object ${future} must be gone`);
    }
    assert.equal((await rt.exec('cd /testbed && git log --all --oneline | grep -c "future" || true')).output.trim(), '0');
    assert.equal((await rt.exec('cd /testbed && git fsck --unreachable --no-reflogs 2>/dev/null | wc -l')).output.trim(), '0');
    assert.equal((await rt.exec('cd /testbed && git status --porcelain')).output, '');
  } finally {
    await rt.stop();
  }
});

test('layered build from a local git directory: base -> env -> instance, cached on the second call', async () => {
  const id = `swegym-test__tiny-${run}`;
  const t = task(id, repo);
  const lines: string[] = [];
  const first = await ensureInstanceImage(t, spec, { repoSource: repo.dir, pull: false, docker, onLog: (l) => lines.push(l) });
  createdImages.push(first.image, envImageTag(spec, baseTag));
  assert.deepEqual(first, { image: `sweb.eval.x86_64.${id.toLowerCase()}`, source: 'built' });
  assert.ok(lines.some((l) => /offline: skipping "pip install/.test(l)), 'the network-bound install part was skipped');

  const again = await ensureInstanceImage(t, spec, { repoSource: repo.dir, pull: false, docker });
  assert.deepEqual(again, { image: first.image, source: 'local' });
  const env = await ensureEnvImage(spec, { docker });
  assert.deepEqual(env, { image: envImageTag(spec, baseTag), built: false, baseBuilt: false });

  const rt = await provider.start({ image: first.image, labels });
  try {
    const r = await rt.exec(
      'pwd; cat /opt/env-marker /tmp/pre-marker /opt/install-marker; git rev-parse HEAD; git rev-list --all | wc -l; git tag | wc -l; readlink /workspace/swegym-test__tiny__0.1; git config user.name; test -e pkg/fix.py || echo no-future-file',
    );
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(
      r.output,
      `/testbed\nenv-layer\npre\ninstalled\n${repo.base}\n2\n0\n/testbed\nswegym\nno-future-file\n`,
    );
    const info = await docker.getImage(first.image).inspect();
    assert.equal(info.Config.WorkingDir, '/testbed');
    assert.equal(info.Config.Labels['io.swegym.instance'], id);
  } finally {
    await rt.stop();
  }
});

test('a local image that swegym did not build counts as pulled (a rollout strips its history); one it built is local', async () => {
  const id = `swegym-test__foreign-${run}`;
  const t = task(id, repo);
  // An "official" image someone pulled earlier: present locally under the SWE-Gym name, without swegym's build label.
  const official = `xingyaoww/sweb.eval.x86_64.${id.replace(/__/g, '_s_').toLowerCase()}`;
  await docker.getImage(TEST_IMAGE).tag({ repo: official, tag: 'latest' });
  createdImages.push(`${official}:latest`);
  assert.deepEqual(await ensureInstanceImage(t, spec, { pull: false, docker }), { image: `docker.io/${official}`, source: 'pulled' });
  const built = await ensureInstanceImage(task(`swegym-test__tiny-${run}`, repo), spec, { repoSource: repo.dir, pull: false, docker });
  assert.equal(built.source, 'local', 'an image swegym built is local');
  assert.equal((await docker.getImage(built.image).inspect()).Config.Labels['io.swegym.managed'], '', 'build-container labels are blanked in the image');
});

test('a failing build step throws ImageError with the reason; a missing repository too', async () => {
  const badSpec: EnvSpec = { ...spec, install: 'echo about to fail && false' };
  const t = task(`swegym-test__tiny-fail-${run}`, repo);
  await assert.rejects(
    ensureInstanceImage(t, badSpec, { repoSource: repo.dir, pull: false, docker }),
    (e: unknown) => e instanceof ImageError && /build step "install" exited with code 1/.test(e.message) && /about to fail/.test(e.message),
  );
  await assert.rejects(ensureInstanceImage(t, spec, { pull: false, docker }), (e: unknown) => e instanceof ImageError && /--repo-source/.test(e.message));
  const wrongBase = { ...t, base_commit: '0'.repeat(40) };
  await assert.rejects(ensureInstanceImage(wrongBase, spec, { repoSource: repo.dir, pull: false, docker }), ImageError);
  assert.equal(await docker.getImage(`sweb.eval.x86_64.${t.instance_id.toLowerCase()}`).inspect().then(() => true, () => false), false);
});

const samplesDir = join(import.meta.dirname, '..', '..', 'samples');
test('a bundled sample builds from samples/repos and its tests run offline', { skip: !existsSync(join(samplesDir, 'tasks.jsonl')) && 'samples not present' }, async () => {
  const first = TaskRecord.parse(JSON.parse(readFileSync(join(samplesDir, 'tasks.jsonl'), 'utf8').split('\n')[0]!));
  const t = { ...first, instance_id: `${first.instance_id}-t${run.split('-').at(-1)}` };
  const sampleSpec: EnvSpec = { test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: spec.base_packages };
  const got = await ensureInstanceImage(t, sampleSpec, { repoSource: join(samplesDir, 'repos'), pull: false, docker });
  createdImages.push(got.image, envImageTag(sampleSpec, baseTag));
  assert.equal(got.source, 'built');
  const rt = await provider.start({ image: got.image, labels });
  try {
    assert.equal((await rt.exec('git rev-parse HEAD')).output.trim(), t.base_commit);
    assert.equal((await rt.exec('git rev-list --all --not HEAD | wc -l')).output.trim(), '0');
    const tests = await rt.exec('python3 -m pytest -q -p no:cacheprovider 2>&1 | tail -n 3', { timeoutSec: 120 });
    assert.match(tests.output, /passed/);
  } finally {
    await rt.stop();
  }
});
