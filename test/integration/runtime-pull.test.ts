/**
 * "Pull when a registry answers" for real: a loopback Docker Registry v2 (test/helpers/local-registry.ts) serves an
 * official-like instance image (a sample task's image with the repository's full future history put back and no
 * swegym build label), and dockerd pulls it from 127.0.0.1 (an insecure registry by default, plain HTTP).
 *
 * The tasks use a unique instance id (a copy of a sample record), so the local build name `sweb.eval.x86_64.<id>` is
 * absent and other engineers' cached sample images are never touched. A template replaces the official
 * `docker.io/xingyaoww/...` name; still, a guard on the Dockerode object refuses every pull that is not from
 * 127.0.0.1, so nothing can leave the machine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { ensureInstanceImage } from '../../src/core/runtime/images.js';
import { imageExists } from '../../src/core/runtime/build-container.js';
import { applyImageTemplate, localInstanceImageName } from '../../src/core/runtime/image-names.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE, sampleRepoSource } from '../../src/core/dataset/samples.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { RolloutEmitter } from '../../src/core/events.js';
import type { Agent } from '../../src/core/agent/types.js';
import { startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { docker, leftoverContainers, testProvider, uniqueId } from '../helpers/docker.js';

const exec = promisify(execFile);
const run = uniqueId('rt-pull');
const { provider, labels } = testProvider(run);
const SAMPLE_ID = 'swegym-samples__ledger-8';
const REPO_NAME = 'swegym-test/sweb.eval.x86_64';
const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));

/**
 * Dockerode on the real engine, whose pulls may only reach 127.0.0.1. `settled` records how each pull request to
 * the engine ended ('answered', or the error's name/message), to see that giving up really cancels it.
 */
/** The content-keyed name a swegym build of `task` gets (sweb.eval.x86_64.<id>:sg-<key>). */
function keyedName(task: TaskRecord): RegExp {
  return new RegExp(`^${localInstanceImageName(task.instance_id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:sg-[0-9a-f]{16}$`);
}

/** A build is tagged twice (its key and :latest); removing both removes it. */
function trackBuilt(image: string): void {
  createdImages.add(image);
  createdImages.add(image.replace(/:sg-[0-9a-f]+$/, ':latest'));
}

function loopbackOnlyDocker(refused: string[], settled: string[] = []): Dockerode {
  const d = new Dockerode();
  const realPull = d.pull.bind(d) as (name: string, ...rest: unknown[]) => Promise<unknown>;
  (d as unknown as { pull: (name: string, ...rest: unknown[]) => Promise<unknown> }).pull = (name, ...rest) => {
    if (name.startsWith('127.0.0.1:')) {
      const p = realPull(name, ...rest);
      p.then(
        () => settled.push('answered'),
        (e: Error) => settled.push(`${e.name}: ${e.message}`),
      );
      return p;
    }
    refused.push(name);
    return Promise.reject(new Error(`test guard: no pulls outside loopback (${name})`));
  };
  return d;
}

let sample: TaskRecord;
let spec: EnvSpec;
let registry: LocalRegistry;
let missing: LocalRegistry;
let stalled: LocalRegistry;
let work: string;
let future: string[] = [];
/** Images this file created (pulled or built under unique names), removed at the end. */
const createdImages = new Set<string>();

function taskCopy(suffix: string): TaskRecord {
  return TaskRecord.parse({ ...sample, instance_id: `${SAMPLE_ID}-${suffix}${process.pid}` });
}

function template(reg: LocalRegistry): string {
  return `${reg.host}/${REPO_NAME}.{id_lower}:latest`;
}

async function git(cmd: string, image: string): Promise<string> {
  const { stdout } = await exec('docker', ['run', '--rm', '--network', 'none', '--label', 'io.swegym.managed=1', '--label', `io.swegym.test=${run}`, '--entrypoint', 'bash', image, '-c', `cd /testbed && ${cmd}`]);
  return stdout;
}

