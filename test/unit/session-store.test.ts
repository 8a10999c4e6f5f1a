import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { SessionWriter, openSession, rolloutId, followSession, scrubSecrets, readRolloutEvents } from '../../src/core/session/index.js';

const FAKE_KEY = 'sk-test-FAKEKEY0123456789abcdef';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'swegym-session-'));
}

function newWriter(dir: string, ids = ['o__r-1', 'o__r-2'], samples = 2): SessionWriter {
  return SessionWriter.create(dir, {
    name: 'test',
    swegym_version: '0.0.0',
    dataset: { ref: 'samples', instance_ids: ids },
    images: {},
    agent: { kind: 'llm', model: 'm', api_key: FAKE_KEY, headers: { Authorization: `Bearer ${FAKE_KEY}` }, base_url: `http://u:${FAKE_KEY}@127.0.0.1:1/v1` },
    sampling: { samples, temperatures: [0, 0.5], seed: 1 },
  });
}

/** Writes a plausible rollout through a real emitter; `upto` cuts it short (a crash). */
function writeRollout(w: SessionWriter, inst: string, sample: number, attempt: number, resolved: boolean, upto = Infinity): RolloutEvent[] {
  const id = rolloutId(inst, sample, attempt);
  const log = w.openRollout(id);
  const out: RolloutEvent[] = [];
  const em = new RolloutEmitter(id, (e) => {
    if (out.length < upto) {
      out.push(e);
      log.append(e);
    }
  });
  em.emit({ type: 'rollout_started', instance_id: inst, sample, attempt, agent: { kind: 'llm', config: { apiKey: FAKE_KEY, temperature: 0 } } });
  em.emit({ type: 'env_ready', image: 'img', container_id: 'c1', duration_ms: 5, repo_dir: '/testbed' });
  em.emit({ type: 'model_response', turn: 0, content: 'hi', tool_calls: [], usage: { prompt_tokens: 100, completion_tokens: 10, estimated: false }, cost_usd: 0.01, latency_ms: 3 });
  em.emit({ type: 'tool_start', step: 0, call_id: 'a', tool: 'execute_bash', args: { command: 'ls' } });
  em.emit({ type: 'tool_end', step: 0, call_id: 'a', tool: 'execute_bash', observation: 'x', is_error: false, timed_out: false, truncated: false, duration_ms: 1 });
  em.emit({ type: 'patch_updated', patch: '--- a/x\n+++ b/x\n-a\n+b\n', files: ['x'] });
  em.emit({ type: 'agent_stopped', reason: 'finished', message: '', turns: 1, usage: { prompt_tokens: 100, completion_tokens: 10, estimated: false }, cost_usd: 0.01 });
  em.emit({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status: resolved ? 'resolved' : 'unresolved', resolved } });
  em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 10 });
  if (upto !== Infinity) log.close();
  return out;
}

