/**
 * `swegym show <session> --instance ID --sample k --follow` on a session written through the real writer while the
 * command runs: only the chosen pair's events, in order, and the command ends by itself when the rollout does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter } from '../../src/core/events.js';
import { SessionWriter, acquireSessionLock, rolloutId } from '../../src/core/session/index.js';
import { showCommand } from '../../src/cli/commands/show.js';
import { startRemoteControl } from '../../src/core/scheduler/index.js';
import type { SchedulerControl, SchedulerSnapshot } from '../../src/core/scheduler/index.js';

const usage = { prompt_tokens: 1, completion_tokens: 1, estimated: false };
// Chosen so that a file-name prefix match ("o__a-1.s0.a") would wrongly take it for an attempt of o__a-1 sample 0.
const LOOKALIKE = 'o__a-1.s0.a9';

function session(dir: string): SessionWriter {
  return SessionWriter.create(dir, { name: 'f', swegym_version: '0', dataset: { ref: 'samples', instance_ids: ['o__a-1', LOOKALIKE] }, images: {}, agent: { kind: 'llm', model: 'm' }, sampling: { samples: 2, temperatures: [0, 0.5], seed: 0 } });
}

function rollout(w: SessionWriter, inst: string, sample: number, attempt: number): RolloutEmitter {
  const id = rolloutId(inst, sample, attempt);
  const log = w.openRollout(id);
  const em = new RolloutEmitter(id, (e) => log.append(e));
  em.emit({ type: 'rollout_started', instance_id: inst, sample, attempt, agent: { kind: 'llm', model: 'm', config: {} } });
  return em;
}

const bash = (em: RolloutEmitter, cmd: string) => em.emit({ type: 'tool_start', step: 0, call_id: 'c', tool: 'execute_bash', args: { command: cmd } });

/** Runs show --follow; `cap` aborts it so a broken command fails the test instead of hanging it. */
function follow(base: string, instance: string, sample: number, cap = 20_000) {
  const lines: string[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), cap);
  const run = showCommand({ session: 'f', sessionsDir: base, instance, sample, follow: true, out: (l) => lines.push(l), signal: ac.signal }).finally(() => clearTimeout(timer));
  return { lines, run, aborted: () => ac.signal.aborted };
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('follow prints only the chosen rollout, in order, and ends when it ends', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  try {
    const w = session(join(base, 'f'));
    const mine = rollout(w, 'o__a-1', 0, 0);
    mine.emit({ type: 'model_response', turn: 0, content: 'first', tool_calls: [], usage, cost_usd: 0, latency_ms: 1 });
    const otherSample = rollout(w, 'o__a-1', 1, 0);
    const lookalike = rollout(w, LOOKALIKE, 0, 0);

    const f = follow(base, 'o__a-1', 0);
    await until(() => f.lines.length >= 2); // what was there before: started + turn 0
    bash(otherSample, 'echo OTHER-1');
    bash(mine, 'echo mine-1');
    bash(lookalike, 'echo OTHER-2');
    mine.emit({ type: 'tool_end', step: 0, call_id: 'c', tool: 'execute_bash', observation: 'mine-out', exit_code: 0, is_error: false, timed_out: false, truncated: false, duration_ms: 1 });
    bash(otherSample, 'echo OTHER-3');
    mine.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
    bash(otherSample, 'echo OTHER-4');

    assert.equal(await f.run, 0);
    assert.equal(f.aborted(), false, 'the command ended on rollout_ended, not on the test cap');
    const text = f.lines.join('\n');
    assert.doesNotMatch(text, /OTHER|\.s1\.a0|a9\.s0/, text);
    const order = ['o__a-1.s0.a0 started o__a-1 sample 0', 'turn 0: first', '$ execute_bash echo mine-1', 'ok exit 0', 'mine-out', 'o__a-1.s0.a0 ended completed'];
    const at = order.map((s) => text.indexOf(s));
    assert.ok(at.every((i) => i >= 0), `all printed:\n${text}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at, `in order:\n${text}`);
    w.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('an infra failure while the session runs is followed into the retry; an ended pair ends at once, attempts in order', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  const dir = join(base, 'f');
  try {
    const w = session(dir);
    const release = acquireSessionLock(dir); // this process "runs" the session: a retry may come
    const a0 = rollout(w, 'o__a-1', 0, 0);
    const f = follow(base, 'o__a-1', 0);
    await until(() => f.lines.length >= 1);
    a0.emit({ type: 'rollout_ended', status: 'infra_error', error: 'docker went away', duration_ms: 1 });
    await new Promise((r) => setTimeout(r, 800)); // longer than the idle checks: must still be following
    let settled = false;
    void f.run.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'still waiting for the retry while the session runs');
    const a1 = rollout(w, 'o__a-1', 0, 1);
    bash(a1, 'echo retry');
    a1.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 1 });
    assert.equal(await f.run, 0);
    assert.equal(f.aborted(), false);
    const text = f.lines.join('\n');
    assert.match(text, /\.s0\.a0 ended infra_error \(docker went away\)[^]*\.s0\.a1 started[^]*echo retry[^]*\.s0\.a1 ended completed/, text);
    release();

    // The pair is over now: --follow prints both attempts in order and returns without waiting for anything.
    const again = follow(base, 'o__a-1', 0);
    const t0 = Date.now();
    assert.equal(await again.run, 0);
    assert.ok(Date.now() - t0 < 1000, 'no waiting on an ended rollout');
    assert.deepEqual(again.lines.map((l) => l.replace(/^\S+ /, '').split(' ').slice(0, 2).join(' ')), [
      'o__a-1.s0.a0 started', 'o__a-1.s0.a0 ended', 'o__a-1.s0.a1 started', 'o__a-1.s0.a1 $', 'o__a-1.s0.a1 ended',
    ]);
    w.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('an interrupted rollout of a session nobody runs ends the follow; abort ends it too', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  try {
    const w = session(join(base, 'f'));
    const a0 = rollout(w, 'o__a-1', 0, 0);
    const f = follow(base, 'o__a-1', 0);
    await until(() => f.lines.length >= 1);
    a0.emit({ type: 'rollout_ended', status: 'interrupted', duration_ms: 1 });
    assert.equal(await f.run, 0);
    assert.equal(f.aborted(), false, 'ended because no process runs the session, not on the cap');
    assert.match(f.lines.join('\n'), /\.s0\.a0 ended interrupted/);

    // A pair that has not started: only the signal ends it.
    const g = follow(base, 'o__a-1', 1, 400);
    assert.equal(await g.run, 0);
    assert.equal(g.aborted(), true);
    assert.deepEqual(g.lines, []);
    w.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// ---- the whole session: the batch's end -------------------------------------------------------------------------

const snap = (state: SchedulerSnapshot['state']): SchedulerSnapshot => ({ state, total: 4, done: 0, running: 0, queued: 4, resolved: 0, infra_failures: 0, retries: 0, stalled: [], active: [], throughput_per_min: 0, cost_usd: 0, tokens: 0, workers: { busy: 0, max: 2 }, endpoints: [], containers_swept: 0 });

/** A scheduler as live.json's writer sees it: a snapshot source. The writer (startRemoteControl) is the real one. */
function scheduler(state: SchedulerSnapshot['state']): SchedulerControl {
  return { snapshot: () => snap(state), onSnapshot: () => () => {}, pause() {}, resume() {}, async stop() {}, kill() {}, retry() {} };
}

/** One whole rollout: started, graded, ended (cost 0.01 each). */
function finish(w: SessionWriter, inst: string, sample: number, status: 'resolved' | 'unresolved' | 'empty_patch'): void {
  const em = rollout(w, inst, sample, 0);
  em.emit({ type: 'model_response', turn: 0, content: `${inst} s${sample}`, tool_calls: [], usage, cost_usd: 0.01, latency_ms: 1 });
  em.emit({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status, resolved: status === 'resolved', tests_status: { FAIL_TO_PASS: { success: [], failure: [] }, PASS_TO_PASS: { success: [], failure: [] } } } } as never);
  em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
}

function followAll(base: string, json = false, cap = 20_000) {
  const lines: string[] = [];
  const errs: string[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), cap);
  const run = showCommand({ session: 'f', sessionsDir: base, follow: true, json, out: (l) => lines.push(l), err: (l) => errs.push(l), signal: ac.signal }).finally(() => clearTimeout(timer));
  return { lines, errs, run, aborted: () => ac.signal.aborted };
}

test('following a whole session: events as the batch writes them, then a tally line when the batch ends, and exit 0', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  const dir = join(base, 'f');
  try {
    const w = session(dir);
    const live = startRemoteControl(dir, scheduler('running'), { control: false });
    const f = followAll(base);
    finish(w, 'o__a-1', 0, 'resolved');
    await until(() => f.lines.some((l) => l.includes('o__a-1.s0.a0 ended completed')));
    // The batch is still running: the follow goes on (the effect awaited next, the end line, can only follow close()).
    let settled = false;
    void f.run.then(() => (settled = true));
    finish(w, 'o__a-1', 1, 'resolved');
    finish(w, LOOKALIKE, 0, 'unresolved');
    finish(w, LOOKALIKE, 1, 'empty_patch');
    await until(() => f.lines.some((l) => l.includes(`${LOOKALIKE}.s1.a0 started`)));
    assert.equal(settled, false, 'no end line while live.json says the batch runs');
    live.close(snap('done'));
    assert.equal(await f.run, 0);
    assert.equal(f.aborted(), false, 'it ended on the batch end, not on the test cap');
    // Every event written before the end is printed, then the tally, last.
    assert.ok(f.lines.some((l) => l.includes(`${LOOKALIKE}.s1.a0 ended completed`)), f.lines.join('\n'));
    assert.equal(f.lines.at(-1), '== batch done: 4/4 finished · 2 resolved (50%) · 1 empty_patch · 1 unresolved · $0.0400 · report: swegym report f');
    assert.equal(f.lines.filter((l) => l.startsWith('==')).length, 1);
    w.close();

    // Followed after the fact: everything, the same tally, at once. With --json, stdout stays one event per line.
    const again = followAll(base, true);
    assert.equal(await again.run, 0);
    assert.equal(again.aborted(), false);
    for (const l of again.lines) assert.equal(typeof JSON.parse(l).type, 'string', l);
    assert.equal(again.lines.filter((l) => JSON.parse(l).type === 'rollout_ended').length, 4);
    assert.deepEqual(again.errs, ['== batch done: 4/4 finished · 2 resolved (50%) · 1 empty_patch · 1 unresolved · $0.0400 · report: swegym report f']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a stopped batch ends the follow with its tally and the resume command (exit 3); a batch process gone without a word, exit 1', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  const dir = join(base, 'f');
  try {
    const w = session(dir);
    const live = startRemoteControl(dir, scheduler('running'), { control: false });
    const f = followAll(base);
    finish(w, 'o__a-1', 0, 'unresolved');
    const cut = rollout(w, 'o__a-1', 1, 0);
    cut.emit({ type: 'rollout_ended', status: 'interrupted', duration_ms: 1 });
    await until(() => f.lines.some((l) => l.includes('o__a-1.s1.a0 ended interrupted')));
    live.close(snap('stopped'));
    assert.equal(await f.run, 3);
    assert.equal(f.aborted(), false);
    assert.equal(f.lines.at(-1), '== batch stopped: 2/4 finished · 0 resolved (0%) · 1 interrupted · 1 unresolved · $0.0100 · continue with: swegym resume f');

    // A live.json left by a process that died without marking it ended (kill -9): a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    const status = JSON.parse(readFileSync(join(dir, 'live.json'), 'utf8'));
    writeFileSync(join(dir, 'live.json'), JSON.stringify({ ...status, pid, ended: false, updated_at: Date.now(), snapshot: snap('running') }));
    const g = followAll(base);
    assert.equal(await g.run, 1);
    assert.equal(g.aborted(), false);
    assert.match(g.lines.at(-1)!, /^== batch process gone \(crashed or killed\): 2\/4 finished .* continue with: swegym resume f$/);
    w.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a session no batch process publishes for (single runs) is followed until Ctrl-C, with no end line', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-follow-'));
  try {
    const w = session(join(base, 'f'));
    finish(w, 'o__a-1', 0, 'resolved');
    const f = followAll(base, false, 1500);
    assert.equal(await f.run, 0);
    assert.equal(f.aborted(), true, 'only the signal ended it');
    assert.ok(f.lines.some((l) => l.includes('o__a-1.s0.a0 ended completed')));
    assert.ok(!f.lines.some((l) => l.startsWith('==')));
    w.close();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
