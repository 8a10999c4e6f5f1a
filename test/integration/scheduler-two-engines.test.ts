/**
 * A batch spread over two real Docker engines: the machine's engine and a second dockerd this test starts on a
 * private socket (its own data and exec roots, no bridge). `SWEGYM_ENGINES` names both; the scheduler gives each
 * worker an engine, prepares images on each, and sweeps each. Containers are removed at the end, so which engine ran
 * what is read from each engine's own `docker events` (create events carry the rollout label).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { ensureInstanceImage } from '../../src/core/runtime/images.js';
import { sampleRepoSource } from '../../src/core/dataset/samples.js';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { EngineSet } from '../../src/core/runtime/engine-set.js';
import { dockerOptionsFor } from '../../src/core/scheduler/engines.js';
import { makeOrphan } from '../helpers/orphan.js';
import { sandboxContract } from '../helpers/sandbox-contract.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
const SAMPLES = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function findDockerd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  return dirs.filter(Boolean).map((d) => join(d, 'dockerd')).find((p) => existsSync(p));
}

const DOCKERD = findDockerd();
// Short paths: a unix socket path is limited to about 100 characters.
const DIR = `/tmp/sg2e-${process.pid}-${randomBytes(3).toString('hex')}`;
const SOCK = `unix://${DIR}/docker.sock`;
const MAIN = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
let daemon: ChildProcess | undefined;
let daemonExited: Promise<void> = Promise.resolve();

function dockerCli(host: string, args: string[]): string {
  return execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** `docker save <images> | docker -H <second> load`, streamed. */
