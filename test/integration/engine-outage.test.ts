/**
 * Review bug 4 (shared/reviews/reliability-2026-12-03.md), for real: a batch on a private dockerd (own socket, data and
 * exec roots, no bridge), the daemon SIGKILLed in the middle of the rollouts and started again 10 s later. The batch
 * must end with the results of an uninterrupted run (scripted model: even samples apply the fix and resolve, odd ones
 * change nothing), record no verdict, patch or no_image during the outage, build no image, leave no container, and exit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { ensureInstanceImage } from '../../src/core/runtime/images.js';
import { sampleRepoSource } from '../../src/core/dataset/samples.js';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { scriptedPolicy, expectedResolved } from './scheduler-scripted-model.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8', 'swegym-samples__ledger-15'];
const SAMPLES = 2;
const SEED = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function findDockerd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  return dirs.filter(Boolean).map((d) => join(d, 'dockerd')).find((p) => existsSync(p));
}

const DOCKERD = findDockerd();
const DIR = `/tmp/sgout-${process.pid}-${randomBytes(3).toString('hex')}`;
const SOCK = `unix://${DIR}/docker.sock`;
const MAIN = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
let daemon: ChildProcess | undefined;
let daemonExited: Promise<void> = Promise.resolve();

const dockerCli = (host: string, args: string[]) => execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

function daemonLog(): string {
  try {
    return readFileSync(join(DIR, 'dockerd.log'), 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startDaemon(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const log = openSync(join(DIR, 'dockerd.log'), 'a');
  daemon = spawn(
    DOCKERD!,
    ['--bridge=none', '--iptables=false', '--ip-forward=false', '--host', SOCK, '--data-root', `${DIR}/data`, '--exec-root', `${DIR}/exec`, '--pidfile', `${DIR}/docker.pid`],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited = false;
  const d = daemon;
  daemonExited = new Promise((r) => d.once('exit', () => ((exited = true), r())));
  const engine = new Dockerode({ socketPath: `${DIR}/docker.sock` });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the private dockerd exited before answering:\n${daemonLog()}`);
    if (await engine.ping().then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`the private dockerd did not answer within 60 s:\n${daemonLog()}`);
    await sleep(100);
  }
}

async function copyImages(images: string[]): Promise<void> {
  const save = spawn('docker', ['-H', MAIN, 'save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('docker', ['-H', SOCK, 'load', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  save.stdout.pipe(load.stdin);
  let errs = '';
  save.stderr.on('data', (d) => (errs += d));
  load.stderr.on('data', (d) => (errs += d));
  const codes = await Promise.all([save, load].map((c) => new Promise<number | null>((r) => c.on('close', r))));
  assert.deepEqual(codes, [0, 0], `copying images to the private engine failed: ${errs}`);
}

before(async () => {
  if (DOCKERD) await startDaemon();
});

after(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    let grace: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([daemonExited.then(() => true), new Promise<boolean>((r) => (grace = setTimeout(() => r(false), 30_000)))]);
    clearTimeout(grace);
    if (!stopped) {
      daemon.kill('SIGKILL');
      await daemonExited;
    }
  }
  // The containerd the first (SIGKILLed) daemon started, if it outlived it.
  const containerdPid = join(DIR, 'exec', 'containerd', 'containerd.pid');
  if (existsSync(containerdPid)) {
    try {
      process.kill(Number(readFileSync(containerdPid, 'utf8').trim()), 'SIGKILL');
    } catch {
      /* already gone */
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

/** Rollout logs of the session that have reached a tool call (the agent's `sleep`). */
function inToolCall(sessionDir: string): string[] {
  const rdir = join(sessionDir, 'rollouts');
  if (!existsSync(rdir)) return [];
  return readdirSync(rdir).filter((f) => f.endsWith('.jsonl') && readFileSync(join(rdir, f), 'utf8').includes('"tool_start"'));
}

test('dockerd SIGKILLed and restarted mid-batch, twice (as in the review): the same results as an uninterrupted run, no image built, nothing left, the process exits', { skip: !DOCKERD && 'dockerd is not installed', timeout: 600_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  const specs = loadSpecRegistry([]);
  const images: string[] = [];
  for (const t of tasks) images.push((await ensureInstanceImage(t, specs.lookup(t.repo, String(t.version)), { repoSource: sampleRepoSource(t.repo), pull: false })).image);
  // With them the layers they are built on (content-keyed: a found instance image is checked against its layers).
  const layers = dockerCli(MAIN, ['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter((n) => /^swegym\.(base|env):/.test(n));
  await copyImages([...images, ...layers]);
  // Image ids (a new tag on an existing image is not a build).
  const imageIds = () => [...new Set(dockerCli(SOCK, ['images', '-q', '--no-trunc']).trim().split('\n'))].sort();
  const imagesBefore = imageIds();

  const server = await startScriptedServer(scriptedPolicy(tasks, SAMPLES, SEED, () => 6));
  const base = join(DIR, 'sessions');
  const session = 'outage';
  const p = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--base-url', server.url, '--model', 'scripted', '--samples', String(SAMPLES), '--concurrency', '2', '--seed', String(SEED), '--no-pull', '--session', session, '--sessions-dir', base], {
    env: { ...process.env, OPENAI_API_KEY: 'sk-test-outage', SWEGYM_ENGINES: `only=${SOCK}`, SWEGYM_CONFIG: join(DIR, 'no-config.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  try {
    // Two outages, as in the review: each when a rollout started since the last restart is in a tool call (there is
    // always one: 6 pairs, 2 workers, 6 s per tool call); SIGKILL, 10 s down, started again on the same roots.
    for (let outage = 1; outage <= 2; outage++) {
      const seen = new Set(inToolCall(join(base, session)));
      const deadline = Date.now() + 180_000;
      while (!inToolCall(join(base, session)).some((f) => !seen.has(f) || outage === 1)) {
        assert.ok(Date.now() < deadline && p.exitCode === null, `outage ${outage}: no new rollout reached a tool call:\n${out}`);
        await sleep(200);
      }
      await sleep(1500);
      daemon!.kill('SIGKILL');
      await daemonExited;
      await sleep(10_000);
      await startDaemon();
    }

    let hang: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'hung'>((r) => (hang = setTimeout(() => r('hung'), 480_000)))]);
    clearTimeout(hang);
    assert.notEqual(code, 'hung', `the batch did not exit:\n${out}`);
    assert.equal(code, 0, out);
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
    await server.close();
  }

  const reader = openSession(join(base, session));
  const rows = reader.summaries();
  assert.equal(rows.length, IDS.length * SAMPLES);
  for (const r of rows) {
    assert.equal(r.status, 'completed', `${r.rollout_id}: ${r.status}\n${out}`);
    assert.equal(r.resolved === true, expectedResolved(r.sample), `${r.rollout_id}: verdict ${r.verdict}, as an uninterrupted run gives`);
  }
  // No attempt recorded a verdict or no_image for the outage: every attempt is completed or an infrastructure failure.
  for (const s of reader.attempts()) assert.ok(s.status === 'completed' || s.status === 'infra_error' || s.status === 'interrupted', `${s.rollout_id}: ${s.status}`);
  assert.ok(reader.attempts().length > rows.length, 'the outage did hit some rollouts (they were run again)');
  const imagesAfter = imageIds();
  assert.deepEqual(imagesAfter, imagesBefore, 'no image was built or pulled');
  assert.equal(dockerCli(SOCK, ['ps', '-aq']).trim(), '', 'no container left on the engine');
});
