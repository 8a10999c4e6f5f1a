/**
 * Controlling a batch another process runs, on real Docker: `swegym batch` (scripted model over real HTTP, turn 0 a
 * `sleep` so a rollout is running) in a child process; `swegym control` from another process pauses it (no new
 * rollout starts while paused), resumes it, stops it gracefully; and a batch started with --no-remote-control refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { ACK_FILE, CONTROL_FILE, readLiveStatus, type ControlAck, type LiveStatus } from '../../src/core/scheduler/remote-control.js';
import { scriptedPolicy, ensureSampleImages } from './scheduler-scripted-model.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const ID = 'swegym-samples__durations-19';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { ...process.env, OPENAI_API_KEY: 'sk-test-x', SWEGYM_ENGINES: '' };

/** Runs the real CLI without blocking this process (the scripted model server lives in it). */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

interface Batch {
  proc: ChildProcess;
  exit: Promise<number | null>;
  output(): string;
}

function startBatch(server: ScriptedServer, base: string, name: string, samples: number, extra: string[] = []): Batch {
  const proc = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', ID, '--agent', 'llm', '--model', 'm', '--base-url', `${server.url}/v1`, '--samples', String(samples), '--concurrency', '1', '--seed', '5', '--session', name, '--sessions-dir', base, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  return { proc, exit, output: () => out };
}

async function waitLive(dir: string, pred: (s: LiveStatus) => boolean, what: string, batch: Batch, ms = 120_000): Promise<LiveStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = readLiveStatus(dir).status;
    if (s && pred(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`live.json never showed ${what}; last: ${JSON.stringify(s?.snapshot)}\n${batch.output()}`);
    await sleep(100);
  }
}

