import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { openSession } from '../../src/core/session/store.js';
import { createGymContext, coldPrepare, type GymContext } from '../../src/core/gym/context.js';
import { defaultImageResolver } from '../../src/core/gym/prepare.js';
import { WarmPool } from '../../src/core/gym/pool.js';
import { EpisodeRecorder } from '../../src/core/gym/recorder.js';
import { GymServer } from '../../src/core/gym/server.js';

// The Gym API on real Docker: real containers, the agent's real tools, the harness's real verification (pytest in
// a fresh container). Every container carries the test label; none may remain.

const LABEL = { 'io.swegym.test': 'gym-server' };
const provider = new DockerProvider();
const sessionRoot = mkdtempSync(join(tmpdir(), 'swegym-gym-'));
const sessionDir = join(sessionRoot, 'gym-it');
let tasks: TaskRecord[];
let ctx: GymContext;
let server: GymServer;
let base: string;

async function managedCount(): Promise<number> {
  return (await provider.list(LABEL)).length;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const bash = (command: string) => ({ name: 'execute_bash', arguments: { command } });

/** Per hunk of one file: the old and new text (context + removed, context + added). */
function hunksOf(filePatch: string): { old: string; new: string }[] {
  const out: { old: string; new: string }[] = [];
  let cur: { old: string; new: string } | undefined;
  for (const line of filePatch.split(/(?<=\n)/)) {
    if (line.startsWith('@@')) {
      cur = { old: '', new: '' };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const body = line.slice(1);
    if (line[0] === ' ' || line[0] === '-') cur.old += body;
    if (line[0] === ' ' || line[0] === '+') cur.new += body;
  }
  return out;
}

before(async () => {
  await provider.sweep(LABEL);
  tasks = (await loadTasks(SAMPLE_TASKS_FILE)).tasks;
  const reg = loadSpecRegistry();
  const specFor = (t: TaskRecord) => reg.lookup(t.repo, String(t.version));
  const recorder = EpisodeRecorder.openOrCreate(sessionDir, { name: 'gym-it', datasetRef: 'samples', tasks });
  ctx = await createGymContext({ tasks, provider, specFor, images: defaultImageResolver(specFor, { provider }), recorder, labels: LABEL });
  ctx.pool = new WarmPool({ prepare: (t) => coldPrepare(ctx, t), perInstance: 1, total: 3 });
  // Images first (built once per instance), so the tests below time environments, not image builds.
  for (const t of tasks) await ctx.images(t);
  server = new GymServer({ ctx, maxEnvs: 8, idleTimeoutMs: 2000 });
  base = (await server.listen()).url;
});

after(async () => {
  await server?.close();
  const left = await managedCount();
  await provider.sweep(LABEL);
  rmSync(sessionRoot, { recursive: true, force: true });
  assert.equal(left, 0, 'containers left behind after server.close()');
});

test('gold change through str_replace_editor and finish: reward 1; malformed actions get 4xx and the episode goes on; recorded as a rollout', async () => {
  const task = tasks.find((t) => t.instance_id === 'swegym-samples__durations-12')!;
  const r = await call('POST', '/v1/envs', { instance_id: task.instance_id, seed: 7 });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const id: string = r.json.env_id;
  assert.match(r.json.observation, /parse_duration rejects a space/);
  assert.match(r.json.observation, /\/workspace\/swegym-samples__durations__0\.1/);
  assert.equal(r.json.info.repo_dir, '/testbed');
  assert.deepEqual(r.json.info.tools.map((t: { name: string }) => t.name), ['execute_bash', 'finish', 'str_replace_editor']);
  assert.equal(r.json.info.tools[0].parameters.type, 'object');

  const step = (action: unknown) => call('POST', `/v1/envs/${id}/step`, { action });
  let s = await step(bash('git status --short; ls durations'));
  assert.equal(s.status, 200);
  assert.match(s.json.observation, /parser\.py/);
  assert.match(s.json.observation, /\[Command finished with exit code 0\]$/);
  assert.equal(s.json.reward, 0);
  assert.equal(s.json.terminated, false);

  // Malformed actions: each a 400 that says what was wrong; none counts as a step.
  const bad = [
    { name: 'rm_rf', arguments: {} },
    { name: 'str_replace_editor', arguments: { command: 'explode', path: '/testbed' } },
    { name: 'execute_bash', arguments: '{"command": ' },
    '<function=nope>\n</function>',
    42,
  ];
  for (const b of bad) {
    const e = await step(b);
    assert.equal(e.status, 400, JSON.stringify(e.json));
    assert.equal(e.json.error.code, 'malformed_action');
    assert.ok(e.json.error.message.length > 10, e.json.error.message);
  }
  const unknownTool = await step(bad[0]);
  assert.match(unknownTool.json.error.message, /unknown tool 'rm_rf'.*execute_bash/);
  const notJson = await call('POST', `/v1/envs/${id}/step`, '{"action": ');
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.error.message, /not valid JSON/);

  // The text format works too, and the episode went on: this is step 2.
  s = await step('I will look at the parser.\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/testbed/durations/parser.py</parameter>\n</function>');
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.equal(s.json.info.step, 2);
  assert.match(s.json.observation, /_TOKEN = re\.compile/);

  for (const h of hunksOf(task.patch)) {
    s = await step({ name: 'str_replace_editor', arguments: { command: 'str_replace', path: '/testbed/durations/parser.py', old_str: h.old, new_str: h.new } });
    assert.equal(s.status, 200);
    assert.equal(s.json.info.is_error, false, s.json.observation);
  }
  // Streaming variant: chunks of a slow command arrive before the result line.
  const streamed = await fetch(`${base}/v1/envs/${id}/step/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: bash('for i in 1 2 3; do echo tick$i; sleep 0.4; done') }),
  });
  assert.equal(streamed.status, 200);
  assert.match(streamed.headers.get('content-type') ?? '', /ndjson/);
  const lines = (await streamed.text()).trim().split('\n').map((l) => JSON.parse(l));
  const outputs = lines.filter((l) => l.type === 'output');
  assert.ok(outputs.length >= 2, `expected several output chunks, got ${JSON.stringify(lines)}`);
  assert.equal(lines.at(-1).type, 'result');
  assert.match(lines.at(-1).result.observation, /tick1\ntick2\ntick3/);

  s = await step({ name: 'finish', arguments: {} });
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.equal(s.json.reward, 1, JSON.stringify(s.json.info.verdict));
  assert.equal(s.json.terminated, true);
  assert.equal(s.json.truncated, false);
  assert.equal(s.json.info.verdict.status, 'resolved');
  assert.deepEqual(s.json.info.verdict.tests_status.FAIL_TO_PASS.failure, []);
  assert.ok(s.json.info.verdict.tests_status.FAIL_TO_PASS.success.length > 0);
  assert.match(s.json.info.patch, /\\s\*/);

  const after = await step(bash('ls'));
  assert.equal(after.status, 409);
  assert.equal(after.json.error.code, 'episode_done');

  // The episode is a rollout of the session, every step in it.
  const reader = openSession(sessionDir);
  const rollout = r.json.info.rollout_id;
  const events = await reader.events(rollout);
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 3), ['rollout_started', 'env_starting', 'env_ready']);
  assert.deepEqual(types.slice(-4), ['agent_stopped', 'verification_started', 'verification_verdict', 'rollout_ended']);
  const starts = events.filter((e) => e.type === 'tool_start');
  assert.deepEqual(starts.map((e) => (e.type === 'tool_start' ? e.tool : '')), ['execute_bash', 'str_replace_editor', 'str_replace_editor', 'execute_bash', 'finish']);
  assert.equal(events.filter((e) => e.type === 'tool_end').length, 5);
  assert.ok(events.some((e) => e.type === 'tool_output' && e.chunk.includes('tick2')));
  assert.ok(events.some((e) => e.type === 'patch_updated' && e.files.includes('durations/parser.py')));
  const started = events[0];
  assert.ok(started.type === 'rollout_started' && started.seed === 7 && started.agent.kind === 'external');
  const summary = reader.summaries().find((x) => x.rollout_id === rollout);
  assert.equal(summary?.status, 'completed');
  assert.equal(summary?.resolved, true);

  assert.equal((await call('DELETE', `/v1/envs/${id}`)).status, 200);
  assert.equal((await call('DELETE', `/v1/envs/${id}`)).status, 404);
});

test('no edit: finish gets reward 0; bad input is a 4xx naming what was wrong', async () => {
  const unknown = await call('POST', '/v1/envs', { instance_id: 'nobody__nothing-1' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, 'unknown_instance');
  assert.match(unknown.json.error.message, /nobody__nothing-1/);
  const badBody = await call('POST', '/v1/envs', { instance: 'x' });
  assert.equal(badBody.status, 400);
  assert.match(badBody.json.error.message, /instance_id/);
  const ghost = await call('POST', '/v1/envs/env-ghost/step', { action: bash('ls') });
  assert.equal(ghost.status, 404);
  assert.equal(ghost.json.error.code, 'unknown_env');

  const r = await call('POST', '/v1/envs', { instance_id: 'swegym-samples__ledger-8' });
  assert.equal(r.status, 201);
  const s = await call('POST', `/v1/envs/${r.json.env_id}/step`, { action: { name: 'finish', arguments: {} } });
  assert.equal(s.status, 200);
  assert.equal(s.json.reward, 0);
  assert.equal(s.json.terminated, true);
  assert.equal(s.json.info.verdict.resolved, false);
  assert.equal(s.json.info.patch, '');
  await call('DELETE', `/v1/envs/${r.json.env_id}`);
});

test('a step limit truncates the episode and the patch is still verified', async () => {
  const r = await call('POST', '/v1/envs', { instance_id: 'swegym-samples__ledger-8', max_steps: 2, reward: 'f2p_fraction' });
  assert.equal(r.status, 201);
  const id = r.json.env_id;
  let s = await call('POST', `/v1/envs/${id}/step`, { action: bash('echo "# touched" >> ledger/__init__.py') });
  assert.equal(s.json.truncated, false);
  s = await call('POST', `/v1/envs/${id}/step`, { action: bash('true') });
  assert.equal(s.json.truncated, true);
  assert.equal(s.json.terminated, false);
  assert.equal(s.json.info.stop_reason, 'max_turns');
  assert.ok(s.json.info.verdict, 'verified at truncation');
  assert.equal(s.json.reward, 0);
  await call('DELETE', `/v1/envs/${id}`);
});

test('8 environments at once on the sample tasks finish independently', async () => {
  const picks = Array.from({ length: 8 }, (_, i) => tasks[i % tasks.length]);
  const t0 = Date.now();
  const results = await Promise.all(
    picks.map(async (task, i) => {
      const r = await call('POST', '/v1/envs', { instance_id: task.instance_id });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const id = r.json.env_id;
      const step = (a: unknown) => call('POST', `/v1/envs/${id}/step`, { action: a });
      await step(bash(`echo env ${i} > /tmp/who && git status --short`));
      const gold = i % 2 === 0;
      if (gold) {
        const apply = await step(bash(`git apply - <<'SWEGYM_EOF'\n${task.patch}SWEGYM_EOF`));
        assert.equal(apply.json.info?.exit_code, 0, JSON.stringify(apply.json).slice(0, 800));
      }
      // Each environment sees only its own state.
      const who = await step(bash('cat /tmp/who'));
      assert.match(who.json.observation, new RegExp(`^env ${i}\\n`));
      const fin = await step({ name: 'finish', arguments: {} });
      await call('DELETE', `/v1/envs/${id}`);
      return { instance: task.instance_id, gold, reward: fin.json.reward, status: fin.json.info.verdict?.status };
    }),
  );
  for (const r of results) assert.equal(r.reward, r.gold ? 1 : 0, JSON.stringify(r));
  assert.ok(Date.now() - t0 < 10 * 60_000);
  const h = await call('GET', '/v1/health');
  assert.equal(h.json.envs, 0);
});

test('a client that drops its connection and goes away: its environments are reaped, no container remains', async () => {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(base);
  const raw = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; json: any; req: http.ClientRequest }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path, method, agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, req }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  const a = await raw('POST', '/v1/envs', { instance_id: tasks[1].instance_id });
  const b = await raw('POST', '/v1/envs', { instance_id: tasks[2].instance_id });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);

  // A long command in flight on env a; the client cuts the connection mid-step.
  const inflight = http.request({ host: url.hostname, port: url.port, path: `/v1/envs/${a.json.env_id}/step`, method: 'POST', headers: { 'content-type': 'application/json' } });
  inflight.on('error', () => undefined);
  inflight.end(JSON.stringify({ action: bash('sleep 120') }));
  // Cut it once the server runs the step (env a busy), not after a fixed time a loaded machine may not have reached it in.
  const busyBy = Date.now() + 30_000;
  while (!(await call('GET', `/v1/envs/${a.json.env_id}`)).json.busy && Date.now() < busyBy) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await call('GET', `/v1/envs/${a.json.env_id}`)).json.busy, true, 'the step never started');
  inflight.destroy();
  agent.destroy();

  // The environment whose request was cut off goes at once; the idle one after the idle timeout (2 s here).
  const gone: Record<string, number> = {};
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && Object.keys(gone).length < 2) {
    for (const [k, env] of [['a', a], ['b', b]] as const) {
      if (gone[k] === undefined && (await call('GET', `/v1/envs/${env.json.env_id}`)).status === 404) gone[k] = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(gone.a !== undefined && gone.b !== undefined, JSON.stringify(gone));
  assert.ok(gone.a < gone.b, 'the environment of the cut-off request was reaped first, without waiting for the idle timeout');
  // A closing environment answers 404 at once but is counted until its container is removed (a free slot means a
  // removed container), so the count reaches 0 a moment after the second 404.
  const closedBy = Date.now() + 30_000;
  while ((await call('GET', '/v1/health')).json.envs !== 0 && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await call('GET', '/v1/health')).json.envs, 0, 'both environments reaped');
  assert.equal((await call('GET', `/v1/envs/${a.json.env_id}`)).status, 404);
  // Only warm pool environments may remain (they belong to no client); the clients' containers are gone.
  const leftIds = new Set((await provider.list(LABEL)).map((c) => c.id));
  const ev = await openSession(sessionDir).events(a.json.info.rollout_id);
  const ready = ev.find((e) => e.type === 'env_ready');
  assert.ok(ready && ready.type === 'env_ready' && !leftIds.has(ready.container_id), 'env a container removed');
  assert.equal(ev.at(-1)?.type, 'rollout_ended');
  const evB = await openSession(sessionDir).events(b.json.info.rollout_id);
  const readyB = evB.find((e) => e.type === 'env_ready');
  assert.ok(readyB && readyB.type === 'env_ready' && !leftIds.has(readyB.container_id), 'env b container removed');
});

test('over the cap: 429 when configured, else the reset waits for a free slot; a token is required off loopback', async () => {
  assert.throws(() => new GymServer({ ctx, host: '0.0.0.0' }), /requires a token/);
  const strict = new GymServer({ ctx, maxEnvs: 1, overCap: '429', token: 's3cret', idleTimeoutMs: 60_000, closeContext: false });
  const waiting = new GymServer({ ctx, maxEnvs: 1, overCap: 'wait', idleTimeoutMs: 60_000, closeContext: false });
  const s1 = (await strict.listen()).url;
  const s2 = (await waiting.listen()).url;
  try {
    const post = (u: string, path: string, body: unknown, token?: string) =>
      fetch(u + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const noAuth = await post(s1, '/v1/envs', { instance_id: tasks[0].instance_id });
    assert.equal(noAuth.status, 401);
    const first = await post(s1, '/v1/envs', { instance_id: tasks[0].instance_id }, 's3cret');
    assert.equal(first.status, 201);
    const second = await post(s1, '/v1/envs', { instance_id: tasks[0].instance_id }, 's3cret');
    assert.equal(second.status, 429);
    assert.equal(((await second.json()) as any).error.code, 'over_capacity');

    const w1 = (await (await post(s2, '/v1/envs', { instance_id: tasks[3].instance_id })).json()) as any;
    let done = false;
    const w2p = post(s2, '/v1/envs', { instance_id: tasks[3].instance_id }).then(async (r) => {
      done = true;
      return { status: r.status, json: (await r.json()) as any };
    });
    // Until the server holds the request (a loaded machine may take longer than any fixed wait to deliver it).
    const heldBy = Date.now() + 30_000;
    while (((await (await fetch(s2 + '/v1/health')).json()) as any).waiting !== 1 && Date.now() < heldBy) await new Promise((r) => setTimeout(r, 50));
    assert.equal(((await (await fetch(s2 + '/v1/health')).json()) as any).waiting, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(done, false, 'the second reset waits while the cap is reached');
    await fetch(`${s2}/v1/envs/${w1.env_id}`, { method: 'DELETE' });
    const w2 = await w2p;
    assert.equal(w2.status, 201);
  } finally {
    await strict.close();
    await waiting.close();
  }
  const doc = await call('GET', '/v1/openapi.json');
  assert.equal(doc.json.openapi, '3.1.0');
  assert.ok(doc.json.components.schemas.StepResponse.properties.reward);
});
