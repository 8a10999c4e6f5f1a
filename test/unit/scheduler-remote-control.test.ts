/**
 * The file-based control channel of a batch (live.json, control.jsonl, control-ack.jsonl): offsets, once-only
 * application, acknowledgements, torn lines, refusals, and the detection of a live.json nobody is behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchedulerControl, SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import { ACK_FILE, CONTROL_FILE, LIVE_FILE, checkLive, judgeLiveness, readLiveStatus, startRemoteControl, type ControlAck, type LiveStatus } from '../../src/core/scheduler/remote-control.js';
import { RemoteBatchControl, controlSession, sendControl, waitForAck } from '../../src/core/scheduler/remote-client.js';
import { controlCommand } from '../../src/cli/commands/control.js';

function snap(over: Partial<SchedulerSnapshot> = {}): SchedulerSnapshot {
  return {
    state: 'running', total: 4, done: 1, running: 1, queued: 2, resolved: 1, infra_failures: 0, retries: 0, stalled: [],
    active: [{ rollout_id: 'inst-1#0.a0', instance_id: 'inst-1', sample: 0, status: 'running', scores: {}, turns: 2, prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.01, heartbeat_age_ms: 1000, current_step: 'bash' }],
    throughput_per_min: 1.5, eta_ms: 60_000, cost_usd: 0.02, tokens: 15, workers: { busy: 1, max: 2 }, endpoints: [{ url: 'http://127.0.0.1:1/v1', in_flight: 1, max: 4 }], containers_swept: 0,
    ...over,
  };
}

/** A scheduler-shaped object with the scheduler's state rules, recording the calls it gets. */
class FakeScheduler implements SchedulerControl {
  calls: string[] = [];
  s = snap();
  private readonly ls = new Set<(s: SchedulerSnapshot) => void>();
  snapshot() {
    return this.s;
  }
  onSnapshot(cb: (s: SchedulerSnapshot) => void) {
    this.ls.add(cb);
    return () => this.ls.delete(cb);
  }
  private set(state: SchedulerSnapshot['state']) {
    this.s = { ...this.s, state };
    for (const l of this.ls) l(this.s);
  }
  pause() {
    this.calls.push('pause');
    this.set('paused');
  }
  resume() {
    this.calls.push('resume');
    this.set('running');
  }
  async stop(mode: 'graceful' | 'now') {
    this.calls.push(`stop:${mode}`);
    this.set('stopping');
  }
  kill(id: string) {
    this.calls.push(`kill:${id}`);
  }
  retry(id: string) {
    this.calls.push(`retry:${id}`);
  }
}

