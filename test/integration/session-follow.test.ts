/**
 * Two processes: one runs a batch (real Docker, scripted model over real HTTP), the other follows the session with
 * `swegym show --follow --json` and must see every rollout's events, in order, while they are being written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import type { RolloutEvent } from '../../src/core/events.js';
import { scriptedPolicy, ensureSampleImages } from './scheduler-scripted-model.js';

const BIN = join(process.cwd(), 'bin', 'swegym.js');
const IDS = ['swegym-samples__durations-19', 'swegym-samples__ledger-15', 'swegym-samples__ledger-21'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a second process follows a running batch and sees every event as it is written', { timeout: 300_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  await ensureSampleImages(tasks); // before any clock starts
  const server = await startScriptedServer(scriptedPolicy(tasks, 1, 3, () => 2));
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  const name = `follow-${Date.now().toString(36)}`;
  const dir = join(base, name);
  const env = { ...process.env, OPENAI_API_KEY: 'sk-test-x', SWEGYM_ENGINES: '' };
  try {
    const batch = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--model', 'm', '--base-url', `${server.url}/v1`, '--samples', '1', '--concurrency', '2', '--seed', '3', '--session', name, '--sessions-dir', base], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let batchOut = '';
    batch.stdout.on('data', (d) => (batchOut += d));
    batch.stderr.on('data', (d) => (batchOut += d));
    let batchEndedAt = 0;
    const batchExit = new Promise<number | null>((r) => batch.on('exit', (c) => ((batchEndedAt = Date.now()), r(c))));
    while (!existsSync(join(dir, 'manifest.json'))) await sleep(20);

    const follower = spawn(process.execPath, [BIN, 'show', name, '--follow', '--json', '--sessions-dir', base], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: Array<{ e: RolloutEvent; at: number }> = [];
    let partial = '';
    let ferr = '';
    follower.stderr.on('data', (d) => (ferr += d));
    follower.stdout.on('data', (d) => {
      const text = partial + d;
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.trim()) seen.push({ e: JSON.parse(l) as RolloutEvent, at: Date.now() });
    });
    const followerExit = new Promise<number | null>((r) => follower.on('exit', (c) => r(c)));

    assert.equal(await batchExit, 0, batchOut);
    // Every event on disk must reach the follower.
    const r = openSession(dir);
    const onDisk = new Map<string, RolloutEvent[]>();
    for (const a of r.attempts()) onDisk.set(a.rollout_id, await r.events(a.rollout_id));
    const total = [...onDisk.values()].reduce((n, l) => n + l.length, 0);
    const deadline = Date.now() + 10_000;
    while (seen.length < total && Date.now() < deadline) await sleep(50);
    follower.kill('SIGINT');
    assert.equal(await followerExit, 0, ferr);

    assert.equal(onDisk.size, IDS.length);
    assert.equal(seen.length, total, 'the follower saw exactly the events on disk');
    for (const [id, events] of onDisk) {
      const got = seen.filter((s) => s.e.rollout === id).map((s) => `${s.e.seq}:${s.e.type}`);
      assert.deepEqual(got, events.map((e) => `${e.seq}:${e.type}`), `events of ${id} in order`);
    }
    // Live, not after the fact: rollouts that ended while the batch was still running were seen before it exited.
    const endsSeenLive = seen.filter((s) => s.e.type === 'rollout_ended' && s.at < batchEndedAt);
    assert.ok(endsSeenLive.length >= 1, 'at least one rollout end was seen while the batch was running');
    const toolStartsLive = seen.filter((s) => s.e.type === 'tool_start' && s.at < batchEndedAt);
    assert.ok(toolStartsLive.length >= IDS.length, 'tool calls were seen as they happened');
  } finally {
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
    assert.equal(left.length, 0, 'no container left');
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});
