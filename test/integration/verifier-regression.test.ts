/**
 * The regression and agreement verifiers on the real Docker engine with the bundled sample tasks: discovery of the
 * covering tests, a baseline at base_commit and one fresh container per candidate, real git apply, real pytest.
 * Candidates: the gold patch, a whitespace/`index`-line variant of it, samples/candidates/*.wrong.diff (breaks a
 * PASS_TO_PASS test), *.noapply.diff, and an empty patch.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE, sampleCandidate } from '../../src/core/dataset/samples.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { verifierByName } from '../../src/core/verifier/registry.js';
import type { Candidate } from '../../src/core/verifier/types.js';
import { writeFixtureSession } from '../helpers/verifier-session.js';
import { scoreCommand } from '../../src/cli/commands/score.js';
import { selectCommand } from '../../src/cli/commands/select.js';
import { openSession } from '../../src/core/session/store.js';

const ROLES = ['regression-discover', 'regression-baseline', 'regression-candidate'];

function leftover(): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', 'label=io.swegym.managed=1', '--format', '{{.ID}} {{.Label "io.swegym.role"}}'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => ROLES.some((r) => l.endsWith(` ${r}`)));
}

after(() => {
  // Containers are removed on every path; if one survived a failure, remove it and fail loudly.
  const left = leftover();
  for (const l of left) execFileSync('docker', ['rm', '-f', l.split(' ')[0]!]);
  assert.deepEqual(left, [], 'no verifier container left behind');
});

async function task(id: string): Promise<TaskRecord> {
  const t = (await loadTasks(SAMPLE_TASKS_FILE, { ids: [id] })).tasks[0];
  assert.ok(t, id);
  return t;
}

function cand(t: TaskRecord, sample: number, patch: string): Candidate {
  return { rolloutId: `${t.instance_id}.s${sample}.a0`, instanceId: t.instance_id, task: t, sample, patch, messages: [] };
}

/** The gold patch written differently: another `index` line and trailing spaces on the added line. */
function goldVariant(patch: string): string {
  const v = patch.replace(/^index .*$/m, 'index 0000000..1111111 100644').replace(/^\+(?!\+\+)(.*\S)$/m, '+$1   ');
  assert.notEqual(v, patch);
  return v;
}

test('regression + agreement on durations-12: gold keeps every covering test, wrong breaks one, noapply/empty score 0', async () => {
  const t = await task('swegym-samples__durations-12');
  const wrong = readFileSync(sampleCandidate(t.instance_id, 'wrong')!, 'utf8');
  const noapply = readFileSync(sampleCandidate(t.instance_id, 'noapply')!, 'utf8');
  const cands = [cand(t, 0, t.patch), cand(t, 1, goldVariant(t.patch)), cand(t, 2, wrong), cand(t, 3, noapply), cand(t, 4, '')];
  const logs: string[] = [];
  // The real wiring: Docker provider, ensureInstanceImage, the spec registry; regression and agreement share a runner.
  const hybrid = await verifierByName('hybrid', { hybrid: { weights: { regression: 1, agreement: 1 } } }, { onLog: (m) => logs.push(m) });
  const parts = (hybrid as unknown as { parts: Array<{ verifier: { name: string; scoreInstance: (c: Candidate[]) => Promise<Array<{ score: number; explanation: string; flags: string[] }>> } }> }).parts;
  const regression = await parts.find((p) => p.verifier.name === 'regression')!.verifier.scoreInstance(cands);
  const agreement = await parts.find((p) => p.verifier.name === 'agreement')!.verifier.scoreInstance(cands);

  assert.equal(regression[0]!.score, 1, regression[0]!.explanation);
  assert.equal(regression[1]!.score, 1, regression[1]!.explanation);
  assert.ok(regression[2]!.score < 1 && regression[2]!.score > 0.5, regression[2]!.explanation);
  assert.match(regression[2]!.explanation, /broken: .*tests\/test_parse\.py::test_invalid\[1/);
  assert.match(regression[0]!.explanation, /tests\/test_parse\.py/);
  assert.deepEqual([regression[3]!.score, regression[3]!.flags], [0, ['patch_apply_failed']]);
  assert.deepEqual([regression[4]!.score, regression[4]!.flags], [0, ['empty_patch']]);

  // Gold and its variant agree (same normalized diff and same behaviour); wrong behaves differently.
  assert.deepEqual(agreement.map((s) => s.score), [2 / 5, 2 / 5, 1 / 5, 0, 0]);
  assert.match(agreement[0]!.explanation, /group of 2\/5 \(samples 0, 1\)/);
  assert.ok(logs.some((l) => l.includes('baseline')), 'one baseline run');
  assert.equal(logs.filter((l) => l.includes('baseline')).length, 1, 'the agreement part reused the regression runs');
});

test('select with the hybrid verifier on a session of sample candidates picks the gold patch', async () => {
  const t = await task('swegym-samples__ledger-8');
  const wrong = readFileSync(sampleCandidate(t.instance_id, 'wrong')!, 'utf8');
  const noapply = readFileSync(sampleCandidate(t.instance_id, 'noapply')!, 'utf8');
  const dir = writeFixtureSession(
    [
      { instance: t.instance_id, sample: 0, patch: wrong, resolved: false },
      { instance: t.instance_id, sample: 1, patch: noapply, resolved: false },
      { instance: t.instance_id, sample: 2, patch: t.patch, resolved: true },
    ],
    { datasetRef: 'samples' },
  );
  const cfg = join(dir, 'verifier.json');
  writeFileSync(cfg, JSON.stringify({ hybrid: { weights: { regression: 0.7, agreement: 0.3 } } }));
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  assert.equal(await scoreCommand({ session: dir, verifier: 'hybrid', config: cfg, io, chart: 'none' }), 0, lines.join('\n'));
  const scores = openSession(dir)
    .summaries()
    .sort((a, b) => a.sample - b.sample)
    .map((s) => s.scores.hybrid!);
  assert.ok(scores[2]! > scores[0]! && scores[0]! > scores[1]!, `gold > wrong > noapply: ${scores.join(', ')}`);
  assert.equal(scores[1], 0);
  const out = join(dir, 'preds.jsonl');
  assert.equal(await selectCommand({ session: dir, verifier: 'hybrid', config: cfg, out, io }), 0, lines.join('\n'));
  const pred = JSON.parse(readFileSync(out, 'utf8').trim());
  assert.equal(pred.instance_id, t.instance_id);
  assert.equal(pred.model_patch, t.patch);
});
