/**
 * A synthetic SWE-Gym-sized session: 2,438 instances x 16 samples = 39,008 rollouts (the review's scale: 613 MB of
 * logs), for bench/tui-scale.ts. Every event is a valid RolloutEvent (checked against the schema for the first
 * rollouts), in the log format the session store writes (one JSON line per event, one file per attempt). The index is
 * NOT written here: the bench builds it with the store's own rebuild (SessionWriter.open), which it also times.
 *
 * Generating through RolloutLog itself would fsync at every durable event (about 0.8 ms each here, 6 per rollout:
 * over three minutes for 39,008 rollouts), so `viaStore: true` (used for small sessions in tests) takes that path and
 * the default writes the same lines directly.
 *
 *   node --import tsx bench/scale-session.ts --out DIR [--instances 2438] [--samples 16] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RolloutEvent, type EventBody } from '../src/core/events.js';
import { rolloutId } from '../src/core/session/ids.js';
import { ROLLOUTS_DIR } from '../src/core/session/store.js';
import { SessionWriter } from '../src/core/session/writer.js';
import { seededRandom } from '../src/core/util/rng.js';

/** SWE-Gym's repositories (Pan, Wang et al. 2024, Table 1), with a share of the instances each. */
const REPOS: Array<[string, number]> = [
  ['getmoto/moto', 0.22],
  ['python/mypy', 0.14],
  ['pandas-dev/pandas', 0.13],
  ['iterative/dvc', 0.1],
  ['dask/dask', 0.09],
  ['conan-io/conan', 0.08],
  ['pydantic/pydantic', 0.07],
  ['Project-MONAI/MONAI', 0.07],
  ['modin-project/modin', 0.04],
  ['facebookresearch/hydra', 0.03],
  ['bokeh/bokeh', 0.03],
];


export interface ScaleTask {
  instance_id: string;
  repo: string;
  version: string;
  problem_statement: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
}

export function scaleTasks(instances: number, seed = 1): ScaleTask[] {
  const rnd = seededRandom(seed);
  const out: ScaleTask[] = [];
  for (let i = 0; i < instances; i++) {
    let x = rnd();
    let repo = REPOS[0]![0];
    for (const [r, share] of REPOS) {
      if (x < share) {
        repo = r;
        break;
      }
      x -= share;
    }
    const mod = repo.split('/')[1]!.toLowerCase();
    const f2p = 1 + Math.floor(rnd() * 4);
    const p2p = 5 + Math.floor(rnd() * 30);
    out.push({
      instance_id: `${repo.replace('/', '__')}-${1000 + i}`,
      repo,
      version: `${1 + Math.floor(rnd() * 3)}.${Math.floor(rnd() * 10)}`,
      problem_statement: `${mod}: ${['crash', 'wrong result', 'regression', 'missing option'][i % 4]} in ${mod}.core when the input is empty (issue ${1000 + i})`,
      FAIL_TO_PASS: Array.from({ length: f2p }, (_, k) => `tests/test_${mod}_${i % 37}.py::test_case_${k}`),
      PASS_TO_PASS: Array.from({ length: p2p }, (_, k) => `tests/test_${mod}_${i % 37}.py::test_keep_${k}`),
    });
  }
  return out;
}

type Outcome = 'resolved' | 'unresolved' | 'empty_patch' | 'infra_error' | 'interrupted';

