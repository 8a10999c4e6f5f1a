import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import { ACK_FILE, CONTROL_FILE, LIVE_FILE, type LiveStatus } from '../../src/core/scheduler/remote-control.js';
import { RemoteBatchControl } from '../../src/core/scheduler/remote-client.js';
import { SessionWriter } from '../../src/core/session/writer.js';
import { BatchDashboard } from '../../src/tui/screens/batch.js';
import { App } from '../../src/tui/app.js';
import { CoreBackend } from '../../src/tui/core-backend.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';

/**
 * Following a batch another process runs: the dashboard renders from the session's live.json, and its keys append
 * commands to control.jsonl (the answer, read from control-ack.jsonl, is shown). The "other process" is this test
 * process (its pid is alive); the acks are written by the test, as the batch process would.
 */

const { renderWith, press, waitFrame, stripAnsi, KEYS } = helpers;
afterEach(() => cleanup());

const row = (id: string, instance: string, over: Record<string, unknown> = {}) => ({
  rollout_id: id, instance_id: instance, sample: 0, status: 'running' as const, scores: {}, turns: 3, prompt_tokens: 100, completion_tokens: 10, cost_usd: 0.05, ...over,
});

function liveSnap(over: Partial<SchedulerSnapshot> = {}): SchedulerSnapshot {
  return {
    state: 'running', total: 8, done: 3, running: 2, queued: 3, resolved: 2, infra_failures: 1, retries: 1, stalled: ['r-hung'],
    active: [
      { ...row('r-hung', 'acme__hung-1'), current_step: 'bash: pytest -x', heartbeat_age_ms: 700_000 },
      { ...row('r-ok', 'acme__fine-2'), current_step: 'model', heartbeat_age_ms: 2_000 },
    ],
    throughput_per_min: 1.5, eta_ms: 120_000, cost_usd: 0.75, projected_cost_usd: 2, budget_usd: 3, tokens: 4321,
    workers: { busy: 2, max: 4 }, endpoints: [{ url: 'http://127.0.0.1:9/v1', in_flight: 2, max: 6 }], containers_swept: 1, ...over,
  };
}

function writeLiveNow(dir: string, over: Partial<LiveStatus>, snap: SchedulerSnapshot): void {
  const s: LiveStatus = { format: 1, pid: process.pid, host: hostname(), started_at: new Date().toISOString(), updated_at: Date.now(), control: true, ended: false, snapshot: snap, ...over };
  // Atomic, as the batch process writes it: a follower polling every 30 ms must never read half a file.
  writeFileSync(join(dir, `${LIVE_FILE}.tmp`), JSON.stringify(s));
  renameSync(join(dir, `${LIVE_FILE}.tmp`), join(dir, LIVE_FILE));
}

/**
 * The batch process rewrites live.json every heartbeat, and a follower calls one not updated for 10 s gone (read-only).
 * A test on a loaded machine can outlast that: the last state written is kept fresh once a second, as the process would.
 */
const fresh = new Map<string, [Partial<LiveStatus>, SchedulerSnapshot]>();
setInterval(() => {
  for (const [dir, [over, snap]] of fresh) {
    try {
      writeLiveNow(dir, over, snap);
    } catch {
      fresh.delete(dir); // the test removed its folder
    }
  }
}, 1000).unref();

function writeLive(dir: string, over: Partial<LiveStatus> = {}, snap = liveSnap()): void {
  fresh.set(dir, [over, snap]);
  writeLiveNow(dir, over, snap);
}

