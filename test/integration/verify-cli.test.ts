import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { SAMPLE_TASKS_FILE, sampleRepoSource } from '../../src/core/dataset/samples.js';
import { docker, removeBuilds, testProvider, TEST_IMAGE, uniqueId } from '../helpers/docker.js';

const { provider, labels } = testProvider(uniqueId('verify-cli'));

// The commands write logs/run_evaluation/... under the working directory, like the harness.
const cwd = mkdtempSync(join(tmpdir(), 'verify-cli-'));
process.chdir(cwd);
test.after(() => rmSync(cwd, { recursive: true, force: true }));

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTTY: false }, out, err };
};

test('swegym verify --predictions gold: plain progress lines, harness summary, exit 0', async () => {
  const c = capture();
  const code = await verifyCommand({ dataset: 'samples', predictions: 'gold', instances: ['swegym-samples__ledger-8'], runId: 'cli', report: join(cwd, 'r.json') }, c.io);
  assert.equal(code, 0, c.err.join(''));
  assert.match(c.err.join(''), /^\[1\/1\] swegym-samples__ledger-8: resolved /m);
  assert.match(c.out.join(''), /Instances resolved: 1/);
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')).resolved_ids, ['swegym-samples__ledger-8']);
  assert.ok(existsSync(join(cwd, 'logs/run_evaluation/cli/gold/swegym-samples__ledger-8/report.json')));
});

test('swegym verify: bad input is exit code 2 with a clear message', async () => {
  const c = capture();
  assert.equal(await verifyCommand({ dataset: 'samples', predictions: join(cwd, 'nope.jsonl') }, c.io), 2);
  assert.match(c.err.join(''), /nope\.jsonl: cannot read/);
  const d = capture();
  assert.equal(await verifyCommand({ dataset: 'samples', predictions: 'gold', profile: 'bogus' }, d.io), 2);
  assert.match(d.err.join(''), /--profile must be one of swegym, swebench, swebench-4.1, openhands/);
});

test('swegym validate --runs 1 on one sample: gold validated, exit 0', async () => {
  const c = capture();
  const code = await validateCommand({ dataset: 'samples', instances: ['swegym-samples__durations-12'], runs: 1, out: join(cwd, 'val') }, c.io);
  assert.equal(code, 0, c.err.join('') + c.out.join(''));
  const r = JSON.parse(readFileSync(join(cwd, 'val', 'swegym-samples__durations-12.json'), 'utf8'));
  assert.equal(r.gold_validated, true);
  assert.equal(r.fail_to_pass_fail_on_base, true);
});

