/**
 * Scheduler benchmark. Prints:
 *  1. rollouts per minute at concurrency 1, 2, 4, 8 on the sample tasks (real Docker, real verification), with a
 *     scripted model over real HTTP (the openai client against a scripted server on 127.0.0.1);
 *  2. the scheduler's own overhead per rollout: a no-op runner emitting a typical rollout's events through the
 *     scheduler, against the baseline of writing the same events to session logs without it;
 *  3. time and peak memory to open a generated 10,000-rollout session (index present; index missing = rebuilt from
 *     the logs), against the baseline of parsing every event of every log. Target: about 2 s.
 * Usage: node --import tsx bench/scheduler.ts [--skip-docker] [--rollouts N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter, type EventBody } from '../src/core/events.js';
import { SessionWriter } from '../src/core/session/writer.js';
import { rolloutId } from '../src/core/session/ids.js';
import { Scheduler, type RolloutRunner } from '../src/core/scheduler/scheduler.js';
import { planWork } from '../src/core/scheduler/queue.js';
import type { TaskRecord } from '../src/core/dataset/schema.js';
import type { RuntimeProvider } from '../src/core/runtime/types.js';

const args = process.argv.slice(2);
const skipDocker = args.includes('--skip-docker');
const N_SESSION = Number(args[args.indexOf('--rollouts') + 1]) || 10_000;

function fakeTask(id: string): TaskRecord {
  return { instance_id: id, repo: 'o/r', base_commit: 'a'.repeat(40), patch: '', test_patch: '', problem_statement: '', hints_text: '', created_at: '', version: '1', FAIL_TO_PASS: [], PASS_TO_PASS: [] };
}

/** A typical rollout's events: ~10 turns of model response + tool call, patch, stop, verdict, end. */
function typicalEvents(inst: string, sample: number, resolved: boolean): EventBody[] {
  const ev: EventBody[] = [{ type: 'rollout_started', instance_id: inst, sample, attempt: 0, agent: { kind: 'llm', model: 'm', config: {} } }];
  ev.push({ type: 'env_ready', image: 'img', container_id: 'c'.repeat(64), duration_ms: 300, repo_dir: '/testbed' });
  for (let t = 0; t < 10; t++) {
    ev.push({ type: 'model_response', turn: t, content: 'Let me look at the code. '.repeat(8), tool_calls: [{ id: `c${t}`, name: 'execute_bash', arguments: '{"command":"grep -rn foo ."}' }], usage: { prompt_tokens: 2000 + t * 500, completion_tokens: 80, estimated: false }, cost_usd: 0.001, latency_ms: 900 });
    ev.push({ type: 'tool_start', step: t, call_id: `c${t}`, tool: 'execute_bash', args: { command: 'grep -rn foo .' } });
    ev.push({ type: 'tool_end', step: t, call_id: `c${t}`, tool: 'execute_bash', observation: 'src/x.py:12: foo = 1\n'.repeat(20), exit_code: 0, is_error: false, timed_out: false, truncated: false, duration_ms: 40 });
  }
  ev.push({ type: 'patch_updated', patch: '--- a/x\n+++ b/x\n@@\n-a\n+b\n', files: ['x'] });
  ev.push({ type: 'agent_stopped', reason: 'finished', message: '', turns: 10, usage: { prompt_tokens: 42500, completion_tokens: 800, estimated: false }, cost_usd: 0.01 });
  ev.push({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status: resolved ? 'resolved' : 'unresolved', resolved } });
  ev.push({ type: 'rollout_ended', status: 'completed', duration_ms: 60000 });
  return ev;
}

class NoEngine implements RuntimeProvider {
  async start(): Promise<never> {
    throw new Error('unused');
  }
  async sweep(): Promise<number> {
    return 0;
  }
}

