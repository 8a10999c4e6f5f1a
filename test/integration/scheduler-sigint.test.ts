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
import { scriptedPolicy } from './scheduler-scripted-model.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function containersOf(session: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session=${session}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

async function runAndInterrupt(base: string, name: string, url: string, sigints: number) {
  const p = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--model', 'm', '--base-url', `${url}/v1`, '--samples', '2', '--concurrency', '2', '--seed', '4', '--session', name, '--sessions-dir', base], {
    env: { ...process.env, OPENAI_API_KEY: 'sk-test-x', SWEGYM_ENGINES: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(150);
    try {
      const inTool = openSession(join(base, name)).attempts().filter((s) => s.status === 'running' && s.current_step?.startsWith('execute_bash sleep'));
      if (inTool.length === 2) break;
    } catch {
      /* not created yet */
    }
  }
  for (let i = 0; i < sigints; i++) {
    p.kill('SIGINT');
    await sleep(300);
  }
  return { code: await exit, out };
}

test('first Ctrl-C: running rollouts finish, nothing new starts; second Ctrl-C: stop now; no container left', { timeout: 300_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  const server = await startScriptedServer(scriptedPolicy(tasks, 2, 4, () => 4));
  const base = mkdtempSync(join(tmpdir(), 'swegym-sigint-'));
  const once = `once-${Date.now().toString(36)}`;
  const twice = `twice-${Date.now().toString(36)}`;
  try {
    const r1 = await runAndInterrupt(base, once, server.url, 1);
    assert.equal(r1.code, 3, r1.out);
    assert.match(r1.out, /Stopping: no new rollouts/);
    const rows1 = openSession(join(base, once)).summaries();
    assert.deepEqual(rows1.map((r) => r.status).sort(), ['completed', 'completed', 'queued', 'queued'], r1.out);
    assert.deepEqual(containersOf(once), []);

    const r2 = await runAndInterrupt(base, twice, server.url, 2);
    assert.equal(r2.code, 3, r2.out);
    assert.match(r2.out, /Stopping now/);
    const rows2 = openSession(join(base, twice)).summaries();
    assert.deepEqual(rows2.map((r) => r.status).sort(), ['interrupted', 'interrupted', 'queued', 'queued'], r2.out);
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
