import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureEnvImage, ensureInstanceImage, ImageError, OfflineEnvError } from '../../src/core/runtime/images.js';
import { baseImageTag } from '../../src/core/runtime/base-image.js';
import { stripHistory } from '../../src/core/runtime/strip-history.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { docker, leftoverContainers, makeTinyRepo, removeRepoLayers, testProvider, TEST_IMAGE, uniqueId, type TinyRepo } from '../helpers/docker.js';

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
/** The same without the step an offline build cannot do. */
const offlineSpec: EnvSpec = { ...spec, install: 'echo installed > /opt/install-marker' };
const baseTag = baseImageTag(spec.base_packages);
const createdImages: string[] = [];
/** Every image a test built: the content-keyed tag and `:latest` (removing both removes the image). */
async function track(image: string): Promise<void> {
  createdImages.push(image, image.replace(/:sg-[0-9a-f]+$/, ':latest'));
}
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
  // Repository layers made from this run's repository (their tip is its main branch).
  if (repo) await removeRepoLayers(execFileSync('git', ['-C', repo.dir, 'rev-parse', 'refs/heads/main'], { encoding: 'utf8' }).trim());
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
  // The spec's install needs pip from an index: offline that is an error naming the step and the ways out ...
  await assert.rejects(
    ensureInstanceImage(t, spec, { repoSource: repo.dir, pull: false, docker }),
    (e: unknown) => e instanceof OfflineEnvError && /install: "pip install --no-such-option/.test(e.message) && /--image-template/.test(e.message) && /--allow-partial-env/.test(e.message),
  );
  // ... unless a partial environment is accepted: then the step is left out and the image says so.
  const lines: string[] = [];
  const first = await ensureInstanceImage(t, spec, { repoSource: repo.dir, pull: false, docker, allowPartialEnv: true, onLog: (l) => lines.push(l) });
  await track(first.image);
  const env = await ensureEnvImage(spec, { docker });
  createdImages.push(env.image);
  assert.match(first.image, new RegExp(`^sweb\\.eval\\.x86_64\\.${id.toLowerCase()}:sg-[0-9a-f]{16}$`));
  assert.deepEqual({ ...first, image: '' }, { image: '', source: 'built', partial: true });
  assert.ok(lines.some((l) => /offline: leaving out "pip install/.test(l)), lines.join('\n'));
  assert.equal(lines.filter((l) => l.startsWith('[swegym] built ')).length, 1, 'one "built" line');
  assert.ok(!lines.some((l) => /^\+ git/.test(l)), 'build output goes to the log file, not to onLog');

  const again = await ensureInstanceImage(t, spec, { repoSource: repo.dir, pull: false, docker, allowPartialEnv: true });
  assert.deepEqual(again, { image: first.image, source: 'local', partial: true });
  assert.deepEqual(env.built, false);

  const rt = await provider.start({ image: first.image, labels });
  try {
    const r = await rt.exec(
      'pwd; cat /opt/env-marker /tmp/pre-marker /opt/install-marker; git rev-parse HEAD; git rev-list --all | wc -l; git tag | wc -l; readlink /workspace/swegym-test__tiny__0.1; git config user.name; test -e pkg/fix.py || echo no-future-file; git branch --show-current',
    );
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(
      r.output,
      `/testbed\nenv-layer\npre\ninstalled\n${repo.base}\n2\n0\n/testbed\nswegym\nno-future-file\nmain\n`,
    );
    const info = await docker.getImage(first.image).inspect();
    assert.equal(info.Config.WorkingDir, '/testbed');
    assert.equal(info.Config.Labels['io.swegym.instance'], id);
    assert.equal(info.Config.Labels['io.swegym.env-partial'], '1');
    assert.equal(info.Config.Labels['io.swegym.commit'], repo.base);
    // No object beyond base_commit's history is left, not even unreachable (the repository layer below holds them).
    const objs = await rt.exec('git cat-file --batch-all-objects --batch-check | wc -l; git rev-list --objects --all | wc -l; git count-objects -v | grep -E "^(count|packs):"');
    const [all, reachable] = objs.output.split('\n');
    assert.equal(all, reachable, objs.output);
    for (const future of repo.future) assert.notEqual((await rt.exec(`git cat-file -e ${future}`)).exitCode, 0, `object ${future} must be gone`);
    // Runnable as the official images are: no entrypoint, bash as the command.
    assert.ok(!info.Config.Entrypoint || info.Config.Entrypoint.length === 0, `no entrypoint: ${JSON.stringify(info.Config.Entrypoint)}`);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', first.image, 'bash', '-c', 'echo hi'], { encoding: 'utf8' });
    assert.equal(out, 'hi\n');
  } finally {
    await rt.stop();
  }
});