const sampleRecord = (id: string) =>
  JSON.parse(readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n').find((l) => l.includes(`"${id}"`))!) as Record<string, unknown>;

test('--repo-source DIR: a missing image is built from a local git directory or a mirror; the pull attempt fails softly', async () => {
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const src = join(cwd, 'src-repos');
  mkdirSync(src);
  // a working clone (a git directory) and a bare mirror in a folder of repositories, both from the sample bundle
  execFileSync('git', ['clone', '-q', sampleRepoSource('swegym-samples/ledger')!, join(src, 'work')]);
  execFileSync('git', ['clone', '-q', '--mirror', sampleRepoSource('swegym-samples/ledger')!, join(src, 'mirrors', 'swegym-audit__ledger.git')]);
  // A repo name the bundled samples do not know, so only --repo-source can provide it (and --env-spec its spec).
  const spec = join(cwd, 'audit-spec.json');
  writeFileSync(spec, JSON.stringify({ source: 'audit: the ledger sample under another name', repos: { 'swegym-audit/ledger': { '0.1': { python: '3.11', test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', 'git', 'patch', 'procps'] } } } }));
  const ids = [`swegym-samples__ledger-8-dir${stamp}`, `swegym-samples__ledger-8-mirror${stamp}`];
  const images = ids.map((id) => `sweb.eval.x86_64.${id.toLowerCase()}`);
  try {
    for (const [i, id] of ids.entries()) {
      const file = join(cwd, `task-${i}.jsonl`);
      writeFileSync(file, JSON.stringify({ ...sampleRecord('swegym-samples__ledger-8'), instance_id: id, repo: 'swegym-audit/ledger' }) + '\n');
      const repoSource = i === 0 ? join(src, 'work') : join(src, 'mirrors');
      const c = capture();
      // No pull here: the suite sends nothing past loopback (the pull path is proven against a registry on
      // 127.0.0.1 in runtime-pull.test.ts).
      const code = await verifyCommand({ dataset: file, predictions: 'gold', runId: `repo-source-${i}`, repoSource, envSpec: [spec], noPull: true, report: join(cwd, `rs-${i}.json`) }, c.io);
      const err = c.err.join('');
      assert.equal(code, 0, err);
      assert.doesNotMatch(err, /\[swegym\] pulling/, 'no pull with --no-pull');
      assert.match(err, /built sweb\.eval\.x86_64\.swegym-samples__ledger-8-/, err);
      assert.equal(err.match(/built sweb\.eval/g)?.length, 1, "one built line");
      assert.match(err, new RegExp(`\\[1/1\\] ${id}: resolved`));
      const info = await docker.getImage(images[i]!).inspect();
      assert.equal(info.Config.Labels['io.swegym.instance'], id);
      assert.notEqual(info.Config.Labels['io.swegym.managed'], '1', "the build container's labels are not baked into the image");
      const rt = await provider.start({ image: images[i]!, labels });
      try {
        const r = await rt.exec(`cd /testbed && git rev-parse HEAD && git rev-list --all --not HEAD | wc -l && git tag | wc -l && git remote | wc -l`);
        assert.equal(r.output, `${sampleRecord('swegym-samples__ledger-8').base_commit}\n0\n0\n0\n`, 'nothing after base_commit');
      } finally {
        await rt.stop();
      }
    }
    // Without it, the same record is an image_error verdict that says what to pass; --no-pull skips the pull.
    const file = join(cwd, 'task-none.jsonl');
    writeFileSync(file, JSON.stringify({ ...sampleRecord('swegym-samples__ledger-8'), instance_id: `swegym-samples__ledger-8-none${stamp}`, repo: 'swegym-audit/ledger' }) + '\n');
    const c = capture();
    assert.equal(await verifyCommand({ dataset: file, predictions: 'gold', runId: 'repo-source-none', envSpec: [spec], noPull: true, report: join(cwd, 'rs-none.json') }, c.io), 1);
    assert.match(c.err.join(''), /: image_error .*pass --repo-source PATH/);
    assert.doesNotMatch(c.err.join(''), /pulling/);
  } finally {
    for (const img of images) await removeBuilds(img);
  }
});

test('--env-spec FILE overrides the built-in spec end to end; a malformed one is exit 2 naming file and field', async () => {
  const spec = join(cwd, 'my-spec.json');
  // Same environment, but a test command that only collects: every test goes missing from the log, so gold fails.
  writeFileSync(spec, JSON.stringify({ source: 'audit test override', repos: { 'swegym-samples/ledger': { '0.1': { python: '3.11', test_cmd: 'pytest -rA --collect-only -q', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', 'git', 'patch', 'procps'] } } } }));
  const c = capture();
  const code = await verifyCommand({ dataset: 'samples', predictions: 'gold', instances: ['swegym-samples__ledger-8'], runId: 'env-spec', envSpec: [spec], report: join(cwd, 'es.json') }, c.io);
  assert.equal(code, 1, c.err.join(''));
  assert.match(c.err.join(''), /\[1\/1\] swegym-samples__ledger-8: unresolved/);
  assert.match(readFileSync(join(cwd, 'logs/run_evaluation/env-spec/gold/swegym-samples__ledger-8/eval.sh'), 'utf8'), /pytest -rA --collect-only -q /);
  writeFileSync(spec, JSON.stringify({ source: 'bad', repos: { 'swegym-samples/ledger': { '0.1': { test_cmd: 42 } } } }));
  const d = capture();
  assert.equal(await verifyCommand({ dataset: 'samples', predictions: 'gold', envSpec: [spec] }, d.io), 2);
  assert.match(d.err.join(''), /my-spec\.json:\d+: \$\.repos\["swegym-samples\/ledger"\]\["0\.1"\]\.test_cmd/);
});

test('the sweep at start removes a crashed run\'s container and says how many it removed', async () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited: its containers are leftovers
  const leftover = await docker.createContainer({
    Image: TEST_IMAGE,
    Entrypoint: ['tail'],
    Cmd: ['-f', '/dev/null'],
    Labels: { 'io.swegym.managed': '1', 'io.swegym.pid': String(dead), 'io.swegym.host': hostname(), 'io.swegym.test': 'verify-cli-sweep' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await leftover.start();
    const c = capture();
    const code = await verifyCommand({ dataset: 'samples', predictions: 'empty', instances: ['swegym-samples__ledger-8'], runId: 'sweep', report: join(cwd, 'sw.json') }, c.io);
    assert.equal(code, 0, c.err.join(''));
    assert.match(c.err.join(''), /swegym verify: removed [1-9]\d* leftover containers? of a crashed run/);
    assert.equal(await leftover.inspect().then(() => true, () => false), false, 'the leftover is gone');
  } finally {
    await leftover.remove({ force: true }).catch(() => undefined);
  }
});

test('verify --skip-invalid: the valid records are verified, each malformed one is named; without it, exit 2', async () => {
  const bad = join(import.meta.dirname, '..', 'fixtures', 'datasets', 'malformed.jsonl');
  const c = capture();
  assert.equal(await verifyCommand({ dataset: bad, predictions: 'gold' }, c.io), 2);
  assert.match(c.err.join(''), /malformed\.jsonl:2/);
  const d = capture();
  // empty predictions: graded without a container, so the moto/mypy records need no image here
  const code = await verifyCommand({ dataset: bad, predictions: 'empty', skipInvalid: true, runId: 'skip-invalid', report: join(cwd, 'si.json') }, d.io);
  assert.equal(code, 0, d.err.join(''));
  for (const line of [2, 3, 4, 6, 7]) assert.match(d.err.join(''), new RegExp(`skipped invalid record: .*malformed\\.jsonl:${line}: `));
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, 'si.json'), 'utf8')).empty_patch_ids, ['getmoto__moto-101', 'getmoto__moto-304']);
});