test('summaries come from the index; events load on demand; queued placeholders for pairs not started', async () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true);
    writeRollout(w, 'o__r-1', 1, 0, false);
    w.close();
    const r = openSession(dir);
    const rows = r.summaries();
    assert.equal(rows.length, 4);
    const a = rows.find((s) => s.instance_id === 'o__r-1' && s.sample === 0)!;
    assert.equal(a.status, 'completed');
    assert.equal(a.verdict, 'resolved');
    assert.equal(a.prompt_tokens, 100);
    assert.equal(a.patch_lines, 2);
    assert.equal(rows.filter((s) => s.status === 'queued').length, 2);
    const ev = await r.events(a.rollout_id);
    assert.equal(ev.length, 9);
    assert.equal(ev[0]!.type, 'rollout_started');
    assert.equal(r.stats.caught_up, 0, 'index was current: no log needed reading');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line is ignored and everything before it is kept', async () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true);
    w.close();
    const file = join(dir, 'rollouts', `${rolloutId('o__r-1', 0, 0)}.jsonl`);
    const full = readFileSync(file, 'utf8');
    const lines = full.split('\n').filter(Boolean);
    // Tear in the middle of the 8th line (the verdict).
    const keep = lines.slice(0, 7).join('\n') + '\n' + lines[7]!.slice(0, 25);
    truncateSync(file, Buffer.byteLength(keep));
    unlinkSync(join(dir, 'index.jsonl')); // force a rebuild from the logs
    const r = openSession(dir);
    const ev = await r.events(rolloutId('o__r-1', 0, 0));
    assert.equal(ev.length, 7);
    assert.deepEqual(ev.map((e) => e.seq), [0, 1, 2, 3, 4, 5, 6]);
    const s = r.attempts()[0]!;
    assert.equal(s.status, 'running', 'no rollout_ended survived, so the rollout is not finished');
    assert.equal(s.verdict, undefined);
    assert.equal(s.stop_reason, 'finished');
    // Appending the rest of the line later (a writer that was mid-write) makes it visible.
    appendFileSync(file, lines[7]!.slice(25) + '\n');
    assert.equal((await openSession(dir).events(rolloutId('o__r-1', 0, 0))).length, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the index is caught up when logs grew after it (crash before the index row)', () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true, 4); // crashed after 4 events
    w.close();
    const before = statSync(join(dir, 'index.jsonl')).size;
    const r1 = openSession(dir);
    assert.equal(r1.attempts()[0]!.status, 'running');
    // Another writer appends the rest (as a resumed process would to a new attempt; here: the same log grows).
    const log = join(dir, 'rollouts', `${rolloutId('o__r-1', 0, 0)}.jsonl`);
    appendFileSync(log, JSON.stringify({ v: 1, ts: Date.now(), rollout: rolloutId('o__r-1', 0, 0), seq: 4, type: 'rollout_ended', status: 'interrupted', duration_ms: 1 }) + '\n');
    const r2 = openSession(dir);
    assert.equal(r2.attempts()[0]!.status, 'interrupted');
    assert.equal(r2.stats.caught_up, 1);
    assert.equal(statSync(join(dir, 'index.jsonl')).size, before, 'readers never write the index');
    // A writer reopening the session compacts the index, so the next reader needs no catch-up.
    SessionWriter.open(dir).close();
    assert.equal(openSession(dir).stats.caught_up, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a later finished attempt decides the pair; earlier attempts stay readable', async () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-2', 1, 0, false, 3);
    writeRollout(w, 'o__r-2', 1, 1, true);
    w.close();
    const r = openSession(dir);
    const row = r.summaries().find((s) => s.instance_id === 'o__r-2' && s.sample === 1)!;
    assert.equal(row.rollout_id, rolloutId('o__r-2', 1, 1));
    assert.equal(row.resolved, true);
    assert.equal((await r.events(rolloutId('o__r-2', 1, 0))).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets never reach session files', () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true);
    w.updateManifest({ scheduler: { endpoint: { token: FAKE_KEY, url: 'http://127.0.0.1:9/v1' } } });
    w.close();
    for (const f of [...readdirSync(dir), ...readdirSync(join(dir, 'rollouts')).map((x) => join('rollouts', x))]) {
      if (f === 'rollouts') continue;
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(!text.includes('FAKEKEY'), `${f} leaks the key`);
    }
    const m = openSession(dir).manifest();
    assert.equal(m.agent.model, 'm');
    assert.equal((m.agent as Record<string, unknown>).api_key, undefined);
    assert.equal(m.agent.base_url, 'http://127.0.0.1:1/v1');
    assert.deepEqual(scrubSecrets({ a: { Authorization: 'x', keep: 1 } }), { a: { keep: 1 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid complete line names the file and line; the others load', () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true);
    w.close();
    const file = join(dir, 'rollouts', `${rolloutId('o__r-1', 0, 0)}.jsonl`);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    lines.splice(2, 0, '{"type":"tool_end","ts":"oops"}');
    writeFileSync(file, lines.join('\n') + '\n');
    const { events, errors } = readRolloutEvents(dir, rolloutId('o__r-1', 0, 0));
    assert.equal(events.length, 9);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /\.jsonl:3: field/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follow sees events appended after subscribing, including new logs, in order', async () => {
  const dir = tmp();
  try {
    const w = newWriter(dir);
    writeRollout(w, 'o__r-1', 0, 0, true); // before subscribing: not delivered
    const seen: RolloutEvent[] = [];
    const stop = followSession(dir, (e) => seen.push(e), { pollMs: 50 });
    const written = [...writeRollout(w, 'o__r-1', 1, 0, false), ...writeRollout(w, 'o__r-2', 0, 0, true)];
    const deadline = Date.now() + 15_000; // returns as soon as all arrived; generous for a loaded machine
    while (seen.length < written.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    w.close();
    assert.equal(seen.length, written.length);
    for (const id of [rolloutId('o__r-1', 1, 0), rolloutId('o__r-2', 0, 0)]) {
      assert.deepEqual(seen.filter((e) => e.rollout === id).map((e) => e.seq), written.filter((e) => e.rollout === id).map((e) => e.seq));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
