import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionWriter, openSession } from '../../src/core/session/index.js';
import { Scheduler, type RolloutRunner, type RunnerContext, type Engine } from '../../src/core/scheduler/scheduler.js';
import { planWork, temperatureFor, seedFor } from '../../src/core/scheduler/queue.js';
import { EndpointLimiter, Semaphore } from '../../src/core/scheduler/semaphore.js';
import { ImagePrefetcher, NoImageError } from '../../src/core/scheduler/images.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import type { Runtime, RuntimeProvider } from '../../src/core/runtime/types.js';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function task(id: string): TaskRecord {
  return { instance_id: id, repo: 'o/r', base_commit: 'a'.repeat(40), patch: '', test_patch: '', problem_statement: '', hints_text: '', created_at: '', version: '1', FAIL_TO_PASS: [], PASS_TO_PASS: [] };
}

/** An in-memory engine: counts sweeps by label; no containers are really made here (unit test). */
class FakeProvider implements RuntimeProvider {
  sweeps: Array<Record<string, string>> = [];
  async start(): Promise<Runtime> {
    throw new Error('not used');
  }
  async sweep(labels?: Record<string, string>): Promise<number> {
    this.sweeps.push(labels ?? {});
    return 0;
  }
}

function session(ids: string[], samples: number): { dir: string; w: SessionWriter } {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-sched-'));
  const w = SessionWriter.create(dir, { name: `s-${Math.random().toString(36).slice(2, 7)}`, swegym_version: '0', dataset: { ref: 't', instance_ids: ids }, images: {}, agent: { kind: 'external' }, sampling: { samples, temperatures: [0, 0.5], seed: 1 } });
  return { dir, w };
}

/** A scripted rollout: resolved iff (sample is odd) unless told otherwise. */
async function scripted(ctx: RunnerContext, o: { delayMs?: number; cost?: number; hang?: boolean; ignoreAbort?: boolean; resolved?: boolean } = {}) {
  const em = ctx.emitter;
  em.emit({ type: 'rollout_started', instance_id: ctx.task.instance_id, sample: ctx.sample, attempt: ctx.attempt, temperature: ctx.temperature, seed: ctx.seed, agent: { kind: 'external', config: {} } });
  em.emit({ type: 'model_response', turn: 0, content: null, tool_calls: [], usage: { prompt_tokens: 100, completion_tokens: 10, estimated: false }, cost_usd: o.cost ?? 0.001, latency_ms: 1 });
  em.emit({ type: 'tool_start', step: 0, call_id: 'c', tool: 'execute_bash', args: { command: o.hang ? 'sleep infinity' : 'true' } });
  if (o.hang) {
    await new Promise<void>((resolve) => {
      if (!o.ignoreAbort) ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return { status: 'interrupted' as const };
  }
  await sleep(o.delayMs ?? 5);
  if (ctx.signal.aborted) return { status: 'interrupted' as const };
  em.emit({ type: 'tool_end', step: 0, call_id: 'c', tool: 'execute_bash', observation: '', is_error: false, timed_out: false, truncated: false, duration_ms: 1 });
  const resolved = o.resolved ?? ctx.sample % 2 === 1;
  em.emit({ type: 'agent_stopped', reason: 'finished', message: '', turns: 1, usage: { prompt_tokens: 100, completion_tokens: 10, estimated: false }, cost_usd: o.cost ?? 0.001 });
  em.emit({ type: 'verification_verdict', verdict: { instance_id: ctx.task.instance_id, profile: 'swegym', status: resolved ? 'resolved' : 'unresolved', resolved } });
  em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
  return { status: 'completed' as const };
}

test('temperature schedule, deterministic seeds, instance-major plan', () => {
  assert.equal(temperatureFor(0, [0, 0.5]), 0);
  assert.equal(temperatureFor(3, [0, 0.5]), 0.5);
  assert.equal(temperatureFor(2, [0.7]), 0.7);
  assert.equal(temperatureFor(0, []), undefined);
  const plan = planWork([task('a'), task('b')], 3, [0, 0.5], 9);
  assert.deepEqual(plan.map((w) => `${w.instance_id}${w.sample}@${w.temperature}`), ['a0@0', 'a1@0.5', 'a2@0.5', 'b0@0', 'b1@0.5', 'b2@0.5']);
  assert.equal(seedFor(9, 'a', 1), plan[1]!.seed);
  assert.notEqual(seedFor(9, 'a', 1), seedFor(9, 'a', 2));
});

test('bounded pool; infra failures retried with backoff and counted apart; agent failures are results', async () => {
  const ids = ['i1', 'i2', 'i3'];
  const { dir, w } = session(ids, 2);
  let running = 0;
  let peak = 0;
  const infraLeft = new Map([['i2#0', 2]]);
  const runner: RolloutRunner = async (ctx) => {
    running++;
    peak = Math.max(peak, running);
    try {
      const k = `${ctx.task.instance_id}#${ctx.sample}`;
      if ((infraLeft.get(k) ?? 0) > 0) {
        infraLeft.set(k, infraLeft.get(k)! - 1);
        throw new Error('docker: container start failed');
      }
      return await scripted(ctx, { delayMs: 20 });
    } finally {
      running--;
    }
  };
  const engine: Engine = { name: 'e', provider: new FakeProvider() };
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 2, [0, 0.5], 1), runner, engines: [engine], concurrency: 2, maxInfraRetries: 3, backoffBaseMs: 10, backoffMaxMs: 20 });
  const res = await s.run();
  w.close();
  assert.equal(res.state, 'done');
  assert.equal(peak, 2);
  const snap = res.snapshot;
  assert.equal(snap.done, 6);
  assert.equal(snap.infra_failures, 2);
  assert.equal(snap.retries, 2);
  assert.equal(snap.resolved, 3, 'odd samples resolve');
  const r = openSession(dir);
  const rows = r.summaries();
  assert.ok(rows.every((x) => x.status === 'completed'));
  assert.equal(r.attemptsOf('i2', 0).length, 3, 'two failed attempts kept, then the successful one');
  assert.deepEqual(r.attemptsOf('i2', 0).map((x) => x.status), ['infra_error', 'infra_error', 'completed']);
  assert.equal(rows.find((x) => x.instance_id === 'i2' && x.sample === 0)!.rollout_id, 'i2.s0.a2');
  assert.ok((engine.provider as FakeProvider).sweeps.some((l) => l['io.swegym.session'] === w.id && w.id !== w.name), 'final sweep by the session id (not its name)');
  rmSync(dir, { recursive: true, force: true });
});