before(async () => {
  sample = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.find((t) => t.instance_id === SAMPLE_ID)!;
  assert.ok(sample, `${SAMPLE_ID} in the samples`);
  spec = loadSpecRegistry().lookup(sample.repo, String(sample.version));
  const bundle = sampleRepoSource(sample.repo)!;
  // 1. swegym's own build of the sample (cached by the builder: shared with the other tests, never removed here).
  const built = await ensureInstanceImage(sample, spec, { repoSource: bundle, pull: false });
  // 2. An official-like image from it: the repository's whole history (branches, tags) back in /testbed, and no
  //    swegym build label, as an image from SWE-Gym's registry would be.
  const rt = await provider.start({ image: built.image, labels, workdir: '/testbed' });
  const official = `swegym-test-official/${run}:latest`;
  try {
    await rt.writeFile('/tmp/full.bundle', readFileSync(bundle));
    const fetched = await rt.exec(
      "git fetch -q /tmp/full.bundle '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*' && rm /tmp/full.bundle && git rev-list --all --not HEAD",
      { cwd: '/testbed' },
    );
    assert.equal(fetched.exitCode, 0, fetched.output);
    future = fetched.output.trim().split('\n').filter(Boolean);
    assert.ok(future.length >= 1, 'the sample repository has commits after base_commit');
    await exec('docker', ['commit', '--change', 'LABEL io.swegym.layer-hash=', rt.id, official]);
  } finally {
    await rt.stop();
  }
  work = mkdtempSync(join(tmpdir(), 'swegym-pull-'));
  const tarball = join(work, 'image.tar');
  await exec('docker', ['save', '-o', tarball, official]);
  await exec('docker', ['rmi', official]);
  registry = await startLocalRegistry();
  missing = await startLocalRegistry({ manifestsMissing: true });
  stalled = await startLocalRegistry({ manifestsHang: true });
  // Served under the name the template gives each task copy below.
  for (const suffix of ['pulled', 'cli', 'notag']) {
    const t = taskCopy(suffix);
    const [repo, tag] = applyImageTemplate(template(registry), t).slice(registry.host.length + 1).split(':') as [string, string];
    await registry.serveTarball(tarball, repo, tag);
  }
  rmSync(tarball);
});

after(async () => {
  await registry?.close();
  await missing?.close();
  await stalled?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  for (const img of createdImages) await docker.getImage(img).remove().catch(() => undefined);
  assert.deepEqual(await leftoverContainers(labels), []);
});

test('a registry that answers: the image is pulled (source "pulled"), verified, and its future stripped in a rollout', async () => {
  const task = taskCopy('pulled');
  const name = applyImageTemplate(template(registry), task);
  assert.equal(await imageExists(docker, name), false, `${name} must not be present before the pull`);
  assert.equal(await imageExists(docker, localInstanceImageName(task.instance_id)), false);
  const refused: string[] = [];
  const logs: string[] = [];
  createdImages.add(name);
  const got = await ensureInstanceImage(task, spec, { template: template(registry), pull: true, docker: loopbackOnlyDocker(refused), onLog: (l) => logs.push(l) });
  assert.deepEqual(got, { image: name, source: 'pulled' });
  assert.deepEqual(refused, [], 'the template answered first: no other name was tried');
  assert.deepEqual(logs, [`[swegym] pulling ${name}`, `[swegym] pulled ${name}`]);
  assert.equal(await imageExists(docker, name), true);
  const paths = registry.requests.filter((r) => r.status === 200).map((r) => r.path);
  assert.ok(paths.some((p) => p.includes('/blobs/sha256:')), `layers came over HTTP: ${paths.join(' ')}`);
  // Found locally the next time; still 'pulled' (no swegym build label), so rollouts keep stripping its history.
  assert.deepEqual(await ensureInstanceImage(task, spec, { template: template(registry), pull: false }), { image: name, source: 'pulled' });

  // The pulled image carries the future; verification with the gold patch resolves on it.
  const allRevs = (await git('git rev-list --all', name)).trim().split('\n');
  for (const c of future) assert.ok(allRevs.includes(c), `pulled image has future commit ${c}`);
  const verdict = await verifyPatch({ task, patch: task.patch, spec, profile: 'swegym', provider, image: name, offline: true, labels });
  assert.equal(verdict.status, 'resolved', JSON.stringify(verdict));
  assert.equal(verdict.resolved, true);

  // A rollout on the pulled image: the agent sees nothing beyond base_commit.
  let seen = { revs: '', tags: 'unset', head: '' };
  const agent: Agent = {
    info: { kind: 'external', model: 'probe' },
    async run({ runtime }) {
      const revs = await runtime.exec('git rev-list --all', { cwd: '/testbed' });
      const tags = await runtime.exec('git tag', { cwd: '/testbed' });
      const head = await runtime.exec('git rev-parse HEAD', { cwd: '/testbed' });
      seen = { revs: revs.output, tags: tags.output, head: head.output.trim() };
      return { reason: 'finished', message: '', patch: '', turns: 0, usage: { prompt_tokens: 0, completion_tokens: 0, estimated: false }, cost_usd: 0, messages: [] };
    },
  };
  const outcome = await runRollout({ task, agent, provider, image: name, imageSource: got.source, emitter: new RolloutEmitter(run), labels });
  assert.equal(outcome.status, 'completed', outcome.error);
  assert.equal(seen.head, task.base_commit);
  const ancestors = (await git(`git rev-list ${task.base_commit}`, name)).trim().split('\n').sort();
  assert.deepEqual(seen.revs.trim().split('\n').sort(), ancestors, 'only base_commit and its ancestors are reachable');
  assert.equal(seen.tags, '');
});

