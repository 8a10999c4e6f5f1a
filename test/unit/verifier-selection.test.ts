import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureSession, type FixtureRollout } from '../helpers/verifier-session.js';
import { openSession, readRolloutEvents } from '../../src/core/session/store.js';
import { scoreSession } from '../../src/core/verifier/score-session.js';
import { TestsVerifier } from '../../src/core/verifier/oracle.js';
import { RandomVerifier } from '../../src/core/verifier/random.js';
import { loadCandidates } from '../../src/core/verifier/candidates.js';
import { exactCurves } from '../../src/core/metrics/best-of-n.js';
import { scoreCommand, sessionSelectionReport } from '../../src/cli/commands/score.js';
import { selectCommand } from '../../src/cli/commands/select.js';
import { verifierByName } from '../../src/core/verifier/registry.js';

// Known verdicts: 6 instances x 4 samples, and a 7th instance in the selection that never ran (it still counts).
const PATTERN: Record<string, boolean[]> = {
  'o__a-1': [true, false, false, false],
  'o__b-2': [false, false, false, false],
  'o__c-3': [true, true, true, true],
  'o__d-4': [false, true, false, false],
  'o__e-5': [true, false, true, false],
  'o__f-6': [false, false, false, true],
};
const IDS = [...Object.keys(PATTERN), 'o__g-7'];

function session(): string {
  const rollouts: FixtureRollout[] = [];
  for (const [instance, rs] of Object.entries(PATTERN)) rs.forEach((resolved, sample) => rollouts.push({ instance, sample, resolved }));
  return writeFixtureSession(rollouts, { instanceIds: IDS });
}

function quiet() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) } };
}

test('the oracle scores every finished rollout, appends verifier_score events, and its best@k equals pass@k', async () => {
  const dir = session();
  const res = await scoreSession(dir, new TestsVerifier());
  assert.equal(res.scored, 24);
  assert.deepEqual(res.errors, {});
  const reader = openSession(dir);
  for (const s of reader.summaries().filter((x) => x.status === 'completed')) {
    assert.equal(s.scores.tests, s.resolved ? 1 : 0, s.rollout_id);
    const { events } = readRolloutEvents(dir, s.rollout_id);
    const last = events[events.length - 1]!;
    assert.equal(last.type, 'verifier_score');
    assert.ok(last.type === 'verifier_score' && last.verifier === 'tests' && last.flags.includes('oracle'));
  }
  const { report } = sessionSelectionReport(dir, 'tests');
  assert.equal(report.instances, 7);
  assert.equal(report.n, 4);
  // pass@1 by hand: (1/4 + 0 + 1 + 1/4 + 2/4 + 1/4) / 7 instances.
  assert.ok(Math.abs(report.pass_exact[0]!.mean - (100 * 2.25) / 7) < 1e-9);
  // pass@4: every instance with a resolved sample (5 of 7).
  assert.ok(Math.abs(report.pass_exact[3]!.mean - (100 * 5) / 7) < 1e-9);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(report.best_exact[k]!.mean - report.pass_exact[k]!.mean) < 1e-9, `k=${k + 1}`);
  assert.equal(report.auc, 1);
  // Scoring again keeps the recorded scores.
  const again = await scoreSession(dir, new TestsVerifier());
  assert.equal(again.scored, 0);
  assert.equal(again.kept, 24);
});