async function copyImages(images: string[]): Promise<void> {
  const save = spawn('docker', ['-H', MAIN, 'save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('docker', ['-H', SOCK, 'load', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  save.stdout.pipe(load.stdin);
  let errs = '';
  save.stderr.on('data', (d) => (errs += d));
  load.stderr.on('data', (d) => (errs += d));
  const codes = await Promise.all([save, load].map((c) => new Promise<number | null>((r) => c.on('close', r))));
  assert.deepEqual(codes, [0, 0], `copying ${images.join(' ')} to the second engine failed: ${errs}`);
}

function daemonLog(): string {
  try {
    return readFileSync(join(DIR, 'dockerd.log'), 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

before(async () => {
  if (!DOCKERD) return;
  mkdirSync(DIR, { recursive: true });
  const log = openSync(join(DIR, 'dockerd.log'), 'a');
  daemon = spawn(
    DOCKERD,
    ['--bridge=none', '--iptables=false', '--ip-forward=false', '--host', SOCK, '--data-root', `${DIR}/data`, '--exec-root', `${DIR}/exec`, '--pidfile', `${DIR}/docker.pid`],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited = false;
  daemonExited = new Promise((r) => daemon!.once('exit', () => ((exited = true), r())));
  const second = new Dockerode({ socketPath: `${DIR}/docker.sock` });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`the second dockerd exited before answering:\n${daemonLog()}`);
    if (await second.ping().then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`the second dockerd did not answer within 30 s:\n${daemonLog()}`);
    await sleep(100);
  }
});

after(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    let grace: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([daemonExited.then(() => true), new Promise<boolean>((r) => (grace = setTimeout(() => r(false), 30_000)))]);
    clearTimeout(grace);
    if (!stopped) {
      // Past the grace period: kill it and the containerd it started, and undo the mounts it left.
      const containerdPid = join(DIR, 'exec', 'containerd', 'containerd.pid');
      daemon.kill('SIGKILL');
      await daemonExited;
      if (existsSync(containerdPid)) {
        try {
          process.kill(Number(readFileSync(containerdPid, 'utf8').trim()), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${DIR}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      /* best effort */
    }
  }
  rmSync(DIR, { recursive: true, force: true });
});

/** Rollout ids of this session's containers created on an engine between two times (seconds). */
function createdRollouts(host: string, session: string, since: number, until: number): string[] {
  const out = dockerCli(host, [
    'events',
    '--since', String(since),
    '--until', String(until),
    '--filter', 'type=container',
    '--filter', 'event=create',
    '--filter', `label=io.swegym.session-name=${session}`,
    '--format', '{{index .Actor.Attributes "io.swegym.rollout"}}',
  ]);
  return out.split('\n').filter(Boolean);
}

function leftovers(host: string, session: string): string[] {
  return dockerCli(host, ['ps', '-aq', '--filter', `label=io.swegym.session-name=${session}`]).split('\n').filter(Boolean);
}

/** The instance images: built (or found) on the main engine, then copied into the second one (once per file). */
let onBoth: Promise<{ tasks: Awaited<ReturnType<typeof loadTasks>>['tasks']; images: string[] }> | undefined;
function imagesOnBothEngines() {
  onBoth ??= (async () => {
    const { tasks } = await loadTasks('samples', { ids: IDS });
    const specs = loadSpecRegistry([]);
    const images: string[] = [];
    for (const t of tasks) images.push((await ensureInstanceImage(t, specs.lookup(t.repo, String(t.version)), { repoSource: sampleRepoSource(t.repo), pull: false })).image);
    await copyImages(images);
    for (const img of images) assert.ok(dockerCli(SOCK, ['images', '-q', img]).trim(), `${img} is on the second engine`);
    return { tasks, images };
  })();
  return onBoth;
}

test('a batch runs on two Docker engines at once, resolves everywhere and leaves no container on either', { skip: !DOCKERD && 'dockerd is not installed', timeout: 120_000 }, async () => {
  await imagesOnBothEngines();

  const base = join(DIR, 'sessions');
  const session = `two-${Date.now().toString(36)}`;
  const since = Math.floor(Date.now() / 1000) - 1;
  const p = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'gold', '--samples', String(SAMPLES), '--concurrency', '2', '--session', session, '--sessions-dir', base], {
    env: { ...process.env, SWEGYM_ENGINES: `main=${MAIN},second=${SOCK}`, SWEGYM_CONFIG: join(DIR, 'no-config.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  assert.equal(code, 0, out);
  // `--until` in the future makes `docker events` wait for it: keep it at most a second ahead.
  await sleep(1000);
  const until = Math.floor(Date.now() / 1000);

  const rows = openSession(join(base, session)).summaries();
  assert.equal(rows.length, IDS.length * SAMPLES, out);
  for (const r of rows) {
    assert.equal(r.status, 'completed', `${r.rollout_id}: ${out}`);
    assert.equal(r.resolved, true, `${r.rollout_id} resolves`);
  }

  // Each engine's own record: every rollout's containers (agent and verification) were created on exactly one
  // engine, and both engines took part.
  const onMain = createdRollouts(MAIN, session, since, until);
  const onSecond = createdRollouts(SOCK, session, since, until);
  const mainIds = new Set(onMain);
  const secondIds = new Set(onSecond);
  assert.ok(secondIds.size >= 1, `rollouts ran on the second engine (main: ${[...mainIds]}; second: none)\n${out}`);
  assert.ok(mainIds.size >= 1, `rollouts ran on the main engine (second: ${[...secondIds]}; main: none)\n${out}`);
  assert.deepEqual([...mainIds, ...secondIds].sort(), rows.map((r) => r.rollout_id).sort(), 'every rollout ran on exactly one engine');

  assert.deepEqual(leftovers(MAIN, session), [], 'no container left on the main engine');
  assert.deepEqual(leftovers(SOCK, session), [], 'no container left on the second engine');
});

// The engine-set implementation of the sandbox lifecycle, held to the same contract as one Docker engine
// (test/integration/sandbox-contract.test.ts), over the main engine and the second one.
sandboxContract(
  'engine set',
  async () => {
    const { tasks, images } = await imagesOnBothEngines();
    const engines = { main: new Dockerode(dockerOptionsFor(MAIN)), second: new Dockerode(dockerOptionsFor(SOCK)) };
    const sessionId = `contract-set-${process.pid}`;
    const set = new EngineSet(Object.entries(engines).map(([engine, docker]) => new DockerProvider({ docker, sessionId, engine })));
    const task = tasks[0]!;
    return {
      provider: set,
      engines: Object.keys(engines),
      image: images[0]!,
      task,
      spec: loadSpecRegistry([]).lookup(task.repo, String(task.version)),
      repoSource: sampleRepoSource(task.repo),
      orphan: (engine, labels) => makeOrphan(engines[engine as keyof typeof engines], images[0]!, labels),
    };
  },
  { skip: !DOCKERD && 'dockerd is not installed' },
);
