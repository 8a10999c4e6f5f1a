import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter, type EventBody } from '../../src/core/events.js';
import { SessionWriter, openSession, rolloutId } from '../../src/core/session/index.js';
import { planResume, planRetry } from '../../src/core/scheduler/resume-plan.js';
import { seedFor } from '../../src/core/scheduler/queue.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';

const task = (id: string): TaskRecord => ({ instance_id: id, repo: 'o/r', base_commit: 'a'.repeat(40), patch: '', test_patch: '', problem_statement: '', hints_text: '', created_at: '', version: '1', FAIL_TO_PASS: [], PASS_TO_PASS: [] });

function write(w: SessionWriter, inst: string, sample: number, attempt: number, bodies: EventBody[]): void {
  const id = rolloutId(inst, sample, attempt);
  const log = w.openRollout(id);
  const em = new RolloutEmitter(id, (e) => log.append(e));
  em.emit({ type: 'rollout_started', instance_id: inst, sample, attempt, agent: { kind: 'gold', config: {} } });
  for (const b of bodies) em.emit(b);
  log.close();
}

const usage = { prompt_tokens: 10, completion_tokens: 1, estimated: false };
const verdict = (inst: string, resolved: boolean): EventBody => ({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status: resolved ? 'resolved' : 'unresolved', resolved } });

test('resume: finished pairs never re-run, interrupted ones get a fresh attempt, failures only on request, tallies kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-resume-'));
  try {
    const w = SessionWriter.create(dir, { name: 'r', swegym_version: '0', dataset: { ref: 't', instance_ids: ['a', 'b', 'c'] }, images: {}, agent: { kind: 'gold' }, sampling: { samples: 2, temperatures: [0, 0.5], seed: 3 } });
    write(w, 'a', 0, 0, [{ type: 'model_response', turn: 0, content: '', tool_calls: [], usage, cost_usd: 0.5, latency_ms: 1 }, verdict('a', true), { type: 'rollout_ended', status: 'completed', duration_ms: 1 }]);
    // Verdict recorded, then the process died before rollout_ended: finished all the same.
    write(w, 'a', 1, 0, [verdict('a', false)]);
    // Killed mid tool call (no end).
    write(w, 'b', 0, 0, [{ type: 'tool_start', step: 0, call_id: 'x', tool: 'execute_bash', args: { command: 'sleep 9' } }]);
    // Infra failure twice (retries exhausted).
    write(w, 'b', 1, 0, [{ type: 'rollout_ended', status: 'infra_error', error: 'docker', duration_ms: 1 }]);
    write(w, 'b', 1, 1, [{ type: 'rollout_ended', status: 'infra_error', error: 'docker', duration_ms: 1 }]);
    // c: never started.
    w.close();
    const tasks = ['a', 'b', 'c'].map(task);
    const plan = planResume(openSession(dir), tasks);
    assert.deepEqual(plan.items.map((i) => `${i.instance_id}${i.sample}.a${i.attempt}@${i.temperature}`), ['b0.a1@0', 'c0.a0@0', 'c1.a0@0.5']);
    assert.equal(plan.items[0]!.seed, seedFor(3, 'b', 0), 'same seed as the first attempt');
    assert.equal(plan.finished, 2);
    assert.equal(plan.restarted, 1);
    assert.equal(plan.failed_kept, 1);
    assert.deepEqual(plan.previous, { total: 3, done: 3, resolved: 1, cost_usd: 0.5, tokens: 11, infra_failures: 2, retries: 1 });
    const again = planResume(openSession(dir), tasks, { retryFailed: true });
    assert.deepEqual(again.items.map((i) => `${i.instance_id}${i.sample}.a${i.attempt}`), ['b0.a1', 'b1.a2', 'c0.a0', 'c1.a0']);
    assert.equal(again.failed_retried, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("retry of one ended rollout (the workbench's r): a fresh attempt after the pair's latest, its sample's temperature and seed", () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-retry-'));
  try {
    const w = SessionWriter.create(dir, { name: 'r', swegym_version: '0', dataset: { ref: 't', instance_ids: ['a', 'b'] }, images: {}, agent: { kind: 'gold' }, sampling: { samples: 2, temperatures: [0, 0.5], seed: 3 } });
    write(w, 'a', 1, 0, [verdict('a', false), { type: 'rollout_ended', status: 'completed', duration_ms: 1 }]);
    write(w, 'b', 0, 0, [{ type: 'rollout_ended', status: 'infra_error', error: 'docker', duration_ms: 1 }]);
    write(w, 'b', 0, 1, [{ type: 'rollout_ended', status: 'interrupted', duration_ms: 1 }]);
    write(w, 'b', 1, 0, [{ type: 'tool_start', step: 0, call_id: 'x', tool: 'execute_bash', args: { command: 'sleep 9' } }]);
    w.close();
    const tasks = ['a', 'b'].map(task);
    const r = openSession(dir);
    const graded = planRetry(r, tasks, rolloutId('a', 1, 0));
    assert.deepEqual([graded.instance_id, graded.sample, graded.attempt, graded.temperature, graded.seed], ['a', 1, 1, 0.5, seedFor(3, 'a', 1)]);
    // The interrupted attempt 1 of b0 (after an infra failure): attempt 2, whichever attempt was chosen.
    assert.equal(planRetry(r, tasks, rolloutId('b', 0, 1)).attempt, 2);
    assert.equal(planRetry(r, tasks, rolloutId('b', 0, 0)).attempt, 2);
    assert.throws(() => planRetry(r, tasks, rolloutId('b', 1, 0)), /has not ended: it is running/);
    assert.throws(() => planRetry(r, tasks, rolloutId('a', 0, 0)), /no rollout a\.s0\.a0/);
    assert.throws(() => planRetry(r, [task('b')], rolloutId('a', 1, 0)), /instance a of the session is not in dataset 't'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