test('an LLM endpoint that goes down mid-rollout is an infra failure (retried); other agent errors are results', async () => {
  const ids = ['down', 'bad'];
  const { dir, w } = session(ids, 1);
  let downAttempts = 0;
  const usage = { prompt_tokens: 100, completion_tokens: 10, estimated: false };
  const runner: RolloutRunner = async (ctx) => {
    const em = ctx.emitter;
    if (ctx.task.instance_id === 'down' && downAttempts++ > 0) return scripted(ctx);
    em.emit({ type: 'rollout_started', instance_id: ctx.task.instance_id, sample: ctx.sample, attempt: ctx.attempt, agent: { kind: 'llm', config: {} } });
    em.emit({ type: 'model_response', turn: 0, content: null, tool_calls: [], usage, cost_usd: 0, latency_ms: 1 });
    const message = ctx.task.instance_id === 'down' ? 'model call failed after 4 attempt(s): Connection error.' : 'model call failed after 1 attempt(s): 400 This model\'s maximum context length is 32768 tokens';
    em.emit({ type: 'agent_stopped', reason: 'error', message, turns: 3, usage, cost_usd: 0 });
    em.emit({ type: 'verification_verdict', verdict: { instance_id: ctx.task.instance_id, profile: 'swegym', status: 'unresolved', resolved: false } });
    em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
    return { status: 'completed' };
  };
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), runner, engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1, backoffBaseMs: 5, backoffMaxMs: 10 });
  const res = await s.run();
  w.close();
  const r = openSession(dir);
  assert.deepEqual(r.attemptsOf('down', 0).map((x) => x.status), ['infra_error', 'completed']);
  assert.deepEqual(r.attemptsOf('bad', 0).map((x) => x.status), ['completed'], 'a context-length error is the agent\'s result');
  assert.equal(res.snapshot.infra_failures, 1);
  rmSync(dir, { recursive: true, force: true });
});