const rolloutFiles = (dir: string) => (existsSync(join(dir, 'rollouts')) ? readdirSync(join(dir, 'rollouts')).filter((f) => f.endsWith('.jsonl')) : []);
const acks = (dir: string): ControlAck[] => readFileSync(join(dir, ACK_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function leftovers(name: string): string[] {
  const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
  return left;
}

async function setup(samples: number, sleepSec: number) {
  const { tasks } = await loadTasks('samples', { ids: [ID] });
  await ensureSampleImages(tasks);
  const server = await startScriptedServer(scriptedPolicy(tasks, samples, 5, () => sleepSec));
  const base = mkdtempSync(join(tmpdir(), 'swegym-remote-'));
  const name = `remote-${Date.now().toString(36)}`;
  return { server, base, name, dir: join(base, name) };
}

test('pause from another process: the running rollout finishes, no new one starts while paused; resume finishes the batch', { timeout: 300_000 }, async () => {
  const { server, base, name, dir } = await setup(2, 4);
  const batch = startBatch(server, base, name, 2);
  try {
    const first = await waitLive(dir, (s) => s.snapshot.running === 1, 'a running rollout', batch);
    assert.equal(first.control, true);
    assert.equal(first.pid, batch.proc.pid);
    assert.equal(first.snapshot.workers.max, 1);

    const paused = await cli(['control', name, 'pause', '--sessions-dir', base]);
    assert.equal(paused.code, 0, paused.out);
    assert.match(paused.out, /pause: ok \(pid \d+\): paused: no new rollout starts; 1 running continue/);
    await waitLive(dir, (s) => s.snapshot.state === 'paused', 'state paused', batch, 30_000); // returns at the next publish; a loaded machine is slow

    // The running rollout is let finish; then nothing starts while paused.
    await waitLive(dir, (s) => s.snapshot.done === 1 && s.snapshot.running === 0, 'the first rollout done', batch);
    const requestsAtPause = server.requests.length;
    for (let i = 0; i < 12; i++) {
      await sleep(250);
      const s = readLiveStatus(dir).status!;
      assert.equal(s.snapshot.state, 'paused');
      assert.equal(s.snapshot.running, 0, 'no rollout runs while paused');
      assert.equal(s.snapshot.queued, 1);
      assert.equal(rolloutFiles(dir).length, 1, 'no new rollout log while paused');
    }
    assert.equal(server.requests.length, requestsAtPause, 'no model call while paused');
    assert.equal(batch.proc.exitCode, null, 'the paused batch is still running');

    const refused = await cli(['control', name, 'kill', 'not-a-rollout', '--sessions-dir', base]);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /refused .*no running rollout not-a-rollout/);

    const resumed = await cli(['control', dir, 'resume']);
    assert.equal(resumed.code, 0, resumed.out);
    assert.equal(await batch.exit, 0, batch.output());

    const end = readLiveStatus(dir).status!;
    assert.equal(end.ended, true);
    assert.equal(end.snapshot.state, 'done');
    assert.equal(end.snapshot.done, 2);
    const rows = openSession(dir).summaries().sort((a, b) => a.sample - b.sample);
    assert.deepEqual(rows.map((r) => [r.sample, r.status, !!r.resolved]), [[0, 'completed', true], [1, 'completed', false]]);
    assert.deepEqual(acks(dir).map((a) => a.ok), [true, false, true]);
    assert.match(batch.output(), /control from swegym control pid \d+: pause: paused/);
    // After the end, nobody answers.
    const late = await cli(['control', name, 'pause', '--sessions-dir', base]);
    assert.equal(late.code, 3, late.out);
    assert.match(late.out, /has ended \(done\)/);
  } finally {
    if (batch.proc.exitCode === null) batch.proc.kill('SIGKILL');
    assert.deepEqual(leftovers(name), [], 'no container left');
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test('stop from another process ends the batch gracefully: the running rollout finishes, the rest never start, no container left', { timeout: 300_000 }, async () => {
  const { server, base, name, dir } = await setup(3, 4);
  const batch = startBatch(server, base, name, 3);
  try {
    await waitLive(dir, (s) => s.snapshot.running === 1 && s.snapshot.active.some((a) => (a.turns ?? 0) >= 0), 'a running rollout', batch);
    const stop = await cli(['control', name, 'stop', '--sessions-dir', base]);
    assert.equal(stop.code, 0, stop.out);
    assert.match(stop.out, /stop: ok .*stopping: no new work; 1 running rollout\(s\) finish/);
    assert.equal(await batch.exit, 3, batch.output());
    const end = readLiveStatus(dir).status!;
    assert.equal(end.ended, true);
    assert.equal(end.snapshot.state, 'stopped');
    assert.equal(rolloutFiles(dir).length, 1, 'only the rollout that was running ran');
    const ran = openSession(dir).summaries().filter((r) => r.status !== 'queued');
    assert.deepEqual(ran.map((r) => r.status), ['completed'], 'the running rollout was let finish');
  } finally {
    if (batch.proc.exitCode === null) batch.proc.kill('SIGKILL');
    assert.deepEqual(leftovers(name), [], 'no container left');
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test('--no-remote-control: live.json says so, control is refused without sending anything, the batch runs on', { timeout: 300_000 }, async () => {
  const { server, base, name, dir } = await setup(1, 3);
  const batch = startBatch(server, base, name, 1, ['--no-remote-control']);
  try {
    const s = await waitLive(dir, (x) => x.snapshot.running === 1, 'a running rollout', batch);
    assert.equal(s.control, false);
    const r = await cli(['control', name, 'stop-now', '--sessions-dir', base]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /--no-remote-control/);
    assert.ok(!existsSync(join(dir, CONTROL_FILE)), 'nothing was sent');
    assert.equal(await batch.exit, 0, batch.output());
    assert.equal(openSession(dir).summaries()[0]!.status, 'completed');
  } finally {
    if (batch.proc.exitCode === null) batch.proc.kill('SIGKILL');
    assert.deepEqual(leftovers(name), [], 'no container left');
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});