test('no pull allowed: the image is built instead (source "built"), the registry is never asked', async () => {
  const task = taskCopy('nopull');
  const before = registry.requests.length;
  const refused: string[] = [];
  const got = await ensureInstanceImage(task, spec, {
    template: template(registry),
    pull: false,
    repoSource: sampleRepoSource(task.repo),
    docker: loopbackOnlyDocker(refused),
  });
  trackBuilt(got.image);
  assert.match(got.image, keyedName(task));
  assert.equal(got.source, 'built');
  assert.equal(registry.requests.length, before, 'no request reached the registry');
  assert.deepEqual(refused, []);
  assert.equal(await imageExists(docker, applyImageTemplate(template(registry), task)), false);
  assert.equal((await git('git tag', got.image)).trim(), '', 'a swegym build is stripped');
});

test('a registry that answers 404 for the manifest: falls back to building', async () => {
  const task = taskCopy('missing');
  const name = applyImageTemplate(template(missing), task);
  createdImages.add(name);
  const refused: string[] = [];
  const logs: string[] = [];
  const got = await ensureInstanceImage(task, spec, {
    template: template(missing),
    pull: true,
    repoSource: sampleRepoSource(task.repo),
    docker: loopbackOnlyDocker(refused),
    onLog: (l) => logs.push(l),
  });
  trackBuilt(got.image);
  assert.match(got.image, keyedName(task));
  assert.equal(got.source, 'built');
  const asked = missing.requests.filter((r) => r.path.includes('/manifests/'));
  assert.ok(asked.length >= 1 && asked.every((r) => r.status === 404), JSON.stringify(missing.requests));
  assert.ok(logs.some((l) => l.startsWith(`[swegym] pull of ${name} failed:`)), logs.join('\n'));
  // The template replaces the public name: after its miss, no other registry is tried (the guard saw nothing).
  assert.deepEqual(refused, []);
  assert.equal(await imageExists(docker, name), false);
});