const acks = (dir: string): ControlAck[] =>
  existsSync(join(dir, ACK_FILE)) ? readFileSync(join(dir, ACK_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ControlAck) : [];
const line = (o: unknown) => JSON.stringify(o) + '\n';
const tmp = () => mkdtempSync(join(tmpdir(), 'swegym-rc-'));
/** Polling is disabled (huge interval): each test calls poll() itself, so nothing depends on timing. */
const QUIET = { pollMs: 3_600_000, publishMs: 3_600_000, heartbeatMs: 3_600_000 };

test('commands written before the process started are not applied; new ones are applied once and acknowledged', () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, CONTROL_FILE), line({ id: 'old-1', ts: 1, action: 'stop_now' }));
    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: true, ...QUIET });
    rc.poll();
    assert.deepEqual(sched.calls, [], 'an earlier run\'s command is history');
    assert.deepEqual(acks(dir), []);

    appendFileSync(join(dir, CONTROL_FILE), line({ id: 'c1', ts: 2, action: 'pause' }));
    rc.poll();
    rc.poll();
    assert.deepEqual(sched.calls, ['pause']);
    assert.equal(acks(dir).length, 1);
    assert.equal(acks(dir)[0]!.ack, 'c1');
    assert.equal(acks(dir)[0]!.ok, true);
    assert.equal(acks(dir)[0]!.pid, process.pid);

    // The same id again (a sender that retried): applied once only.
    appendFileSync(join(dir, CONTROL_FILE), line({ id: 'c1', ts: 3, action: 'pause' }) + line({ id: 'c2', ts: 3, action: 'resume' }));
    rc.poll();
    assert.deepEqual(sched.calls, ['pause', 'resume']);
    assert.deepEqual(acks(dir).map((a) => a.ack), ['c1', 'c2']);
    rc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line waits for its end; a garbage line is skipped and what follows it still applies', () => {
  const dir = tmp();
  try {
    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: true, ...QUIET });
    const full = line({ id: 't1', ts: 1, action: 'kill', rollout_id: 'inst-1#0.a0' });
    appendFileSync(join(dir, CONTROL_FILE), full.slice(0, 20));
    rc.poll();
    assert.deepEqual(sched.calls, [], 'half a line is not a command');
    appendFileSync(join(dir, CONTROL_FILE), full.slice(20));
    rc.poll();
    assert.deepEqual(sched.calls, ['kill:inst-1#0.a0']);

    // A sender that crashed mid-line leaves a torn tail; the next sender's line must still arrive whole.
    appendFileSync(join(dir, CONTROL_FILE), '{"id":"lost","act');
    const { id } = sendControl(dir, 'retry', 'inst-1#0.a0');
    rc.poll();
    assert.deepEqual(sched.calls, ['kill:inst-1#0.a0', 'retry:inst-1#0.a0']);
    assert.deepEqual(acks(dir).map((a) => [a.ack, a.ok]), [['t1', true], [id, true]]);
    rc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refusals and bad commands are acknowledged with ok: false and change nothing', () => {
  const dir = tmp();
  try {
    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: true, ...QUIET });
    appendFileSync(
      join(dir, CONTROL_FILE),
      line({ id: 'b1', action: 'kill', rollout_id: 'nope#0.a0' }) + line({ id: 'b2', action: 'kill' }) + line({ id: 'b3', action: 'explode' }) + line({ id: 'b4', action: 'resume' }),
    );
    rc.poll();
    const a = acks(dir);
    assert.deepEqual(a.map((x) => [x.ack, x.ok]), [['b1', false], ['b2', false], ['b3', false], ['b4', true]]);
    assert.match(a[0]!.message, /no running rollout nope#0\.a0 \(running: inst-1#0\.a0\)/);
    assert.match(a[1]!.message, /bad command: rollout_id/);
    assert.match(a[2]!.message, /bad command: action/);
    assert.match(a[3]!.message, /already running/);
    assert.deepEqual(sched.calls, []);
    // Once stopping, pause and retry are refused; stop is a no-op answered ok.
    appendFileSync(join(dir, CONTROL_FILE), line({ id: 's1', action: 'stop' }) + line({ id: 's2', action: 'pause' }) + line({ id: 's3', action: 'retry', rollout_id: 'inst-1#0.a0' }) + line({ id: 's4', action: 'stop' }));
    rc.poll();
    assert.deepEqual(acks(dir).slice(4).map((x) => [x.ack, x.ok]), [['s1', true], ['s2', false], ['s3', false], ['s4', true]]);
    assert.deepEqual(sched.calls, ['stop:graceful']);
    rc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live.json: published atomically with pid, host, control; marked ended with the final snapshot at close', () => {
  const dir = tmp();
  try {
    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: false, ...QUIET });
    const first = readLiveStatus(dir).status!;
    assert.equal(first.pid, process.pid);
    assert.equal(first.host, hostname());
    assert.equal(first.control, false);
    assert.equal(first.ended, false);
    assert.ok(Date.parse(first.started_at) > 0);
    assert.deepEqual(first.snapshot, sched.s);
    const live = checkLive(dir);
    assert.equal(live.live, true);
    assert.equal(live.live && live.controllable, false);
    assert.match(live.live ? live.reason ?? '' : '', /--no-remote-control/);

    // With control disabled, a command is answered with a refusal and not applied.
    appendFileSync(join(dir, CONTROL_FILE), line({ id: 'd1', action: 'pause' }));
    rc.poll();
    assert.deepEqual(sched.calls, []);
    assert.deepEqual(acks(dir).map((a) => [a.ack, a.ok]), [['d1', false]]);

    rc.close(snap({ state: 'done', done: 4, running: 0, active: [] }));
    const last = readLiveStatus(dir).status!;
    assert.equal(last.ended, true);
    assert.equal(last.snapshot.state, 'done');
    const after = checkLive(dir);
    assert.equal(after.live, false);
    assert.match(after.reason ?? '', /has ended \(done\)/);
    assert.ok(!existsSync(join(dir, `${LIVE_FILE}.tmp-${process.pid}`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a live.json nobody is behind is detected: dead pid, other host, not updated, missing, unreadable', () => {
  const now = Date.now();
  const base: LiveStatus = { format: 1, pid: process.pid, host: hostname(), started_at: new Date(now).toISOString(), updated_at: now - 1000, control: true, ended: false, snapshot: snap() };
  assert.deepEqual(judgeLiveness(base, { now }), { live: true, status: base, controllable: true });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const r1 = judgeLiveness({ ...base, pid: dead }, { now });
  assert.equal(r1.live, false);
  assert.match(r1.reason ?? '', new RegExp(`pid ${dead}\\) is gone`));
  assert.equal(judgeLiveness({ ...base, pid: 0 }, { now }).live, false, 'pid 0 names a process group, not a batch');
  assert.match(judgeLiveness({ ...base, host: 'elsewhere' }, { now }).reason ?? '', /runs on host elsewhere/);
  const stale = judgeLiveness({ ...base, updated_at: now - 11_000 }, { now });
  assert.equal(stale.live, false);
  assert.match(stale.reason ?? '', /not been updated for 11 s/);
  assert.equal(judgeLiveness({ ...base, updated_at: now - 9_000 }, { now }).live, true, 'within 10 s is fresh');
  assert.match(judgeLiveness(undefined).reason ?? '', /no live\.json/);

  const dir = tmp();
  try {
    assert.equal(checkLive(dir).live, false);
    writeFileSync(join(dir, LIVE_FILE), '{"pid": 1, "upd');
    assert.match(checkLive(dir).reason ?? '', /not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('controlSession / swegym control: sends, waits for the answer, exit codes 0 ok, 1 refused, 2 bad input, 3 nobody answers', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'manifest.json'), '{}');
  const quiet = { out: () => undefined, err: () => undefined };
  try {
    // Nobody there yet.
    assert.equal(await controlCommand({ session: dir, action: 'pause', timeout: 1, ...quiet }), 3);
    assert.ok(!existsSync(join(dir, CONTROL_FILE)), 'nothing is sent when no process is there');
    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: true, pollMs: 20, publishMs: 50, heartbeatMs: 200 });
    const lines: string[] = [];
    assert.equal(await controlCommand({ session: dir, action: 'pause', out: (l) => lines.push(l), err: (l) => lines.push(l) }), 0);
    assert.match(lines.join('\n'), /pause: ok \(pid \d+\): paused/);
    assert.deepEqual(sched.calls, ['pause']);
    assert.equal(await controlCommand({ session: dir, action: 'kill', rollout: 'ghost', ...quiet }), 1);
    assert.equal(await controlCommand({ session: dir, action: 'kill', ...quiet }), 2);
    assert.equal(await controlCommand({ session: dir, action: 'pause', rollout: 'x', ...quiet }), 2);
    assert.equal(await controlCommand({ session: dir, action: 'jump', ...quiet }), 2);
    assert.equal(await controlCommand({ session: join(dir, 'nope'), action: 'pause', ...quiet }), 2);
    assert.equal(await controlCommand({ session: dir, action: 'stop-now', ...quiet }), 0);
    assert.deepEqual(sched.calls, ['pause', 'stop:now']);

    // The process is alive but stops answering (hung): the sender gives up after its timeout with "no answer".
    rc.close();
    const st = readLiveStatus(dir).status!;
    writeFileSync(join(dir, LIVE_FILE), JSON.stringify({ ...st, ended: false, updated_at: Date.now() }));
    const t0 = Date.now();
    const r = await controlSession(dir, 'resume', undefined, { timeoutMs: 300 });
    assert.equal(r.kind, 'no_answer');
    assert.ok(Date.now() - t0 >= 300);
    assert.match(r.kind === 'no_answer' ? r.reason : '', /did not answer within/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RemoteBatchControl: snapshots from live.json, commands through the channel, answers as messages, read-only when nobody is there', async () => {
  const dir = tmp();
  try {
    const none = new RemoteBatchControl(dir);
    const said: string[] = [];
    none.onMessage((m) => said.push(m));
    none.pause();
    await new Promise((r) => setTimeout(r, 10));
    assert.match(said[0] ?? '', /^read-only: .*no live\.json/);
    assert.ok(!existsSync(join(dir, CONTROL_FILE)));

    const sched = new FakeScheduler();
    const rc = startRemoteControl(dir, sched, { control: true, pollMs: 20, publishMs: 20, heartbeatMs: 200 });
    const remote = new RemoteBatchControl(dir, { pollMs: 20 });
    assert.equal(remote.readOnlyReason(), undefined);
    assert.equal(remote.snapshot().workers.max, 2);
    assert.equal(remote.snapshot().active[0]!.current_step, 'bash');
    const seen: string[] = [];
    remote.onSnapshot((s) => seen.push(s.state));
    const msgs: Array<[string, boolean]> = [];
    remote.onMessage((m, ok) => msgs.push([m, ok]));
    const ack = await remote.send('pause');
    assert.equal(ack?.ok, true);
    assert.deepEqual(sched.calls, ['pause']);
    assert.match(msgs.at(-1)![0], /^pause: ok — paused/);
    const deadline = Date.now() + 15_000;
    while (!seen.includes('paused') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.includes('paused'), 'the follower saw the batch paused through live.json');
    const lines = readFileSync(join(dir, CONTROL_FILE), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].action, 'pause');
    assert.match(lines[0].from, /^workbench pid/);
    rc.close();
    remote.refresh();
    assert.match(remote.readOnlyReason() ?? '', /has ended/);
    remote.close();
    none.close();
    // waitForAck ignores answers before the offset it was given.
    const { id, ackOffset } = sendControl(dir, 'resume');
    assert.equal(await waitForAck(dir, id, { fromOffset: ackOffset, timeoutMs: 50 }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