test('a hanging rollout is flagged stalled while the others finish; kill ends it; a runner ignoring abort is abandoned', async () => {
  const ids = ['h', 'a', 'b', 'c'];
  const { dir, w } = session(ids, 1);
  const provider = new FakeProvider();
  const runner: RolloutRunner = (ctx) => scripted(ctx, ctx.task.instance_id === 'h' ? { hang: true, ignoreAbort: true } : { delayMs: 30 });
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), runner, engines: [{ name: 'e', provider }], concurrency: 2, stallAfterMs: 150, abandonAfterMs: 100, snapshotIntervalMs: 20 });
  const snaps: SchedulerSnapshot[] = [];
  s.onSnapshot((x) => snaps.push(x));
  const done = s.run();
  // Wait until the others are done and 'h' is flagged.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !(s.snapshot().done === 3 && s.snapshot().stalled.includes('h.s0.a0'))) await sleep(20);
  const mid = s.snapshot();
  assert.equal(mid.done, 3, 'the other rollouts finished while h hung');
  assert.deepEqual(mid.stalled, ['h.s0.a0']);
  assert.ok(mid.active[0]!.heartbeat_age_ms >= 150);
  assert.equal(mid.active[0]!.current_step, 'execute_bash sleep infinity');
  s.kill('h.s0.a0');
  const res = await done;
  w.close();
  assert.equal(res.snapshot.running, 0);
  assert.ok(provider.sweeps.some((l) => l['io.swegym.rollout'] === 'h.s0.a0'), 'abandoned rollout containers swept by its label');
  const row = openSession(dir).summaries().find((x) => x.instance_id === 'h')!;
  assert.equal(row.status, 'interrupted');
  // Snapshots were throttled (~<= 1 per 20 ms) and saw the stall.
  assert.ok(snaps.some((x) => x.stalled.length === 1));
  rmSync(dir, { recursive: true, force: true });
});

test('the user retries a stalled rollout: a fresh attempt runs; pause holds new work; token budget stops the batch', async () => {
  const ids = ['h', 'a', 'b'];
  const { dir, w } = session(ids, 1);
  const runner: RolloutRunner = (ctx) => scripted(ctx, ctx.task.instance_id === 'h' && ctx.attempt === 0 ? { hang: true } : { delayMs: 10 });
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), runner, engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1, stallAfterMs: 100 });
  const done = s.run();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !s.snapshot().stalled.includes('h.s0.a0')) await sleep(20);
  s.pause();
  s.retry('h.s0.a0');
  // The retried attempt ends (its hang is aborted) and nothing new starts: wait for that, not for a fixed time.
  const settled = Date.now() + 15_000;
  while (Date.now() < settled && !(s.snapshot().running === 0 && s.snapshot().queued === 3)) await sleep(20);
  await sleep(50); // and still nothing starts while paused
  const paused = s.snapshot();
  assert.equal(paused.state, 'paused');
  assert.equal(paused.running, 0, 'the retried rollout ended; nothing new started while paused');
  assert.equal(paused.queued, 3, 'the retry is queued first, with the others');
  s.resume();
  const res = await done;
  w.close();
  assert.equal(res.state, 'done');
  assert.equal(res.snapshot.retries, 1);
  const r = openSession(dir);
  assert.deepEqual(r.attemptsOf('h', 0).map((x) => x.status), ['interrupted', 'completed']);
  rmSync(dir, { recursive: true, force: true });

  const t = session(['x', 'y', 'z'], 2);
  const s2 = new Scheduler({ session: t.w, items: planWork(['x', 'y', 'z'].map(task), 2, [], 1), runner: (ctx) => scripted(ctx, { delayMs: 10 }), engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1, budgetTokens: 300 });
  const res2 = await s2.run();
  t.w.close();
  assert.equal(res2.state, 'stopped');
  assert.match(res2.reason ?? '', /token budget reached \(330 >= 300\)/);
  assert.equal(res2.snapshot.tokens, 330, 'stopped at the first response past the budget');
  rmSync(t.dir, { recursive: true, force: true });
});