/** One rollout's events, LLM-agent shaped (OpenHands CodeAct tools); ~16 KB of JSON lines on average. */
export function rolloutEvents(task: ScaleTask, sample: number, rnd: () => number): { outcome: Outcome; events: EventBody[] } {
  const x = rnd();
  const outcome: Outcome = x < 0.03 ? 'infra_error' : x < 0.04 ? 'interrupted' : x < 0.14 ? 'empty_patch' : x < 0.14 + 0.25 ? 'resolved' : 'unresolved';
  const ev: EventBody[] = [
    { type: 'rollout_started', instance_id: task.instance_id, sample, attempt: 0, temperature: sample === 0 ? 0 : 0.5, seed: sample, agent: { kind: 'llm', model: 'swe-gym-32b', config: { max_turns: 50 } } },
    { type: 'env_starting', image: `sweb.eval.x86_64.${task.instance_id.toLowerCase()}:latest` },
    { type: 'env_ready', image: `sweb.eval.x86_64.${task.instance_id.toLowerCase()}:latest`, container_id: (task.instance_id + sample).padEnd(64, '0').slice(0, 64), duration_ms: 800 + Math.floor(rnd() * 1500), repo_dir: '/testbed' },
  ];
  if (outcome === 'infra_error' && rnd() < 0.5) {
    ev.push({ type: 'rollout_ended', status: 'infra_error', error: 'model endpoint: 503 Service Unavailable after 5 retries', duration_ms: 30000 });
    return { outcome, events: ev };
  }
  const turns = 3 + Math.floor(rnd() * 11);
  let prompt = 0;
  let completion = 0;
  let cost = 0;
  const mod = task.repo.split('/')[1]!.toLowerCase();
  for (let t = 0; t < turns; t++) {
    const p = 3000 + t * 900;
    const c = 60 + Math.floor(rnd() * 200);
    const usd = (p * 0.2 + c * 0.6) / 1e6;
    prompt += p;
    completion += c;
    cost += usd;
    const cmd = t % 3 === 0 ? `grep -rn "def ${mod}_${t}" /testbed/${mod} | head -20` : t % 3 === 1 ? `sed -n ${t * 10},${t * 10 + 40}p /testbed/${mod}/core.py` : `cd /testbed && python -m pytest ${task.FAIL_TO_PASS[0]} -x -q`;
    ev.push({
      type: 'model_response',
      turn: t,
      content: `Step ${t}: looking at how ${mod}.core handles an empty input. `.repeat(1 + Math.floor(rnd() * 3)),
      tool_calls: [{ id: `call_${t}`, name: 'execute_bash', arguments: JSON.stringify({ command: cmd }) }],
      finish_reason: 'tool_calls',
      usage: { prompt_tokens: p, completion_tokens: c, estimated: false },
      cost_usd: usd,
      latency_ms: 700 + Math.floor(rnd() * 3000),
    });
    ev.push({ type: 'tool_start', step: t, call_id: `call_${t}`, tool: 'execute_bash', args: { command: cmd } });
    const out = `${mod}/core.py:${100 + t}:    def ${mod}_${t}(self, value):  # handles ${t}\n`.repeat(2 + Math.floor(rnd() * 5));
    ev.push({ type: 'tool_output', step: t, chunk: out });
    ev.push({ type: 'tool_end', step: t, call_id: `call_${t}`, tool: 'execute_bash', observation: out, exit_code: t % 3 === 2 ? 1 : 0, is_error: false, timed_out: false, truncated: false, duration_ms: 40 + Math.floor(rnd() * 4000), output_bytes: out.length });
  }
  if (outcome === 'interrupted') return { outcome, events: ev }; // killed: no stop, no verdict, no end
  const empty = outcome === 'empty_patch';
  const patch = empty ? '' : `diff --git a/${mod}/core.py b/${mod}/core.py\n--- a/${mod}/core.py\n+++ b/${mod}/core.py\n@@ -10,3 +10,5 @@\n-    return value\n+    if not value:\n+        return None\n+    return value\n`;
  if (!empty) ev.push({ type: 'patch_updated', patch, files: [`${mod}/core.py`] });
  ev.push({ type: 'agent_stopped', reason: turns >= 13 ? 'max_turns' : 'finished', message: '', turns, usage: { prompt_tokens: prompt, completion_tokens: completion, estimated: false }, cost_usd: cost });
  if (outcome === 'infra_error') {
    ev.push({ type: 'rollout_ended', status: 'infra_error', error: 'docker: container exited (137) during verification', duration_ms: 120000 });
    return { outcome, events: ev };
  }
  ev.push({ type: 'verification_started', profile: 'swegym' });
  const resolved = outcome === 'resolved';
  const f2pFail = resolved || empty ? (empty ? task.FAIL_TO_PASS : []) : task.FAIL_TO_PASS.slice(0, 1 + Math.floor(rnd() * task.FAIL_TO_PASS.length));
  const f2pOk = task.FAIL_TO_PASS.filter((t) => !f2pFail.includes(t));
  const p2pFail = resolved || empty || rnd() < 0.7 ? [] : task.PASS_TO_PASS.slice(0, 1);
  const p2pOk = task.PASS_TO_PASS.filter((t) => !p2pFail.includes(t));
  const statuses: Record<string, 'PASSED' | 'FAILED'> = {};
  for (const t of [...f2pOk, ...p2pOk]) statuses[t] = 'PASSED';
  for (const t of [...f2pFail, ...p2pFail]) statuses[t] = 'FAILED';
  ev.push({
    type: 'verification_verdict',
    verdict: {
      instance_id: task.instance_id,
      profile: 'swegym',
      harness: { profile: 'swegym', official: 'SWE-Gym fork 242429c' },
      status: empty ? 'empty_patch' : resolved ? 'resolved' : 'unresolved',
      resolved,
      ...(empty ? { reason: 'the agent produced no patch' } : {
        resolution: resolved ? 'RESOLVED_FULL' : f2pOk.length ? 'RESOLVED_PARTIAL' : 'RESOLVED_NO',
        tests_status: {
          FAIL_TO_PASS: { success: f2pOk, failure: f2pFail },
          PASS_TO_PASS: { success: p2pOk, failure: p2pFail },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
        test_statuses: statuses,
        total_ms: 9000 + Math.floor(rnd() * 20000),
        test_ms: 3000 + Math.floor(rnd() * 10000),
      }),
    },
  });
  ev.push({ type: 'rollout_ended', status: 'completed', duration_ms: 60000 + Math.floor(rnd() * 600000) });
  return { outcome, events: ev };
}

export interface GeneratedSession {
  dir: string;
  rollouts: number;
  bytes: number;
  ms: number;
  tasks: ScaleTask[];
}

/** A created session (manifest) holding `instances` x `samples` rollouts' logs; no index unless `viaStore`. */
export function generateScaleSession(dir: string, opts: { instances?: number; samples?: number; seed?: number; viaStore?: boolean; name?: string } = {}): GeneratedSession {
  const t0 = performance.now();
  const instances = opts.instances ?? 2438;
  const samples = opts.samples ?? 16;
  const seed = opts.seed ?? 1;
  const tasks = scaleTasks(instances, seed);
  const writer = SessionWriter.create(dir, {
    name: opts.name ?? 'scale',
    swegym_version: 'bench',
    dataset: { ref: 'swe-gym (synthetic, bench/scale-session.ts)', instance_ids: tasks.map((t) => t.instance_id), repos: Object.fromEntries(tasks.map((t) => [t.instance_id, t.repo])) },
    images: {},
    harness: [{ profile: 'swegym', official: 'SWE-Gym fork 242429c' }],
    agent: { kind: 'llm', model: 'swe-gym-32b' },
    sampling: { samples, temperatures: [0, 0.5], seed },
  });
  const rnd = seededRandom(seed * 7919);
  let bytes = 0;
  let ts = Date.parse('2026-12-01T00:00:00Z');
  let checked = 0;
  mkdirSync(join(dir, ROLLOUTS_DIR), { recursive: true });
  for (const task of tasks) {
    for (let s = 0; s < samples; s++) {
      const id = rolloutId(task.instance_id, s, 0);
      const { events } = rolloutEvents(task, s, rnd);
      const full = events.map((b, seq) => ({ v: 1, ts: (ts += 250 + Math.floor(rnd() * 5000)), rollout: id, seq, ...b }) as RolloutEvent);
      if (checked < 50) {
        checked++;
        for (const e of full) RolloutEvent.parse(e); // the generator's events are the real protocol
      }
      if (opts.viaStore) {
        const log = writer.openRollout(id);
        for (const e of full) log.append(e);
        log.close();
      } else {
        const text = full.map((e) => JSON.stringify(e)).join('\n') + '\n';
        bytes += Buffer.byteLength(text);
        writeFileSync(join(dir, ROLLOUTS_DIR, `${id}.jsonl`), text);
      }
    }
  }
  writer.close();
  return { dir, rollouts: instances * samples, bytes, ms: performance.now() - t0, tasks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, instances: { type: 'string', default: '2438' }, samples: { type: 'string', default: '16' }, seed: { type: 'string', default: '1' } } });
  if (!values.out) {
    console.error('usage: bench/scale-session.ts --out DIR [--instances 2438] [--samples 16] [--seed 1]');
    process.exit(2);
  }
  const g = generateScaleSession(values.out, { instances: Number(values.instances), samples: Number(values.samples), seed: Number(values.seed) });
  console.log(`${g.dir}: ${g.rollouts} rollouts, ${(g.bytes / 1e6).toFixed(0)} MB of logs, ${(g.ms / 1000).toFixed(1)} s (no index yet: the first open builds it)`);
}