test('CLI: swegym verify --image-template pulls from the registry and resolves', async (t) => {
  const task = taskCopy('cli');
  const name = applyImageTemplate(template(registry), task);
  createdImages.add(name);
  assert.equal(await imageExists(docker, name), false);
  const dataset = join(work, 'tasks.jsonl');
  writeFileSync(dataset, `${JSON.stringify(task)}\n`);
  const cwd = mkdtempSync(join(work, 'cli-'));
  const r = await exec(
    process.execPath,
    [BIN, 'verify', '--dataset', dataset, '--predictions', 'gold', '--instances', task.instance_id, '--image-template', template(registry), '--report', join(cwd, 'report.json')],
    { cwd, env: { ...process.env, FORCE_COLOR: '0' } },
  ).catch((e: { stdout: string; stderr: string; code: number }) => e);
  const out = `${r.stdout}\n${r.stderr}`;
  t.diagnostic(r.stderr.trim());
  assert.equal((r as { code?: number }).code ?? 0, 0, out);
  // The pull is a progress job: its start and its end ("pulled") are shown.
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(r.stderr, new RegExp(`pull(ing)? ${esc}`), out);
  assert.match(r.stderr, new RegExp(`(pulled ${esc}|pull ${esc}: pulled)`), out);
  assert.match(r.stderr, /resolved/, out);
  assert.doesNotMatch(out, /built sweb\.eval/, 'nothing was built');
  assert.equal(await imageExists(docker, name), true);
  const report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as { resolved_ids?: string[] };
  assert.deepEqual(report.resolved_ids, [task.instance_id], out);
});

test('a template without a tag (host with a port): pulls :latest', async () => {
  const task = taskCopy('notag');
  const noTag = `${registry.host}/${REPO_NAME}.{id_lower}`;
  const name = applyImageTemplate(noTag, task);
  createdImages.add(`${name}:latest`);
  assert.equal(await imageExists(docker, name), false);
  const refused: string[] = [];
  const got = await ensureInstanceImage(task, spec, { template: noTag, pull: true, docker: loopbackOnlyDocker(refused) });
  assert.deepEqual(got, { image: name, source: 'pulled' });
  assert.deepEqual(refused, []);
  assert.ok(registry.requests.some((r) => r.path.endsWith(`/manifests/latest`) && r.path.includes(task.instance_id.toLowerCase()) && r.status === 200));
});

test('a registry that accepts the connection and never answers: given up after pullTimeoutSec, then built', async (t) => {
  const task = taskCopy('stalled');
  const name = applyImageTemplate(template(stalled), task);
  const refused: string[] = [];
  const logs: string[] = [];
  const t0 = Date.now();
  const settled: string[] = [];
  const got = await ensureInstanceImage(task, spec, {
    template: template(stalled),
    pull: true,
    pullTimeoutSec: 2,
    repoSource: sampleRepoSource(task.repo),
    docker: loopbackOnlyDocker(refused, settled),
    onLog: (l) => logs.push(l),
  });
  trackBuilt(got.image);
  assert.match(got.image, keyedName(task));
  assert.equal(got.source, 'built');
  assert.ok(stalled.requests.some((r) => r.path.includes('/manifests/') && r.status === 0), JSON.stringify(stalled.requests));
  // A registry that does not answer is said once and not asked again in this run.
  const failed = logs.find((l) => l.startsWith(`[swegym] registry ${stalled.host} cannot be reached`));
  assert.match(failed ?? logs.join('\n'), /no (answer|progress) (within|for) 2 s/);
  const again = taskCopy('stalled-again');
  const before2 = stalled.requests.length;
  const logs2: string[] = [];
  const got2 = await ensureInstanceImage(again, spec, { template: template(stalled), pull: true, pullTimeoutSec: 2, repoSource: sampleRepoSource(again.repo), docker: loopbackOnlyDocker(refused), onLog: (l) => logs2.push(l) });
  trackBuilt(got2.image);
  assert.equal(stalled.requests.length, before2, 'the unreachable registry was not asked again');
  assert.ok(!logs2.some((l) => /cannot be reached|pulling/.test(l)), logs2.join('\n'));
  t.diagnostic(failed!);
  assert.ok(Date.now() - t0 < 60_000, 'gave up in time');
  // Giving up cancels swegym's request to the engine (else the open socket keeps the process alive).
  for (let i = 0; i < 30 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled.length, 1, 'the pull request to the engine was still open after giving up');
  assert.match(settled[0]!, /abort/i);
  t.diagnostic(`engine request: ${settled[0]}; registry still asked by dockerd: ${stalled.requests.some((r) => !r.closed)}`);
  assert.equal(await imageExists(docker, name), false);
});