test('per-rollout wall-clock limit: a timed-out rollout is an infra failure and does not block the batch', async () => {
  const { dir, w } = session(['t', 'u'], 1);
  const runner: RolloutRunner = (ctx) => scripted(ctx, ctx.task.instance_id === 't' ? { hang: true } : {});
  const s = new Scheduler({ session: w, items: planWork([task('t'), task('u')], 1, [], 1), runner, engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 2, rolloutTimeoutMs: 100, maxInfraRetries: 0 });
  const res = await s.run();
  w.close();
  assert.equal(res.snapshot.done, 2);
  assert.equal(res.snapshot.infra_failures, 1);
  const rows = openSession(dir).summaries();
  assert.equal(rows.find((x) => x.instance_id === 't')!.status, 'infra_error');
  assert.equal(rows.find((x) => x.instance_id === 'u')!.status, 'completed');
  rmSync(dir, { recursive: true, force: true });
});

test('hard stop at the cost budget; projected cost = spent / done x remaining', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `b${i}`);
  const { dir, w } = session(ids, 1);
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), runner: (ctx) => scripted(ctx, { cost: 0.1, delayMs: 10 }), engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1, budgetUsd: 0.25 });
  let projected: number | undefined;
  s.onSnapshot((x) => {
    if (x.done === 1 && x.running === 0) projected = x.projected_cost_usd;
  });
  const res = await s.run();
  w.close();
  assert.equal(res.state, 'stopped');
  assert.match(res.reason ?? '', /cost budget/);
  assert.ok(res.snapshot.cost_usd >= 0.25 && res.snapshot.cost_usd < 0.35, `spent ${res.snapshot.cost_usd}`);
  assert.ok(res.snapshot.queued > 0);
  if (projected !== undefined) assert.ok(Math.abs(projected - (0.1 + 0.1 * 9)) < 1e-9);
  rmSync(dir, { recursive: true, force: true });
});

test('graceful stop lets running rollouts finish and takes no new work', async () => {
  const ids = ['g1', 'g2', 'g3', 'g4'];
  const { dir, w } = session(ids, 1);
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), runner: (ctx) => scripted(ctx, { delayMs: 150 }), engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 2 });
  const p = s.run();
  // Stop once both workers run a rollout (150 ms each): not after a fixed time, which a loaded machine may overrun.
  const started = Date.now() + 15_000;
  while (Date.now() < started && s.snapshot().running < 2) await sleep(5);
  await s.stop('graceful');
  const res = await p;
  w.close();
  assert.equal(res.state, 'stopped');
  assert.equal(res.snapshot.done, 2);
  assert.equal(res.snapshot.queued, 2);
  const rows = openSession(dir).summaries();
  assert.deepEqual(rows.map((x) => x.status), ['completed', 'completed', 'queued', 'queued']);
  rmSync(dir, { recursive: true, force: true });
});

test('workers spread over several engines; no image is its own status', async () => {
  const ids = ['n1', 'x1', 'x2', 'x3'];
  const { dir, w } = session(ids, 1);
  const e1: Engine = { name: 'e1', provider: new FakeProvider() };
  const e2: Engine = { name: 'e2', provider: new FakeProvider() };
  const used = new Set<string>();
  const images = new ImagePrefetcher({
    async ensure(t) {
      if (t.instance_id === 'n1') throw new NoImageError(`no image for ${t.instance_id}`);
      return { image: `img-${t.instance_id}`, digest: `sha256:${t.instance_id}` };
    },
  });
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), images, runner: async (ctx) => { used.add(ctx.engine.name); assert.equal(ctx.image?.image, `img-${ctx.task.instance_id}`); return scripted(ctx, { delayMs: 30 }); }, engines: [e1, e2], concurrency: 2 });
  const res = await s.run();
  w.close();
  assert.deepEqual([...used].sort(), ['e1', 'e2']);
  const r = openSession(dir);
  assert.equal(r.summaries().find((x) => x.instance_id === 'n1')!.status, 'no_image');
  assert.equal(res.snapshot.done, 4);
  assert.equal(r.manifest().images.x1!.digest, 'sha256:x1');
  rmSync(dir, { recursive: true, force: true });
});

