import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { makeEngines } from '../../src/core/scheduler/engines.js';
import { resolveInstanceImage } from '../../src/core/rollout/environment.js';
import { runPipelineRollout } from '../../src/core/rollout/pipeline.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { sampleTasks } from './rollout-images.js';

// The ssh:// engine for real: Debian's openssh-server on 127.0.0.1 (a private sshd with its own config, host key and
// authorized key, all made here), an engine pointed at ssh://root@127.0.0.1:<port> with the test's key, and a
// rollout plus its verification through it. dockerode's ssh transport runs `docker system dial-stdio` on the far
// side, so every Docker API call of the rollout (create, attach for the long-lived shell, exec, archive, remove)
// crosses the ssh connection. Skipped only when sshd or ssh-keygen is not installed, saying so.

const SSHD = '/usr/sbin/sshd';
const LABEL = { 'io.swegym.test': 'engine-ssh' };
const dir = mkdtempSync(join(tmpdir(), 'swegym-sshd-'));
let sshd: ChildProcess | undefined;
let port = 0;
const haveSsh = existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined && process.getuid?.() === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

before(async () => {
  if (!haveSsh) return;
  port = await freePort();
  const keygen = (file: string) => assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]).status, 0);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  chmodSync(join(dir, 'host_key'), 0o600);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      '',
    ].join('\n'),
  );
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr!.on('data', (d) => (log += d));
  // Ready when it accepts a login that runs a command.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync('ssh', ['-i', join(dir, 'client_key'), '-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', 'root@127.0.0.1', 'docker version --format {{.Server.Version}}'], { encoding: 'utf8' });
    if (r.status === 0) break;
    if (Date.now() > deadline) throw new Error(`sshd on 127.0.0.1:${port} did not accept the test's key: ${r.stderr}\n${log}`);
    await new Promise((res) => setTimeout(res, 200));
  }
});

after(async () => {
  if (sshd && sshd.exitCode === null) {
    sshd.kill('SIGTERM');
    await new Promise((res) => sshd!.once('exit', res));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a rollout and its verification run on an ssh:// engine', { skip: haveSsh ? false : 'openssh-server (sshd) or ssh-keygen missing, or not root' }, async () => {
  // The key comes the way a user's would: SWEGYM_SSH_KEY (else ~/.ssh/id_*) read by the engine options.
  const previous = process.env.SWEGYM_SSH_KEY;
  process.env.SWEGYM_SSH_KEY = join(dir, 'client_key');
  const [viaKey] = makeEngines([{ name: 'over-ssh', host: `ssh://root@127.0.0.1:${port}` }], `ssh-test-${process.pid}`);
  if (previous === undefined) delete process.env.SWEGYM_SSH_KEY;
  else process.env.SWEGYM_SSH_KEY = previous;
  const info = await viaKey!.docker.info();
  assert.ok(info.ServerVersion, 'the engine answered over ssh');

  const task = (await sampleTasks())[0]!;
  const specs = loadSpecRegistry();
  const settings = { agent: 'gold', offline: true, pull_images: false };
  const image = await resolveInstanceImage(task, specs, settings, { provider: viaKey!.provider });
  const events: RolloutEvent[] = [];
  try {
    const out = await runPipelineRollout({
      task,
      settings,
      specs,
      provider: viaKey!.provider,
      image,
      emitter: new RolloutEmitter('ssh-rollout', (e) => events.push(e)),
      labels: LABEL,
    });
    assert.equal(out.status, 'completed', out.error);
    assert.equal(out.result?.reason, 'finished', out.result?.message);
    assert.equal(out.verdict?.status, 'resolved', JSON.stringify(out.verdict));
    const ready = events.find((e) => e.type === 'env_ready');
    assert.ok(ready && ready.type === 'env_ready' && ready.container_id.length > 0);
    assert.ok(events.some((e) => e.type === 'tool_end' && e.tool === 'execute_bash'), 'the long-lived shell ran commands over ssh');
  } finally {
    assert.equal(await viaKey!.provider.sweep(LABEL), 0, 'the rollout removed its containers');
  }
});
