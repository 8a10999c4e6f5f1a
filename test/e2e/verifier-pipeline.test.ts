/**
 * Issue 7 through the real binary (bin/swegym.js), on a real session with mixed verdicts:
 * batch (LLM agent against a scripted OpenAI-compatible server: sample 0 at t=0 applies the gold patch, samples 1-2 at
 * t=0.5 apply a wrong candidate) -> score --verifier tests -> score --verifier regression -> select -> verify
 * --predictions (the harness accepts the picks and agrees with the recorded verdicts) -> export sft / verifier /
 * predictions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer, type RecordedRequest, type ScriptedServer, type Step } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { ChatFineTuningLine } from '../../src/core/export/openai-ft-schema.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { runCli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
const SAMPLES = 3;
let dir: string;
let server: ScriptedServer;

const swegym = (args: string[]) => runCli(args, { cwd: dir, env: { NO_COLOR: '1', OPENAI_API_KEY: 'sk-e2e-not-real' } });

const jsonl = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const session = ['--sessions-dir', 'sessions'];

/** t=0 (sample 0): the gold patch; t=0.5 (samples 1, 2): the wrong candidate of samples/candidates; then finish. */
function policy(tasks: TaskRecord[]) {
  let n = 0;
  const call = (name: string, args: Record<string, unknown>): Step => ({
    content: null,
    tool_calls: [{ id: `call_${n++}`, name, arguments: args }],
    finish_reason: 'tool_calls',
    usage: { prompt_tokens: 100, completion_tokens: 10 },
  });
  return (req: RecordedRequest): Step => {
    const msgs = req.body.messages as Array<{ role: string; content: string | null }>;
    const first = msgs.find((m) => m.role === 'user')?.content ?? '';
    const task = tasks.find((t) => first.includes(t.problem_statement.slice(0, 60)));
    if (!task) return { status: 400, body: { error: { message: 'unknown task' } } };
    if (msgs.some((m) => m.role === 'assistant')) return call('finish', {});
    const patch = req.body.temperature === 0 ? task.patch : readFileSync(join(ROOT, 'samples', 'candidates', `${task.instance_id}.wrong.diff`), 'utf8');
    const b64 = Buffer.from(patch).toString('base64');
    return call('execute_bash', { command: `echo ${b64} | base64 -d > /tmp/p.diff && cd /testbed && git apply /tmp/p.diff && rm /tmp/p.diff` });
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-verifier-'));
  const tasks = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.filter((t) => IDS.includes(t.instance_id));
  server = await startScriptedServer(policy(tasks));
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('batch -> score (tests, regression) -> select -> verify --predictions -> export sft / verifier / predictions', { timeout: 600_000 }, async () => {
  const batch = await swegym([
    'batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--base-url', server.url, '--model', 'scripted',
    '--samples', String(SAMPLES), '--concurrency', '2', '--temperatures', '0,0.5', '--offline', '--session', 'e2e79', ...session,
  ]);
  assert.equal(batch.code, 0, batch.stderr + batch.stdout);

  // The oracle: known verdicts (sample 0 resolved, 1-2 not), best@k equals pass@k at every k.
  const oracle = await swegym(['score', 'e2e79', '--verifier', 'tests', '--json', ...session]);
  assert.equal(oracle.code, 0, oracle.stderr);
  const o = JSON.parse(oracle.stdout);
  assert.equal(o.scored, IDS.length * SAMPLES);
  const pass = o.report.pass_exact.map((p: { mean: number }) => p.mean);
  const best = o.report.best_exact.map((p: { mean: number }) => p.mean);
  assert.equal(pass.length, SAMPLES);
  // Unbiased pass@k with n=3, c=1 on both instances: k/3.
  pass.forEach((p: number, i: number) => assert.ok(Math.abs(p - (100 * (i + 1)) / 3) < 1e-9, `pass@${i + 1} = ${p}`));
  best.forEach((b: number, i: number) => assert.ok(Math.abs(b - pass[i]) < 1e-9, `best@${i + 1} = ${b} != pass@${i + 1}`));
  assert.equal(o.auc_by_verifier.tests.auc, 1);

  // A real verifier, with its table and chart in the terminal.
  const reg = await swegym(['score', 'e2e79', '--verifier', 'regression', '--chart', 'ascii', ...session]);
  assert.equal(reg.code, 0, reg.stderr);
  assert.match(reg.stdout, /scored 6 rollout\(s\) with 'regression'/);
  assert.match(reg.stdout, /best@k\s+best@k\(100 trials\)\s+pass@k/);
  assert.match(reg.stdout, /└─+/);

  // select writes predictions; the harness accepts them and agrees with the recorded verdicts of the picks.
  const preds = join(dir, 'picks.jsonl');
  const sel = await swegym(['select', 'e2e79', '--verifier', 'regression', '--out', preds, '--json', ...session]);
  assert.equal(sel.code, 0, sel.stderr);
  const picks = JSON.parse(sel.stdout).picks as Array<{ instance_id: string; sample: number; resolved: boolean }>;
  assert.deepEqual(picks.map((p) => p.instance_id).sort(), [...IDS].sort());
  const lines = jsonl(preds);
  for (const l of lines) assert.deepEqual(Object.keys(l).sort(), ['instance_id', 'model_name_or_path', 'model_patch']);
  const verify = await swegym(['verify', '--dataset', 'samples', '--predictions', preds, '--run-id', 'e2e79-select', '--report', join(dir, 'select-report.json'), '--offline']);
  assert.equal(verify.code, 0, verify.stderr);
  const rep = JSON.parse(readFileSync(join(dir, 'select-report.json'), 'utf8'));
  assert.equal(rep.completed_instances, IDS.length);
  assert.deepEqual([...rep.resolved_ids].sort(), picks.filter((p) => p.resolved).map((p) => p.instance_id).sort());

  // export predictions of sample 1 (the wrong candidates): the harness reads them and resolves none.
  const wrong = join(dir, 'sample1.jsonl');
  const ep = await swegym(['export', 'predictions', 'e2e79', '--sample', '1', '--out', wrong, ...session]);
  assert.equal(ep.code, 0, ep.stderr);
  assert.equal(jsonl(wrong).length, IDS.length);
  const v1 = await swegym(['verify', '--dataset', 'samples', '--predictions', wrong, '--run-id', 'e2e79-s1', '--report', join(dir, 's1-report.json'), '--offline']);
  assert.equal(v1.code, 0, v1.stderr);
  const rep1 = JSON.parse(readFileSync(join(dir, 's1-report.json'), 'utf8'));
  assert.equal(rep1.completed_instances, IDS.length);
  assert.equal(rep1.resolved_instances, 0);

  // export sft: only the resolved rollouts (sample 0), schema-valid, starting from the agent's system prompt.
  const sft = join(dir, 'sft.jsonl');
  const es = await swegym(['export', 'sft', 'e2e79', '--out', sft, ...session]);
  assert.equal(es.code, 0, es.stderr);
  const sftLines = jsonl(sft);
  assert.equal(sftLines.length, IDS.length);
  const sftMeta = JSON.parse(readFileSync(`${sft}.meta.json`, 'utf8'));
  assert.deepEqual(sftMeta.lines.map((l: { rollout_id: string }) => l.rollout_id).sort(), IDS.map((id) => `${id}.s0.a0`).sort());
  for (const l of sftLines) {
    const v = ChatFineTuningLine.safeParse(l);
    assert.ok(v.success, JSON.stringify(v.error?.issues));
    assert.deepEqual(l.messages.slice(0, 3).map((m: { role: string }) => m.role), ['system', 'user', 'assistant']);
  }

  // export verifier: 2 positives, negatives sampled 1:1 from the 4 available, reproducible with the seed.
  const ver = join(dir, 'verifier.jsonl');
  const ev = await swegym(['export', 'verifier', 'e2e79', '--out', ver, '--seed', '3', ...session]);
  assert.equal(ev.code, 0, ev.stderr);
  const verLines = jsonl(ver);
  const answers = verLines.map((l) => l.messages[2].content).sort();
  assert.deepEqual(answers, ['<judgement>NO</judgement>', '<judgement>NO</judgement>', '<judgement>YES</judgement>', '<judgement>YES</judgement>']);
  const ver2 = join(dir, 'verifier2.jsonl');
  await swegym(['export', 'verifier', 'e2e79', '--out', ver2, '--seed', '3', ...session]);
  assert.equal(readFileSync(ver2, 'utf8'), readFileSync(ver, 'utf8'));
  const ver3 = join(dir, 'verifier3.jsonl');
  const ev3 = await swegym(['export', 'verifier', 'e2e79', '--out', ver3, '--ratio', '2', ...session]);
  assert.equal(ev3.code, 0, ev3.stderr);
  assert.equal(jsonl(ver3).filter((l) => l.messages[2].content.includes('NO')).length, 4);
});