test('a transient image failure is an infra failure retried with a new preparation; "no image" is never retried', async () => {
  const ids = ['flaky', 'none'];
  const { dir, w } = session(ids, 1);
  const calls: Record<string, number> = {};
  const images = new ImagePrefetcher({
    async ensure(t) {
      calls[t.instance_id] = (calls[t.instance_id] ?? 0) + 1;
      if (t.instance_id === 'none') throw new NoImageError('no image');
      if (calls[t.instance_id] === 1) throw new Error('docker: connection reset while building');
      return { image: `img-${t.instance_id}`, digest: 'sha256:1' };
    },
  });
  const s = new Scheduler({ session: w, items: planWork(ids.map(task), 1, [], 1), images, runner: (ctx) => scripted(ctx), engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1, backoffBaseMs: 5, backoffMaxMs: 10 });
  const res = await s.run();
  w.close();
  const rows = openSession(dir).summaries();
  assert.equal(rows.find((x) => x.instance_id === 'flaky')!.status, 'completed', 'the retry prepared the image again');
  assert.equal(rows.find((x) => x.instance_id === 'none')!.status, 'no_image');
  assert.equal(res.snapshot.infra_failures, 1);
  assert.equal(calls.none, 1, 'no image is final: not prepared again');
  rmSync(dir, { recursive: true, force: true });
});

test('image LRU prune under a disk budget never removes images in use or wanted soon', async () => {
  const removed: string[] = [];
  const pf = new ImagePrefetcher({ ensure: async (t) => ({ image: t.instance_id }), size: async () => 100, remove: async (img) => void removed.push(img) }, { diskBudgetBytes: 250 });
  const a = await pf.acquire(task('A'));
  a.release();
  await sleep(2);
  const b = await pf.acquire(task('B'));
  b.release();
  await sleep(2);
  pf.prefetch([task('B')]);
  const c = await pf.acquire(task('C')); // 300 bytes > 250: A is the LRU unpinned, unwanted one
  await pf.prune();
  assert.deepEqual(removed, ['A']);
  c.release();
  await pf.prune();
  assert.deepEqual(removed, ['A'], 'now under budget');
});

test('endpoint limiter caps in-flight requests per endpoint, separately from workers', async () => {
  const lim = new EndpointLimiter(2);
  let inflight = 0;
  let peak = 0;
  const inner = (async () => {
    inflight++;
    peak = Math.max(peak, inflight);
    await sleep(20);
    inflight--;
    return new Response('{"ok":true}', { status: 200 });
  }) as typeof fetch;
  const f = lim.wrapFetch('http://127.0.0.1:1/v1', inner);
  const bodies = await Promise.all(Array.from({ length: 7 }, async () => (await f('http://127.0.0.1:1/v1/chat/completions')).json()));
  assert.equal(bodies.length, 7);
  assert.equal(peak, 2);
  assert.deepEqual(lim.snapshot(), [{ url: 'http://127.0.0.1:1/v1', in_flight: 0, max: 2 }]);
  const sem = new Semaphore(1);
  const rel = await sem.acquire();
  const ac = new AbortController();
  const waiting = sem.acquire(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  rel();
  assert.equal(sem.active, 0);
});

test('snapshots are throttled to ~10 per second however many events arrive', async () => {
  const { dir, w } = session(['z'], 1);
  const runner: RolloutRunner = async (ctx) => {
    ctx.emitter.emit({ type: 'rollout_started', instance_id: 'z', sample: 0, attempt: 0, agent: { kind: 'external', config: {} } });
    // A fixed count, not "for 600 ms": a loaded machine gets far fewer 1 ms sleeps into a fixed time.
    for (let i = 0; i < 300; i++) {
      ctx.emitter.emit({ type: 'tool_output', step: 0, chunk: 'x' });
      await sleep(1);
    }
    ctx.emitter.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 600 });
    return { status: 'completed' };
  };
  const s = new Scheduler({ session: w, items: planWork([task('z')], 1, [], 1), runner, engines: [{ name: 'e', provider: new FakeProvider() }], concurrency: 1 });
  const times: number[] = [];
  s.onSnapshot(() => times.push(Date.now()));
  const t0 = Date.now();
  await s.run();
  w.close();
  const elapsed = Date.now() - t0;
  const events = (await openSession(dir).events('z.s0.a0')).length;
  assert.ok(events > 100, `${events} events`);
  // Forced publishes: start, rollout start, rollout end, final state (a few); the rest at >= 100 ms spacing.
  assert.ok(times.length <= elapsed / 100 + 6, `${times.length} snapshots in ${elapsed} ms`);
  assert.ok(times.length >= 4);
  rmSync(dir, { recursive: true, force: true });
});