const commands = (dir: string): Array<Record<string, unknown>> =>
  existsSync(join(dir, CONTROL_FILE)) ? readFileSync(join(dir, CONTROL_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

async function until<T>(f: () => T | undefined, ms = 15000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('dashboard of another process\'s batch: figures from live.json; p / K / S append control lines; the answer is shown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-remote-tui-'));
  const remote = new RemoteBatchControl(dir, { pollMs: 30 });
  try {
    writeLive(dir);
    remote.refresh();
    const r = renderWith(<BatchDashboard control={remote} remote={remote} finished={[]} sessionName="headless-1" width={100} height={16} onOpen={() => undefined} onBack={() => undefined} />);
    const f = stripAnsi(await waitFrame(r, (p) => p.includes('acme__hung-1')));
    assert.match(f, /batch headless-1 {2}RUNNING {2}3\/8 done · 2 running · 3 queued/);
    assert.match(f, /spend \$0\.7500 \/ budget \$3\.0000 \(projected \$2\.0000\)/);
    assert.match(f, /workers 2\/4 · swept 1/);
    assert.match(f, /127\.0\.0\.1:9\/v1 2\/6/);
    assert.match(f, /1 STALLED/);
    assert.match(f, /acme__hung-1#0 .*bash: pytest -x .*STALLED ♥ 11m4\ds/);
    assert.match(f, new RegExp(`following pid ${process.pid} on ${hostname()}`));

    await press(r, 'p');
    const pause = await until(() => commands(dir).find((c) => c.action === 'pause'));
    assert.equal(commands(dir).length, 1);
    assert.equal(typeof pause.id, 'string');
    assert.match(String(pause.from), /^workbench pid/);
    await waitFrame(r, (p) => p.includes('pause: sent to pid'));
    // The batch process answers and publishes its new state.
    appendFileSync(join(dir, ACK_FILE), JSON.stringify({ ack: pause.id, ts: Date.now(), ok: true, message: 'paused: no new rollout starts; 2 running continue', pid: process.pid }) + '\n');
    writeLive(dir, {}, liveSnap({ state: 'paused' }));
    await waitFrame(r, (p) => p.includes('pause: ok — paused: no new rollout starts') && p.includes('PAUSED'));

    // p again on a paused batch resumes it; K kills the selected (stalled) row.
    await press(r, 'p', 'K');
    // K asks first; y confirms.
    await waitFrame(r, (p) => p.includes('kill r-hung? y to confirm'));
    await press(r, 'y');
    await until(() => commands(dir).length === 3 || undefined);
    assert.deepEqual(commands(dir).map((c) => [c.action, c.rollout_id]), [['pause', undefined], ['resume', undefined], ['kill', 'r-hung']]);
    // A refusal is shown as such.
    const kill = commands(dir)[2]!;
    appendFileSync(join(dir, ACK_FILE), JSON.stringify({ ack: kill.id, ts: Date.now(), ok: false, message: 'no running rollout r-hung (running: r-ok)', pid: process.pid }) + '\n');
    await waitFrame(r, (p) => p.includes('kill r-hung: refused — no running rollout r-hung'));
    await press(r, 'S');
    await until(() => commands(dir).find((c) => c.action === 'stop'));
    await press(r, KEYS.down, 'X');
    await waitFrame(r, (p) => p.includes('stop now: interrupt'));
    await press(r, 'y');
    await until(() => commands(dir).find((c) => c.action === 'stop_now'));
    assert.deepEqual(commands(dir).map((c) => c.action), ['pause', 'resume', 'kill', 'stop', 'stop_now']);
  } finally {
    remote.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read-only when nobody answers: a dead pid, or a batch started with --no-remote-control; keys send nothing and say why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-remote-ro-'));
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const remote = new RemoteBatchControl(dir, { pollMs: 30 });
  try {
    writeLive(dir, { pid: dead });
    remote.refresh();
    const r = renderWith(<BatchDashboard control={remote} remote={remote} finished={[]} sessionName="crashed" width={120} height={14} onOpen={() => undefined} onBack={() => undefined} />);
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('read-only')));
    assert.match(f, new RegExp(`read-only: the batch process \\(pid ${dead}\\) is gone`));
    assert.match(f, /STOPPED/, 'a process that died is not shown as running');
    await press(r, 'p', 'S', 'K');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('read-only')));
    assert.deepEqual(commands(dir), [], 'nothing is sent to a process that is not there');

    // Alive but control disabled.
    writeLive(dir, { control: false });
    f = stripAnsi(await waitFrame(r, (p) => p.includes('--no-remote-control')));
    assert.match(f, /RUNNING/);
    await press(r, 'p');
    await waitFrame(r, (p) => p.includes('read-only: the batch process'));
    assert.deepEqual(commands(dir), []);
  } finally {
    remote.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the workbench lists a live session as live, opens it on the dashboard from live.json, and p sends pause', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-remote-app-'));
  const dir = join(base, 'headless-batch');
  const writer = SessionWriter.create(dir, { name: 'headless-batch', swegym_version: 'test', dataset: { ref: 'samples', instance_ids: ['acme__hung-1', 'acme__fine-2'] }, images: {}, agent: { kind: 'gold' }, sampling: { samples: 1, temperatures: [0], seed: 0 } });
  writer.close();
  writeLive(dir);
  const backend = new CoreBackend({ dataset: 'samples', sessionsDir: base, env: {} });
  const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={defaultBindings()} size={{ columns: 100, rows: 24 }} />);
  try {
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('headless-batch')));
    assert.match(f, /headless-batch +running/);
    await press(r, KEYS.down, KEYS.down, KEYS.enter);
    f = stripAnsi(await waitFrame(r, (p) => p.includes('3/8 done')));
    assert.match(f, /batch headless-batch {2}RUNNING/);
    assert.match(f, /acme__fine-2#0/);
    assert.match(f, new RegExp(`following pid ${process.pid}`));
    await press(r, 'p');
    const c = await until(() => commands(dir)[0]);
    assert.equal(c.action, 'pause');
    assert.equal(c.rollout_id, undefined);
    await press(r, 'q');
    await waitFrame(r, (p) => p.includes('New run'));
  } finally {
    r.unmount();
    rmSync(base, { recursive: true, force: true });
  }
});
