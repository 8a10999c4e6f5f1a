/**
 * bench/gym: the Gym API's costs, each against its baseline in the same run.
 *  - reset latency from the warm pool vs a cold start (target: warm <= 50 ms);
 *  - per-step overhead of a trivial command over HTTP vs the same step in-process (target: <= 2 ms more);
 *  - episodes per minute (reset, look, gold patch, finish + verification) at 1, 4 and 8 concurrent HTTP clients.
 *
 *   node --import tsx bench/gym.ts [--n 40] [--episodes 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../src/core/dataset/schema.js';
import { loadTasks } from '../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../src/core/dataset/samples.js';
import { loadSpecRegistry } from '../src/core/runtime/spec-registry.js';
import { DockerProvider } from '../src/core/runtime/docker.js';
import { createGymContext, coldPrepare, type GymContext } from '../src/core/gym/context.js';
import { defaultImageResolver } from '../src/core/gym/prepare.js';
import { WarmPool } from '../src/core/gym/pool.js';
import { EpisodeRecorder } from '../src/core/gym/recorder.js';
import { SweGymEnv } from '../src/core/gym/env.js';
import { GymServer } from '../src/core/gym/server.js';

const LABEL = { 'io.swegym.role-bench': 'gym' };

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const ok = (b: boolean) => (b ? 'OK  ' : 'MISS');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitWarm(ctx: GymContext, n: number) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const s = ctx.pool!.stats();
    if (s.warm >= n && s.starting === 0) return;
    await sleep(50);
  }
  throw new Error('the pool did not fill within 60 s');
}

async function main(): Promise<void> {
  const n = Number(arg('n', '40'));
  const perClient = Number(arg('episodes', '2'));
  const tasks = (await loadTasks(SAMPLE_TASKS_FILE)).tasks;
  const reg = loadSpecRegistry();
  const specFor = (t: TaskRecord) => reg.lookup(t.repo, String(t.version));
  const provider = new DockerProvider({ sessionId: `bench-gym-${process.pid}` });
  const dir = mkdtempSync(join(tmpdir(), 'swegym-bench-gym-'));
  const recorder = EpisodeRecorder.openOrCreate(join(dir, 'bench'), { name: 'bench', datasetRef: 'samples', tasks });
  const ctx = await createGymContext({ tasks, provider, specFor, images: defaultImageResolver(specFor, { provider }), recorder, labels: LABEL });
  for (const t of tasks) await ctx.images(t);
  const task = tasks[0]!;
  const server = new GymServer({ ctx, maxEnvs: 8 });
  const url = (await server.listen()).url;
  try {
    // -- reset: cold (no pool) vs warm (from the pool, refilled between resets)
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const env = new SweGymEnv(ctx);
      const t = performance.now();
      await env.reset({ instance_id: task.instance_id });
      cold.push(performance.now() - t);
      await env.close();
    }
    ctx.pool = new WarmPool({ prepare: (t) => coldPrepare(ctx, t), perInstance: 1, total: 8 });
    ctx.pool.prefetch([task]);
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) {
      await waitWarm(ctx, 1);
      const env = new SweGymEnv(ctx);
      const t = performance.now();
      const r = await env.reset({ instance_id: task.instance_id });
      warm.push(performance.now() - t);
      if (!r.info.warm) throw new Error('expected a warm reset');
      await env.close();
    }

    // -- step: in-process vs HTTP, interleaved on two environments of the same instance
    const local = new SweGymEnv(ctx);
    await local.reset({ instance_id: task.instance_id, max_steps: 10_000 });
    const created = (await (await fetch(`${url}/v1/envs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance_id: task.instance_id, max_steps: 10_000 }) })).json()) as { env_id: string };
    const action = { name: 'execute_bash', arguments: { command: 'true' } };
    const body = JSON.stringify({ action });
    const paired: number[] = [];
    const httpStep = async () => {
      const t = performance.now();
      const res = await fetch(`${url}/v1/envs/${created.env_id}/step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const j = (await res.json()) as { info: { exit_code?: number } };
      const total = performance.now() - t;
      if (j.info.exit_code !== 0) throw new Error('step failed over HTTP');
      // Server-Timing carries the in-process step time of this very request: the rest is the protocol's cost.
      const m = /step;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
      if (m) paired.push(total - Number(m[1]));
    };
    for (let i = 0; i < 5; i++) {
      await local.step(action);
      await httpStep();
    }
    paired.length = 0;
    const inproc: number[] = [];
    const overHttp: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await local.step(action);
      inproc.push(performance.now() - t);
      t = performance.now();
      await httpStep();
      overHttp.push(performance.now() - t);
    }
    await local.close();
    await fetch(`${url}/v1/envs/${created.env_id}`, { method: 'DELETE' });
    // The HTTP layer alone (a request that touches no container), for reference.
    const health: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await (await fetch(`${url}/v1/health`)).json();
      health.push(performance.now() - t);
    }

    // -- throughput: episodes per minute at 1, 4, 8 concurrent clients
    ctx.pool.prefetch(tasks);
    const throughput: { clients: number; episodes: number; perMin: number; resolved: number }[] = [];
    for (const clients of [1, 4, 8]) {
      await waitWarm(ctx, Math.min(tasks.length, ctx.pool.limitTotal));
      const t0 = performance.now();
      let resolved = 0;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let e = 0; e < perClient; e++) {
            const tk = tasks[(c + e) % tasks.length]!;
            const post = async (path: string, b: unknown) =>
              (await (await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).json()) as any;
            const r = await post('/v1/envs', { instance_id: tk.instance_id });
            const step = (a: unknown) => post(`/v1/envs/${r.env_id}/step`, { action: a });
            await step({ name: 'execute_bash', arguments: { command: 'git status --short && ls' } });
            await step({ name: 'execute_bash', arguments: { command: `git apply - <<'EOF_GOLD'\n${tk.patch}EOF_GOLD` } });
            const fin = await step({ name: 'finish', arguments: {} });
            if (fin.reward === 1) resolved++;
            await fetch(`${url}/v1/envs/${r.env_id}`, { method: 'DELETE' });
          }
        }),
      );
      const minutes = (performance.now() - t0) / 60_000;
      throughput.push({ clients, episodes: clients * perClient, perMin: (clients * perClient) / minutes, resolved });
    }

    const w = median(warm);
    const c = median(cold);
    const ip = median(inproc);
    const hp = median(overHttp);
    console.log(`instance ${task.instance_id}; ${cold.length} cold and ${warm.length} warm resets; ${n} steps each way`);
    console.log(`reset cold       median ${c.toFixed(1)} ms`);
    console.log(`reset warm pool  median ${w.toFixed(2)} ms (${(c / w).toFixed(0)}x faster)   target <= 50 ms   ${ok(w <= 50)}`);
    console.log(`step in-process  median ${ip.toFixed(2)} ms ('true' + patch check)`);
    const po = median(paired);
    console.log(`step over HTTP   median ${hp.toFixed(2)} ms   difference of medians ${(hp - ip).toFixed(2)} ms`);
    console.log(`HTTP overhead    median ${po.toFixed(2)} ms a step (request time - the server's in-process step time, paired)   target <= 2 ms   ${ok(po <= 2)}`);
    console.log(`HTTP round trip  median ${median(health).toFixed(2)} ms (GET /v1/health, no container)`);
    for (const t of throughput) {
      console.log(`episodes/min     ${String(t.clients).padStart(2)} client(s): ${t.perMin.toFixed(1)}  (${t.episodes} episodes, ${t.resolved} resolved, reset+2 steps+finish+verification)`);
    }
  } finally {
    await server.close();
    await provider.sweep(LABEL);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
