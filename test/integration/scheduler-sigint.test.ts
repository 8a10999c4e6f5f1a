/**
 * Ctrl-C on a real batch process: the first SIGINT takes no new work and lets running rollouts finish; a second one
 * stops at once. Either way, no container is left and the session can be resumed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { scriptedPolicy, ensureSampleImages, turnOf, deferred } from './scheduler-scripted-model.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function containersOf(session: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${session}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * The model holds every second request (turn 1) until the test opens the gate: with 2 workers, the batch is then
 * certainly in "2 rollouts running, 2 queued" when the signals arrive, whatever the machine's load.
 */
function gatedServerPolicy(policy: ReturnType<typeof scriptedPolicy>) {
  const state = { gate: deferred(), held: 0 };
  const script = async (req: Parameters<typeof policy>[0]) => {
    if (turnOf(req) === 1) {
      state.held++;
      await state.gate.promise;
    }
    return policy(req);
  };
  return { script, state };
}

async function runAndInterrupt(base: string, name: string, url: string, sigints: number, g: ReturnType<typeof gatedServerPolicy>['state']) {
  g.gate = deferred();
  g.held = 0;
  const p = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--model', 'm', '--base-url', `${url}/v1`, '--samples', '2', '--concurrency', '2', '--seed', '4', '--session', name, '--sessions-dir', base], {
    env: { ...process.env, OPENAI_API_KEY: 'sk-test-x', SWEGYM_ENGINES: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  let exited = false;
  const exit = new Promise<number | null>((r) => p.on('exit', (c) => ((exited = true), r(c))));
  const deadline = Date.now() + 240_000;
  while (g.held < 2 && !exited && Date.now() < deadline) await sleep(100);
  assert.equal(g.held, 2, `both workers should be waiting on the model (exited: ${exited}):\n${out}`);
  const rows = openSession(join(base, name)).summaries();
  assert.deepEqual(rows.map((r) => r.status).sort(), ['queued', 'queued', 'running', 'running']);
  for (let i = 0; i < sigints; i++) {
    p.kill('SIGINT');
    // The process acknowledges each signal before the next one is sent.
    const want = i === 0 ? /Stopping: no new rollouts/ : /Stopping now/;
    const until = Date.now() + 30_000;
    while (!want.test(out) && !exited && Date.now() < until) await sleep(50);
  }
  const t0 = Date.now();
  // Graceful stop: the running rollouts may go on (the model answers again); stop now: they are interrupted while
  // their requests still hang, and the process must exit without the model's help.
  if (sigints === 1) g.gate.resolve();
  const code = await exit;
  g.gate.resolve();
  return { code, out, exitMs: Date.now() - t0 };
}

test('first Ctrl-C: running rollouts finish, nothing new starts; second Ctrl-C: stop now; no container left', { timeout: 300_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  await ensureSampleImages(tasks);
  const gated = gatedServerPolicy(scriptedPolicy(tasks, 2, 4, () => 1));
  const server = await startScriptedServer(gated.script);
  const base = mkdtempSync(join(tmpdir(), 'swegym-sigint-'));
  const once = `once-${Date.now().toString(36)}`;
  const twice = `twice-${Date.now().toString(36)}`;
  try {
    const r1 = await runAndInterrupt(base, once, server.url, 1, gated.state);
    assert.equal(r1.code, 3, r1.out);
    assert.match(r1.out, /Stopping: no new rollouts/);
    const rows1 = openSession(join(base, once)).summaries();
    assert.deepEqual(rows1.map((r) => r.status).sort(), ['completed', 'completed', 'queued', 'queued'], r1.out);
    assert.deepEqual(containersOf(once), []);

    const r2 = await runAndInterrupt(base, twice, server.url, 2, gated.state);
    assert.equal(r2.code, 3, r2.out);
    assert.match(r2.out, /Stopping now/);
    const rows2 = openSession(join(base, twice)).summaries();
    assert.deepEqual(rows2.map((r) => r.status).sort(), ['interrupted', 'interrupted', 'queued', 'queued'], r2.out);
    assert.ok(r2.exitMs < 20_000, `stop now took ${r2.exitMs} ms`);
    assert.deepEqual(containersOf(twice), []);
  } finally {
    for (const s of [once, twice]) {
      const left = containersOf(s);
      if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
    }
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});