function newSession(dir: string, ids: string[], samples: number): SessionWriter {
  return SessionWriter.create(dir, { name: 'bench', swegym_version: '0', dataset: { ref: 'bench', instance_ids: ids }, images: {}, agent: { kind: 'llm' }, sampling: { samples, temperatures: [0, 0.5], seed: 0 } });
}

async function baselineRun(ids: string[]): Promise<number> {
  const d0 = mkdtempSync(join(tmpdir(), 'swegym-bench-'));
  const w0 = newSession(d0, ids, 2);
  const t = performance.now();
  for (const id of ids) for (let s = 0; s < 2; s++) {
    const rid = rolloutId(id, s, 0);
    const log = w0.openRollout(rid);
    const em = new RolloutEmitter(rid, (e) => log.append(e));
    for (const e of typicalEvents(id, s, s === 0)) em.emit(e);
    log.close();
  }
  const ms = performance.now() - t;
  w0.close();
  rmSync(d0, { recursive: true, force: true });
  return ms;
}

async function schedulerRun(ids: string[]): Promise<number> {
  const d1 = mkdtempSync(join(tmpdir(), 'swegym-bench-'));
  const w1 = newSession(d1, ids, 2);
  const runner: RolloutRunner = async (ctx) => {
    for (const e of typicalEvents(ctx.task.instance_id, ctx.sample, ctx.sample === 0)) ctx.emitter.emit(e);
    return { status: 'completed' };
  };
  const sched = new Scheduler({ session: w1, items: planWork(ids.map(fakeTask), 2, [0, 0.5], 0), runner, engines: [{ name: 'none', provider: new NoEngine() }], concurrency: 8 });
  sched.onSnapshot(() => undefined);
  const t = performance.now();
  const res = await sched.run();
  const ms = performance.now() - t;
  w1.close();
  rmSync(d1, { recursive: true, force: true });
  if (res.snapshot.done !== ids.length * 2) throw new Error(`scheduler finished ${res.snapshot.done} of ${ids.length * 2}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function overhead(): Promise<void> {
  const n = 2000;
  const ids = Array.from({ length: n / 2 }, (_, i) => `own__repo-${i}`);
  // Baseline: the same events written through the session logs directly. Alternated, median of 5: the fsyncs at
  // durable events dominate both and vary from run to run on a shared disk.
  const base: number[] = [];
  const sched: number[] = [];
  for (let i = 0; i < 5; i++) {
    base.push(await baselineRun(ids));
    sched.push(await schedulerRun(ids));
  }
  const b = median(base) / n;
  const s = median(sched) / n;
  console.log(`\n2. Scheduler overhead (${n} rollouts, ${typicalEvents('x', 0, true).length} events each, 8 workers; median of 5)`);
  console.log(`   baseline (events -> session logs, no scheduler): ${b.toFixed(3)} ms/rollout (runs: ${base.map((x) => (x / n).toFixed(2)).join(', ')})`);
  console.log(`   through the scheduler:                           ${s.toFixed(3)} ms/rollout (runs: ${sched.map((x) => (x / n).toFixed(2)).join(', ')})`);
  console.log(`   scheduler's own overhead:                        ${(s - b).toFixed(3)} ms/rollout`);
}

function openInChild(dir: string, mode: 'index' | 'full'): { ms: number; maxRssMb: number; rows: number } {
  const script = mode === 'index'
    ? `import { openSession } from '${join(process.cwd(), 'src/core/session/store.ts')}';
       const t = performance.now(); const r = openSession(${JSON.stringify(dir)}); const rows = r.summaries().length; const ms = performance.now() - t;
       console.log(JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`
    : `import { readdirSync, readFileSync } from 'node:fs';
       const t = performance.now(); let rows = 0;
       for (const f of readdirSync(${JSON.stringify(join(dir, 'rollouts'))})) { for (const l of readFileSync(${JSON.stringify(join(dir, 'rollouts'))} + '/' + f, 'utf8').split('\\n')) if (l) JSON.parse(l); rows++; }
       console.log(JSON.stringify({ ms: performance.now() - t, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const file = join(tmpdir(), `swegym-bench-open-${process.pid}.mts`);
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: process.cwd() });
  unlinkSync(file);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number; rows: number };
}

async function bigSession(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-bench-big-'));
  const samples = 4;
  const ids = Array.from({ length: N_SESSION / samples }, (_, i) => `owner__repo-${i}`);
  newSession(dir, ids, samples).close();
  // Logs written directly (fast generation); no index yet.
  let t = performance.now();
  let bytes = 0;
  mkdirSync(join(dir, 'rollouts'), { recursive: true });
  for (const id of ids) for (let s = 0; s < samples; s++) {
    const rid = rolloutId(id, s, 0);
    let seq = 0;
    const text = typicalEvents(id, s, (s + id.length) % 3 === 0).map((b) => JSON.stringify({ v: 1, ts: Date.now(), rollout: rid, seq: seq++, ...b })).join('\n') + '\n';
    bytes += text.length;
    writeFileSync(join(dir, 'rollouts', `${rid}.jsonl`), text);
  }
  console.log(`\n3. Opening a ${N_SESSION}-rollout session (${(bytes / 1e6).toFixed(0)} MB of event logs, generated in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const rebuild = openInChild(dir, 'index');
  t = performance.now();
  SessionWriter.open(dir).close(); // writes the compacted index
  const compact = performance.now() - t;
  const indexed = openInChild(dir, 'index');
  const full = openInChild(dir, 'full');
  console.log(`   with the summary index:            ${(indexed.ms / 1000).toFixed(2)} s, peak RSS ${indexed.maxRssMb.toFixed(0)} MB (${indexed.rows} rows)   target ~2 s`);
  console.log(`   index missing (rebuilt from logs): ${(rebuild.ms / 1000).toFixed(2)} s, peak RSS ${rebuild.maxRssMb.toFixed(0)} MB; writing the index: ${(compact / 1000).toFixed(2)} s`);
  console.log(`   baseline, parse every event:       ${(full.ms / 1000).toFixed(2)} s, peak RSS ${full.maxRssMb.toFixed(0)} MB`);
  rmSync(dir, { recursive: true, force: true });
}

async function throughput(): Promise<void> {
  const { startScriptedServer } = await import('../test/helpers/scripted-openai-server.js');
  const { scriptedPolicy } = await import('../test/integration/scheduler-scripted-model.js');
  const { loadTasks } = await import('../src/core/dataset/load.js');
  const { batchCommand } = await import('../src/cli/commands/batch.js');
  const { tasks } = await loadTasks('samples');
  const samples = 2;
  const server = await startScriptedServer(scriptedPolicy(tasks, samples, 11, () => 0));
  const base = mkdtempSync(join(tmpdir(), 'swegym-bench-tp-'));
  console.log(`1. Throughput: ${tasks.length} sample tasks x ${samples} samples, scripted model (3 turns: sleep 0, gold patch or nothing, finish), real Docker + verification`);
  try {
    for (const c of [1, 2, 4, 8]) {
      const t = performance.now();
      let snap: import('../src/core/scheduler/types.js').SchedulerSnapshot | undefined;
      const code = await batchCommand({
        dataset: 'samples', agent: 'llm', model: 'm', baseUrl: `${server.url}/v1`, samples, concurrency: c, seed: 11, session: `tp-c${c}`, sessionsDir: base,
        io: { out: () => undefined, err: (l) => console.error(`   ${l}`), signals: false, onScheduler: (s) => void s.onSnapshot((x) => (snap = x)) },
      });
      const min = (performance.now() - t) / 60000;
      const n = tasks.length * samples;
      console.log(`   concurrency ${c}: ${(n / min).toFixed(1)} rollouts/min (${n} in ${(min * 60).toFixed(1)} s, exit ${code}, resolved ${snap?.resolved ?? '?'})`);
    }
  } finally {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
}

if (!skipDocker) await throughput();
await overhead();
await bigSession();
