import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passAtKUnbiased, passAtKSwegym, passAtKTable, resolveRateWithBootstrap, buildReport, repoOf } from '../../src/core/metrics/index.js';
import type { RolloutSummary } from '../../src/core/session/types.js';

function comb(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

test('unbiased pass@k equals 1 - C(n-c,k)/C(n,k) and its edge cases', () => {
  for (const [n, c, k] of [[10, 3, 1], [10, 3, 2], [10, 3, 5], [16, 1, 8], [5, 0, 3], [20, 7, 4]] as const) {
    const want = 1 - comb(n - c, k) / comb(n, k);
    assert.ok(Math.abs(passAtKUnbiased(n, c, k) - want) < 1e-12, `n=${n} c=${c} k=${k}`);
  }
  assert.ok(Math.abs(passAtKUnbiased(10, 3, 1) - 0.3) < 1e-12);
  assert.equal(passAtKUnbiased(4, 4, 2), 1);
  assert.equal(passAtKUnbiased(4, 3, 2), 1, 'fewer failures than k: any k-subset holds a success');
  assert.equal(passAtKUnbiased(0, 0, 1), 0);
});

test('SWE-Gym estimator: k=1 is sample 0 exactly (zero spread), k=n is any-resolved, denominator counts every instance', () => {
  const inst = [
    { instance_id: 'a', runs: [false, true, false, false] }, // only a later sample resolves
    { instance_id: 'b', runs: [true, false, false, false] }, // sample 0 resolves
    { instance_id: 'c', runs: [false, false, false, false] },
    { instance_id: 'd', runs: [] }, // never ran
  ];
  const k1 = passAtKSwegym(inst, 1);
  assert.equal(k1.mean, 25);
  assert.equal(k1.std, 0);
  const k4 = passAtKSwegym(inst, 4);
  assert.equal(k4.mean, 50);
  assert.equal(k4.std, 0);
  // k=2: a succeeds iff run 1 is among the first two of a shuffle (p=1/2); b iff run 0 is (p=1/2). Expected 25%.
  const k2 = passAtKSwegym(inst, 2, 2000, 7);
  assert.ok(Math.abs(k2.mean - 25) < 1.5, `k2 mean ${k2.mean}`);
  assert.ok(k2.std > 0);
  // The unbiased estimator agrees in expectation at k=2.
  const table = passAtKTable(inst, 4);
  assert.ok(Math.abs(table[1]!.unbiased - 25) < 1e-9);
  assert.equal(table[0]!.unbiased, 12.5, 'unbiased k=1 averages all samples: (1/4 + 1/4) / 4 instances');
  assert.equal(table[0]!.swegym_mean, 25, 'SWE-Gym k=1 is sample 0 only');
  assert.equal(table[3]!.short_instances, 1);
});

test('bootstrap std of the resolve rate: half the instances without replacement, 1000 resamples', () => {
  const outcomes = Array.from({ length: 300 }, (_, i) => i % 10 === 0); // 10%
  const r = resolveRateWithBootstrap(outcomes);
  assert.equal(r.rate, 10);
  // Hypergeometric: sampling n/2 of N without replacement, sd = sqrt(p(1-p)/m * (N-m)/(N-1)) * 100.
  const m = 150;
  const theory = Math.sqrt((0.1 * 0.9) / m * ((300 - m) / 299)) * 100;
  assert.ok(Math.abs(r.std - theory) < 0.25, `std ${r.std} vs theory ${theory}`);
  assert.equal(resolveRateWithBootstrap(outcomes.map(() => true)).std, 0);
  assert.deepEqual(resolveRateWithBootstrap(outcomes), r, 'seeded: reproducible');
});

test('report: denominator is the whole selection; per-repo rows; empty patches; stop reasons', () => {
  const row = (id: string, sample: number, resolved: boolean, extra: Partial<RolloutSummary> = {}): RolloutSummary => ({
    rollout_id: `${id}.s${sample}.a0`, instance_id: id, sample, status: 'completed', verdict: resolved ? 'resolved' : 'unresolved', resolved,
    scores: {}, stop_reason: 'finished', turns: 4, prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.5, patch_lines: 3, ...extra,
  });
  const rows = [
    row('own__a-1', 0, true), row('own__a-1', 1, false),
    row('own__a-2', 0, false, { verdict: 'empty_patch', patch_lines: 0, stop_reason: 'max_turns' }), row('own__a-2', 1, true),
    { ...row('x__b-9', 0, false), status: 'infra_error' as const, verdict: undefined, resolved: undefined },
  ];
  const rep = buildReport(rows, ['own__a-1', 'own__a-2', 'x__b-9', 'x__b-10'], 2);
  assert.equal(rep.resolve_rate.of, 4);
  assert.equal(rep.resolve_rate.percent, 25);
  assert.equal(rep.rollouts.total, 8);
  assert.equal(rep.rollouts.infra_error, 1);
  assert.equal(rep.rollouts.queued, 3);
  assert.equal(rep.empty_patch_rate, 25);
  assert.deepEqual(rep.stop_reasons, { finished: 3, max_turns: 1 });
  assert.equal(rep.pass_at_k[1]!.swegym_mean, 50);
  assert.deepEqual(rep.per_repo.map((r) => [r.repo, r.instances, r.resolved]), [['own/a', 2, 1], ['x/b', 2, 0]]);
  assert.equal(repoOf('Project-MONAI__MONAI-6144'), 'Project-MONAI/MONAI');
  assert.equal(repoOf('pandas-dev__pandas-50572'), 'pandas-dev/pandas');
});