test('content keys: a changed spec rebuilds under a new name and says why; --rebuild forces it; the old image stays usable', async () => {
  const id = `swegym-test__keyed-${run}`;
  const t = task(id, repo);
  const lines: string[] = [];
  const a = await ensureInstanceImage(t, offlineSpec, { repoSource: repo.dir, pull: false, docker, onLog: (l) => lines.push(l) });
  await track(a.image);
  assert.equal(a.source, 'built');
  assert.equal('partial' in a, false);
  // An eval-only key (test_cmd) does not change the image.
  const same = await ensureInstanceImage(t, { ...offlineSpec, test_cmd: 'pytest -x' }, { repoSource: repo.dir, pull: false, docker });
  assert.deepEqual(same, { image: a.image, source: 'local' });
  // A build key does: a new image under another name, and one line saying which key changed.
  lines.length = 0;
  const changed: EnvSpec = { ...offlineSpec, install: 'echo changed > /opt/install-marker' };
  const b = await ensureInstanceImage(t, changed, { repoSource: repo.dir, pull: false, docker, onLog: (l) => lines.push(l) });
  await track(b.image);
  assert.equal(b.source, 'built');
  assert.notEqual(b.image, a.image);
  const why = lines.filter((l) => l.startsWith('[swegym] rebuilding'));
  assert.equal(why.length, 1, lines.join('\n'));
  assert.match(why[0]!, /its env spec changed \(install\)/);
  const latest = await docker.getImage(`sweb.eval.x86_64.${id.toLowerCase()}`).inspect();
  assert.equal(latest.Id, (await docker.getImage(b.image).inspect()).Id, ':latest follows the newest build');
  // Back to the first spec: its image is still there and is reused, no rebuild.
  assert.deepEqual(await ensureInstanceImage(t, offlineSpec, { repoSource: repo.dir, pull: false, docker }), { image: a.image, source: 'local' });
  // --rebuild builds again even though a matching image exists.
  lines.length = 0;
  const c = await ensureInstanceImage(t, offlineSpec, { repoSource: repo.dir, pull: false, docker, rebuild: true, onLog: (l) => lines.push(l) });
  await track(c.image);
  assert.equal(c.source, 'built');
  assert.ok(lines.some((l) => /rebuilding .*: --rebuild/.test(l)), lines.join('\n'));
  const rt = await provider.start({ image: b.image, labels });
  try {
    assert.equal((await rt.exec('cat /opt/install-marker')).output, 'changed\n');
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
  const built = await ensureInstanceImage(task(`swegym-test__tiny-${run}`, repo), spec, { repoSource: repo.dir, pull: false, docker, allowPartialEnv: true });
  assert.equal(built.source, 'local', 'an image swegym built is local');
  assert.equal((await docker.getImage(built.image).inspect()).Config.Labels['io.swegym.managed'], '', 'build-container labels are blanked in the image');
});

test('a failing build step throws ImageError with the reason; a missing repository too', async () => {
  const badSpec: EnvSpec = { ...offlineSpec, install: 'echo about to fail && false' };
  const t = task(`swegym-test__tiny-fail-${run}`, repo);
  await assert.rejects(
    ensureInstanceImage(t, badSpec, { repoSource: repo.dir, pull: false, docker }),
    (e: unknown) => e instanceof ImageError && /build step "install" exited with code 1/.test(e.message) && /about to fail/.test(e.message),
  );
  await assert.rejects(ensureInstanceImage(t, offlineSpec, { pull: false, docker }), (e: unknown) => e instanceof ImageError && /--repo-source/.test(e.message));
  const wrongBase = { ...t, base_commit: '0'.repeat(40) };
  await assert.rejects(
    ensureInstanceImage(wrongBase, offlineSpec, { repoSource: repo.dir, pull: false, docker }),
    (e: unknown) => e instanceof ImageError && e.message.includes(`commit ${'0'.repeat(40)} of swegym-test/tiny is not in --repo-source ${repo.dir}`),
  );
  assert.equal(await docker.getImage(`sweb.eval.x86_64.${t.instance_id.toLowerCase()}`).inspect().then(() => true, () => false), false);
});

test('a base commit off the default branch: built from the repository layer plus the missing objects, nothing else', async () => {
  const side = execFileSync('git', ['-C', repo.dir, 'rev-parse', 'refs/heads/side'], { encoding: 'utf8' }).trim();
  const t = { ...task(`swegym-test__side-${run}`, repo), base_commit: side };
  const got = await ensureInstanceImage(t, offlineSpec, { repoSource: repo.dir, pull: false, docker });
  await track(got.image);
  const rt = await provider.start({ image: got.image, labels });
  try {
    const r = await rt.exec('git rev-parse HEAD; cat side.txt; git rev-list --all | wc -l; test -e pkg/fix.py || echo no-future-file');
    assert.equal(r.output, `${side}\nside\n3\nno-future-file\n`);
    const objs = await rt.exec('git cat-file --batch-all-objects --batch-check | wc -l; git rev-list --objects --all | wc -l');
    const [all, reachable] = objs.output.split('\n');
    assert.equal(all, reachable, objs.output);
  } finally {
    await rt.stop();
  }
});

const samplesDir = join(import.meta.dirname, '..', '..', 'samples');
test('a bundled sample builds from samples/repos and its tests run offline', { skip: !existsSync(join(samplesDir, 'tasks.jsonl')) && 'samples not present' }, async () => {
  const first = TaskRecord.parse(JSON.parse(readFileSync(join(samplesDir, 'tasks.jsonl'), 'utf8').split('\n')[0]!));
  const t = { ...first, instance_id: `${first.instance_id}-t${run.split('-').at(-1)}` };
  const sampleSpec: EnvSpec = { test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: spec.base_packages };
  const got = await ensureInstanceImage(t, sampleSpec, { repoSource: join(samplesDir, 'repos'), pull: false, docker });
  await track(got.image);
  createdImages.push((await ensureEnvImage(sampleSpec, { docker })).image);
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
