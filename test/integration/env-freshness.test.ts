/**
 * Environments never go stale, and offline builds are honest (issue 12): through `swegym verify` on the real
 * engine, with a copy of a sample task under a repository name of its own (so its spec comes only from --env-spec,
 * and --repo-source must find the repository by its base commit: the bundle's file name does not match).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { SAMPLE_REPOS_DIR, SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { docker, removeBuilds } from '../helpers/docker.js';

const cwd = mkdtempSync(join(tmpdir(), 'env-fresh-'));
process.chdir(cwd);
const stamp = `${process.pid}${Date.now().toString(36)}`;
const images: string[] = [];
after(async () => {
  for (const img of images) await removeBuilds(img);
  rmSync(cwd, { recursive: true, force: true });
});

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTTY: false }, out, err };
};

const sample = JSON.parse(readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n').find((l) => l.includes('"swegym-samples__ledger-8"'))!) as Record<string, unknown>;
const REPO = 'swegym-fresh/ledger';
const baseSpec = { python: '3.11', test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', 'git', 'patch', 'procps'], published_images: false };

function dataset(id: string): string {
  const file = join(cwd, `${id}.jsonl`);
  writeFileSync(file, JSON.stringify({ ...sample, instance_id: id, repo: REPO }) + '\n');
  images.push(`sweb.eval.x86_64.${id.toLowerCase()}`);
  return file;
}

function specFile(name: string, spec: Record<string, unknown>): string {
  const file = join(cwd, `${name}.json`);
  writeFileSync(file, JSON.stringify({ source: `env-freshness test: ${name}`, repos: { [REPO]: { '0.1': spec } } }, null, 2));
  return file;
}

async function verify(file: string, spec: string, runId: string, extra: Record<string, unknown> = {}) {
  const c = capture();
  const report = join(cwd, `${runId}.json`);
  const code = await verifyCommand({ dataset: file, predictions: 'gold', runId, envSpec: [spec], repoSource: SAMPLE_REPOS_DIR, report, ...extra }, c.io);
  return { code, err: c.err.join(''), report: code === 2 ? undefined : (JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>) };
}

test('gold, a changed --env-spec, gold again: resolved both times, rebuilt in between with a line saying why', async () => {
  const id = `swegym-fresh__ledger-8-${stamp}`;
  const file = dataset(id);
  // A spec that breaks the environment: every test run dies in conftest.py. Gold is unresolved, as it should be.
  const broken = specFile('broken', { ...baseSpec, pre_install: ['printf "raise SystemExit(\\"broken environment\\")\\n" > /testbed/conftest.py'] });
  const fixed = specFile('fixed', baseSpec);

  const a = await verify(file, fixed, 'fresh-a');
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(a.report!.resolved_ids, [id]);
  assert.match(a.err, /built sweb\.eval\.x86_64\.swegym-fresh__ledger-8-/);

  const b = await verify(file, broken, 'fresh-b');
  assert.equal(b.code, 1, b.err);
  assert.deepEqual(b.report!.resolved_ids, [], 'the changed environment is really used (not the image built for the first spec)');
  const why = b.err.split('\n').filter((l) => l.includes('rebuilding'));
  assert.equal(why.length, 1, b.err);
  assert.match(why[0]!, /its env spec changed \(pre_install\)/);

  const c = await verify(file, fixed, 'fresh-c');
  assert.equal(c.code, 0, c.err);
  assert.deepEqual(c.report!.resolved_ids, [id], 'back on the first spec: its image, resolved again');
  assert.doesNotMatch(c.err, /built sweb|rebuilding/, 'the first image is still there and matches: reused, not rebuilt');

  // --rebuild forces a build even so.
  const d = await verify(file, fixed, 'fresh-d', { rebuild: true });
  assert.equal(d.code, 0, d.err);
  assert.match(d.err, /rebuilding .*--rebuild/);
  assert.deepEqual(d.report!.resolved_ids, [id]);

  // A harmless change (the case: the spec now installs something more): rebuilt, said why, resolved.
  const more = specFile('more', { ...baseSpec, pre_install: ['echo extra > /opt/extra-marker'] });
  const e = await verify(file, more, 'fresh-e');
  assert.equal(e.code, 0, e.err);
  assert.match(e.err, /rebuilding sweb\.eval\.x86_64\.swegym-fresh__ledger-8-\S+: its env spec changed \(pre_install\)/);
  assert.deepEqual(e.report!.resolved_ids, [id]);
});

test('offline with specs that need the network: exit 2 before any container, naming the steps and the ways out', async () => {
  const id = `swegym-fresh__ledger-8-net${stamp}`;
  const file = dataset(id);
  const needsNet = specFile('needs-net', { ...baseSpec, python: '3.9', pip_packages: ['werkzeug==2.3.7'], install: 'python -m pip install -e .' });
  // This process's containers only (the engine is shared: other tests' containers come and go meanwhile).
  const mine = async () => (await docker.listContainers({ all: true, filters: { label: [`io.swegym.pid=${process.pid}`] } })).length;
  const before = await mine();
  const r = await verify(file, needsNet, 'net-a');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /swegym-fresh\/ledger 0\.1 \(1 instance/);
  assert.match(r.err, /- python: Python 3\.9 \(Debian bookworm ships Python 3\.11\)/);
  assert.match(r.err, /- pip_packages: pip packages: werkzeug==2\.3\.7/);
  assert.match(r.err, /- install: "python -m pip install -e \." needs the network/);
  assert.match(r.err, /--image-template/);
  assert.match(r.err, /--env-spec FILE/);
  assert.match(r.err, /--allow-partial-env/);
  assert.equal(await mine(), before, 'no container was started');
  assert.equal(await docker.getImage(`sweb.eval.x86_64.${id.toLowerCase()}`).inspect().then(() => true, () => false), false, 'nothing was built');

  // Accepted as partial: the steps are left out, the run goes on, and every verdict says env_partial.
  const p = await verify(file, needsNet, 'net-b', { allowPartialEnv: true });
  assert.equal(p.code, 0, p.err);
  assert.deepEqual(p.report!.resolved_ids, [id]);
  assert.deepEqual(p.report!.env_partial_ids, [id]);
  assert.match(p.err, /partial environment \(--allow-partial-env\), left out: python, pip_packages, install/);
});

test('the built-in SWE-Gym specs offline: exit 2 naming the missing install steps', async () => {
  const file = join(cwd, 'moto.jsonl');
  const record = { ...sample, instance_id: `getmoto__moto-fresh${stamp}`, repo: 'getmoto/moto', version: '5.0', base_commit: 'f'.repeat(40) };
  writeFileSync(file, JSON.stringify(record) + '\n');
  const c = capture();
  const code = await verifyCommand({ dataset: file, predictions: 'gold', runId: 'moto', noPull: true }, c.io);
  const err = c.err.join('');
  assert.equal(code, 2, err);
  assert.match(err, /getmoto\/moto 5\.0/);
  assert.match(err, /- python: Python 3\.12/);
  assert.match(err, /- install: "make init" needs the network/);
});
