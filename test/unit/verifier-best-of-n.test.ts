import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, bestAtKExact, exactCurves, passAtKUnbiased, swegymTrialsCurve, type Scored } from '../../src/core/metrics/best-of-n.js';
import { seededRandom } from '../../src/core/util/rng.js';

function instance(resolved: boolean[], scores: number[]): Scored[] {
  return resolved.map((r, i) => ({ sample: i, resolved: r, score: scores[i]! }));
}

/** Brute force: enumerate every k-subset; inside it, the tied best share the win equally. */
function bruteBestAtK(c: Scored[], k: number): number {
  let sum = 0;
  let count = 0;
  const rec = (start: number, chosen: Scored[]) => {
    if (chosen.length === k) {
      const top = Math.max(...chosen.map((x) => x.score));
      const tied = chosen.filter((x) => x.score === top);
      sum += tied.filter((x) => x.resolved).length / tied.length;
      count++;
      return;
    }
    for (let i = start; i < c.length; i++) rec(i + 1, [...chosen, c[i]!]);
  };
  rec(0, []);
  return sum / count;
}

test('best@k of the oracle equals pass@k', () => {
  const rand = seededRandom(7);
  for (let trial = 0; trial < 30; trial++) {
    const n = 2 + Math.floor(rand() * 7);
    const resolved = Array.from({ length: n }, () => rand() < 0.4);
    const oracle = instance(resolved, resolved.map((r) => (r ? 1 : 0)));
    for (let k = 1; k <= n; k++) {
      const c = resolved.filter(Boolean).length;
      assert.ok(Math.abs(bestAtKExact(oracle, k) - passAtKUnbiased(n, c, k)) < 1e-12, `n=${n} k=${k}`);
    }
  }
});

test('best@k of a random (constant) verifier is the expected c/n at every k', () => {
  const c = instance([true, false, false, true, false], [0.5, 0.5, 0.5, 0.5, 0.5]);
  for (let k = 1; k <= 5; k++) assert.ok(Math.abs(bestAtKExact(c, k) - 2 / 5) < 1e-12);
});

test('exact best@k matches brute-force enumeration with ties', () => {
  const rand = seededRandom(11);
  for (let trial = 0; trial < 40; trial++) {
    const n = 2 + Math.floor(rand() * 6);
    const c = instance(
      Array.from({ length: n }, () => rand() < 0.5),
      Array.from({ length: n }, () => Math.floor(rand() * 3) / 2),
    );
    for (let k = 1; k <= n; k++) assert.ok(Math.abs(bestAtKExact(c, k) - bruteBestAtK(c, k)) < 1e-12);
  }
});

test('random-score verifier: best@k averaged over many draws matches its expectation c/n', () => {
  const resolved = [true, false, false, false, true, false, false, false];
  const rand = seededRandom(3);
  let acc = 0;
  const draws = 4000;
  for (let d = 0; d < draws; d++) acc += bestAtKExact(instance(resolved, resolved.map(() => rand())), 4);
  assert.ok(Math.abs(acc / draws - 2 / 8) < 0.01, String(acc / draws));
});

test('pass@k unbiased estimator: known values', () => {
  assert.equal(passAtKUnbiased(10, 0, 3), 0);
  assert.equal(passAtKUnbiased(10, 10, 1), 1);
  assert.ok(Math.abs(passAtKUnbiased(10, 3, 1) - 0.3) < 1e-12);
  assert.ok(Math.abs(passAtKUnbiased(4, 1, 2) - 0.5) < 1e-12);
});

test('SWE-Gym trial estimate: k=1 is sample 0; denominator counts instances without candidates', () => {
  const insts = [instance([true, false], [0.1, 0.9]), instance([false, true], [0.9, 0.1]), []];
  const pass = swegymTrialsCurve(insts, 3, 'pass', { trials: 50, seed: 1 });
  assert.ok(Math.abs(pass[0]!.mean - 100 / 3) < 1e-9);
  assert.ok(pass[0]!.std! < 1e-9);
  assert.ok(Math.abs(pass[1]!.mean - 200 / 3) < 1e-9);
  const best = swegymTrialsCurve(insts, 3, 'best', { trials: 50, seed: 1 });
  assert.ok(Math.abs(best[1]!.mean - 0) < 1e-9); // the verifier prefers the wrong candidate in both instances
  const exact = exactCurves(insts, 3);
  assert.ok(Math.abs(exact.pass[1]!.mean - 200 / 3) < 1e-9);
});

test('AUC: perfect, inverted, ties', () => {
  assert.equal(auc([{ score: 0.9, resolved: true }, { score: 0.1, resolved: false }]), 1);
  assert.equal(auc([{ score: 0.1, resolved: true }, { score: 0.9, resolved: false }]), 0);
  assert.equal(auc([{ score: 0.5, resolved: true }, { score: 0.5, resolved: false }]), 0.5);
  assert.ok(Number.isNaN(auc([{ score: 0.5, resolved: true }])));
});
