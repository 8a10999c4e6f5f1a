import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionCurves, byInstance, equivalenceGroups, rankCandidates, compareMatrix, bestOf } from '../../src/tui/state/compare.js';
import type { RolloutSummary } from '../../src/core/session/types.js';

const s = (instance_id: string, sample: number, resolved: boolean, score?: number): RolloutSummary => ({
  rollout_id: `${instance_id}-${sample}`, instance_id, sample, status: 'completed', verdict: resolved ? 'resolved' : 'unresolved', resolved,
  scores: score === undefined ? {} : { critic: score }, turns: 1, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0,
});

test('pass@k and best@k curves of a session come from the exact estimators', () => {
  const m = byInstance([s('a', 0, true, 0.2), s('a', 1, false, 0.9), s('a', 2, false, 0.1), s('b', 0, false), s('b', 1, false), s('b', 2, false)]);
  const c = sessionCurves(m);
  const near = (x: number | undefined, y: number) => assert.ok(x !== undefined && Math.abs(x - y) < 1e-9, `${x} != ${y}`);
  near(c.passAtK[0], (1 / 3) / 2);
  near(c.passAtK[1], (2 / 3) / 2);
  near(c.passAtK[2], 1 / 2);
  // best@3 on a: the 0.9 candidate (unresolved) always wins; best@1 = pass@1
  near(c.bestAtK[2], 0);
  near(c.bestAtK[0], (1 / 3) / 2);
  assert.deepEqual(sessionCurves(new Map()), { passAtK: [], bestAtK: [] });
});

test('ranking, equivalence and the run-compare matrix', () => {
  assert.deepEqual(rankCandidates([s('a', 0, false, 0.1), s('a', 1, true, 0.9), s('a', 2, true)]).map((x) => x.sample), [1, 0, 2]);
  const g = equivalenceGroups(new Map([['x', 'diff\n+a  \nindex 1..2\n'], ['y', 'diff\n+a'], ['z', 'diff\n+b']]));
  assert.equal(g.get('x'), g.get('y'));
  assert.notEqual(g.get('x'), g.get('z'));
  const rows = compareMatrix([s('i1', 0, true), s('i2', 0, true)], [s('i1', 0, true), s('i2', 0, false), s('i3', 0, true)]);
  assert.deepEqual(rows.map((r) => `${r.instanceId}:${r.differs}`), ['i2:true', 'i3:true', 'i1:false']);
  assert.equal(bestOf([s('q', 0, false), s('q', 1, true)])?.sample, 1);
});