test('best@k of a random verifier matches its expectation c/n at every k', async () => {
  const dir = session();
  const res = await scoreSession(dir, new RandomVerifier(3));
  assert.equal(res.scored, 24);
  const { byInstance } = await loadCandidates(openSession(dir));
  const expected = (100 * Object.values(PATTERN).reduce((a, rs) => a + rs.filter(Boolean).length / rs.length, 0)) / IDS.length;
  const seeds = 1000;
  const sums = [0, 0, 0, 0];
  for (let seed = 0; seed < seeds; seed++) {
    const v = new RandomVerifier(seed);
    const groups = [];
    for (const cands of byInstance.values()) {
      const scores = await v.scoreInstance(cands);
      groups.push(cands.map((c, i) => ({ sample: c.sample, score: scores[i]!.score, resolved: c.verdict?.resolved === true })));
    }
    exactCurves(groups, IDS.length, 4).best.forEach((p, i) => (sums[i]! += p.mean));
  }
  // Standard error of the mean over 1000 seeds is about 0.5 points here; allow 4 standard errors.
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(sums[k]! / seeds - expected) < 2, `best@${k + 1}: ${sums[k]! / seeds} vs ${expected}`);
  // ...while the oracle's best@4 is pass@4, far above chance.
  assert.ok((100 * 5) / 7 - expected > 20);
});

test('score command: table, AUC per verifier, chart and JSON', async () => {
  const dir = session();
  const a = quiet();
  assert.equal(await scoreCommand({ session: dir, verifier: 'tests', io: a.io, chart: 'ascii' }), 0);
  const text = a.lines.join('\n');
  assert.match(text, /scored 24 rollout\(s\) with 'tests'/);
  assert.match(text, /^\s+4\s+71\.4/m, 'best@4 = 71.4% of 7 instances');
  assert.match(text, /tests\s+1\.000\s+24/);
  assert.match(text, /└─+/);
  const outLines: string[] = [];
  assert.equal(await scoreCommand({ session: dir, verifier: 'random', json: true, io: { out: (l) => outLines.push(l), err: () => undefined } }), 0);
  const json = JSON.parse(outLines.join('\n'));
  assert.equal(json.verifier, 'random');
  assert.equal(json.report.best_exact.length, 4);
  assert.equal(json.report.best_trials.length, 4);
  assert.deepEqual(Object.keys(json.auc_by_verifier).sort(), ['random', 'tests']);
  assert.equal(json.auc_by_verifier.tests.auc, 1);
});

test('select: best candidate per instance as SWE-bench predictions, ties reproducible with the seed; the oracle is refused', async () => {
  const dir = session();
  const refuse = quiet();
  assert.equal(await selectCommand({ session: dir, verifier: 'tests', out: join(dir, 'x.jsonl'), io: refuse.io }), 2);
  assert.match(refuse.lines.join('\n'), /never used for selection/);
  const cfg = join(dir, 'verifier.json');
  writeFileSync(cfg, JSON.stringify({ agreement: { behaviour: false } }));
  const outs: string[] = [];
  for (const run of [0, 1]) {
    const out = join(dir, `preds-${run}.jsonl`);
    const q = quiet();
    // agreement without Docker: diff-only; every fixture patch differs, so all candidates tie at 1/4.
    const code = await selectCommand({ session: dir, verifier: 'agreement', out, seed: 5, io: q.io, config: cfg });
    assert.equal(code, 0, String(code));
    outs.push(readFileSync(out, 'utf8'));
  }
  assert.equal(outs[0], outs[1], 'same seed, same picks');
  const lines = outs[0]!.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 6);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).sort(), ['instance_id', 'model_name_or_path', 'model_patch']);
    assert.equal(l.model_name_or_path, 'fixture-model');
    assert.match(l.model_patch, /^diff --git a\/src\/m.py/);
  }
});

test('verifierByName: registry errors name the field', async () => {
  await assert.rejects(verifierByName('nope'), /unknown verifier 'nope'/);
  await assert.rejects(verifierByName('llm', { llm: { model: 'm' } }), /field 'llm.baseURL'/);
  await assert.rejects(verifierByName('hybrid', { hybrid: { weights: { llm: -1 } } }), /field 'hybrid.weights.llm'/);
  const h = await verifierByName('hybrid', { hybrid: { weights: { agreement: 1 } }, agreement: { behaviour: false } });
  assert.equal(h.name, 'hybrid');
});
