import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DockerRuntime, PID_LABEL } from '../../src/core/runtime/docker.js';
import { sweepLeftovers } from '../../src/core/runtime/lifecycle.js';
import { SWEGYM_LABEL } from '../../src/core/runtime/types.js';
import { docker, leftoverContainers, testProvider, TEST_IMAGE, uniqueId } from '../helpers/docker.js';

const run = uniqueId('rt-docker');
const { provider, labels } = testProvider(run, { memoryBytes: 512 * 1024 ** 2, nanoCpus: 1e9, pidsLimit: 256 });
let rt: DockerRuntime;

before(async () => {
  rt = (await provider.start({ image: TEST_IMAGE, labels, env: { FROM_START: 'yes' }, workdir: '/tmp' })) as DockerRuntime;
});

after(async () => {
  await rt?.stop();
  assert.deepEqual(await leftoverContainers(labels), [], 'no container may be left behind');
});

test('containers are isolated: only the loopback interface, limits and labels set', async () => {
  const ifaces = await rt.exec('ls /sys/class/net');
  assert.equal(ifaces.output.trim(), 'lo');
  const info = await docker.getContainer(rt.id).inspect();
  assert.equal(info.HostConfig.NetworkMode, 'none');
  assert.equal(info.HostConfig.Memory, 512 * 1024 ** 2);
  assert.equal(info.HostConfig.NanoCpus, 1e9);
  assert.equal(info.HostConfig.PidsLimit, 256);
  assert.equal(info.Config.Labels[SWEGYM_LABEL], '1');
  assert.equal(info.Config.Labels['io.swegym.session'], run);
  assert.equal(info.Config.Labels[PID_LABEL], String(process.pid));
  assert.equal((await rt.exec('echo $FROM_START; pwd')).output, 'yes\n/tmp\n');
});

test('default limits: 4 GiB, 2 CPUs, 1024 pids', async () => {
  const p = testProvider(run).provider;
  const r = await p.start({ image: TEST_IMAGE, labels });
  try {
    const hc = (await docker.getContainer(r.id).inspect()).HostConfig;
    assert.equal(hc.Memory, 4 * 1024 ** 3);
    assert.equal(hc.NanoCpus, 2e9);
    assert.equal(hc.PidsLimit, 1024);
  } finally {
    await r.stop();
  }
});

test('writeFile/readFile round trip: text, binary, spaces, new directories, modes, symlinks', async () => {
  await rt.writeFile('/tmp/plain.txt', 'héllo\nworld\n');
  assert.equal((await rt.readFile('/tmp/plain.txt')).toString('utf8'), 'héllo\nworld\n');
  assert.equal((await rt.exec('cat /tmp/plain.txt')).output, 'héllo\nworld\n');
  const bin = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
  await rt.writeFile('/tmp/new dir/with spaces/data.bin', bin);
  assert.deepEqual(await rt.readFile('/tmp/new dir/with spaces/data.bin'), bin);
  assert.equal((await rt.exec("stat -c %s '/tmp/new dir/with spaces/data.bin'")).output, '70000\n');
  await rt.writeFile('/tmp/run.sh', '#!/bin/sh\necho ran\n', 0o755);
  assert.equal((await rt.exec('/tmp/run.sh')).output, 'ran\n');
  const long = `/tmp/${'x'.repeat(120)}/${'y'.repeat(110)}.txt`;
  await rt.writeFile(long, 'long name');
  assert.equal((await rt.readFile(long)).toString(), 'long name');
  await rt.exec('ln -s /tmp/plain.txt /tmp/link.txt');
  assert.equal((await rt.readFile('/tmp/link.txt')).toString(), 'héllo\nworld\n');
  await rt.writeFile('/tmp/empty', '');
  assert.equal((await rt.readFile('/tmp/empty')).length, 0);
  await assert.rejects(rt.readFile('/tmp/does-not-exist'), /no such file/);
  await assert.rejects(rt.readFile('/tmp'), /is a directory/);
});

test('diff: new files included, binary files left out, against the base commit', async () => {
  const setup = await rt.exec(
    [
      'rm -rf /tmp/repo && mkdir /tmp/repo && cd /tmp/repo',
      'git init -q && git config user.email t@t && git config user.name t',
      "printf 'a\\nb\\n' > f.txt && printf '\\0\\1\\2' > old.bin && git add -A && git commit -qm base",
      'git rev-parse HEAD',
    ].join('\n'),
  );
  assert.equal(setup.exitCode, 0, setup.output);
  const base = setup.output.trim().split('\n').at(-1)!;
  await rt.exec("cd /tmp/repo && printf 'a\\nB\\n' > f.txt && printf 'new\\n' > 'new file.txt' && printf '\\0\\3' > old.bin && printf '\\0\\9' > added.bin");
  const d = await rt.diff(base, '/tmp/repo');
  assert.match(d, /^diff --git a\/f\.txt b\/f\.txt$/m);
  assert.match(d, /^-b$/m);
  assert.match(d, /^\+B$/m);
  assert.match(d, /^diff --git a\/new file\.txt b\/new file\.txt$/m);
  assert.match(d, /^\+new$/m);
  assert.doesNotMatch(d, /old\.bin|added\.bin|Binary files/);
  // The diff applies cleanly to the base: it is a usable patch.
  await rt.writeFile('/tmp/p.diff', d);
  const apply = await rt.exec(`cd /tmp/repo && git stash -q -u && git apply --check /tmp/p.diff && echo applies`);
  assert.equal(apply.output.trim(), 'applies');
  await assert.rejects(rt.diff(base, '/tmp/not-a-repo'), /diff in \/tmp\/not-a-repo failed/);
});

test('stop is idempotent and removes the container', async () => {
  const r = await provider.start({ image: TEST_IMAGE, labels });
  await Promise.all([r.stop(), r.stop()]);
  await r.stop();
  await assert.rejects(docker.getContainer(r.id).inspect(), /no such container/i);
  await assert.rejects(r.exec('true'), /stopped/);
});

test('sweep removes matching containers and says how many', async () => {
  const extra = { ...labels, 'io.swegym.role': 'sweep-me' };
  await provider.start({ image: TEST_IMAGE, labels: extra });
  await provider.start({ image: TEST_IMAGE, labels: extra });
  assert.equal((await leftoverContainers(extra)).length, 2);
  assert.equal(await provider.sweep(extra), 2);
  assert.equal(await provider.sweep(extra), 0);
  assert.equal((await leftoverContainers(labels)).length, 1, 'only the main test container remains');
});

test("sweepLeftovers removes a dead process's containers and leaves live ones", async () => {
  const dead = spawnSync('true').pid!; // a pid that has exited
  const orphanLabels = { ...labels, 'io.swegym.role': 'orphan' };
  const orphan = await docker.createContainer({
    Image: TEST_IMAGE,
    Entrypoint: ['tail'],
    Cmd: ['-f', '/dev/null'],
    Labels: { ...orphanLabels, [SWEGYM_LABEL]: '1', [PID_LABEL]: String(dead), 'io.swegym.host': (await import('node:os')).hostname() },
    HostConfig: { NetworkMode: 'none' },
  });
  await orphan.start();
  try {
    const removed = await sweepLeftovers(provider);
    assert.ok(removed >= 1, `removed ${removed}`);
    assert.deepEqual(await leftoverContainers(orphanLabels), []);
    assert.equal((await rt.exec('echo live')).output, 'live\n', 'this process\'s container is untouched');
    assert.equal(await sweepLeftovers(provider, uniqueId('no-such-session')), 0);
  } finally {
    await orphan.remove({ force: true }).catch(() => undefined);
  }
});
