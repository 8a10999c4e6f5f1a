import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTools } from '../../src/core/agent/tools/index.js';
import { parseAction } from '../../src/core/gym/action.js';
import { rewardOf } from '../../src/core/gym/env.js';
import { openApiDocument, protocolSchemas } from '../../src/core/gym/openapi.js';
import { GymError, ResetRequest } from '../../src/core/gym/protocol.js';
import { WarmPool } from '../../src/core/gym/pool.js';
import { isLoopback } from '../../src/core/gym/server.js';
import type { PreparedEnv } from '../../src/core/gym/prepare.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import type { Verdict } from '../../src/core/harness/types.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const tools = defaultTools();

function malformed(fn: () => unknown, re: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof GymError && e.status === 400 && e.code === 'malformed_action' && re.test(e.message));
}

test('actions: JSON shape with object or string arguments, and the text format', () => {
  const a = parseAction({ name: 'execute_bash', arguments: { command: 'ls' } }, tools);
  assert.equal(a.name, 'execute_bash');
  assert.deepEqual(a.args, { command: 'ls' });
  const b = parseAction({ name: 'str_replace_editor', arguments: '{"command": "view", "path": "/testbed"}' }, tools);
  assert.equal(b.args.command, 'view');
  const c = parseAction('thinking first\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/testbed</parameter>\n<parameter=view_range>[1, 5]</parameter>\n</function>', tools);
  assert.equal(c.format, 'text');
  assert.deepEqual(c.args.view_range, [1, 5]);
  // The stop word `</function` cut off by the server is restored, as the agent does.
  const d = parseAction('<function=finish>\n', tools);
  assert.equal(d.name, 'finish');
  assert.deepEqual(parseAction({ name: 'finish' }, tools).args, {});
});

test('malformed actions say what was wrong', () => {
  malformed(() => parseAction({ name: 'rm' }, tools), /unknown tool 'rm' \(tools: execute_bash, finish, str_replace_editor\)/);
  malformed(() => parseAction({ name: 'execute_bash', arguments: {} }, tools), /invalid arguments for execute_bash: arguments\.command/);
  malformed(() => parseAction({ name: 'execute_bash', arguments: '{"command":' }, tools), /not valid JSON/);
  malformed(() => parseAction({ name: 'execute_bash', arguments: '[1]' }, tools), /must be a JSON object/);
  malformed(() => parseAction({ name: 'str_replace_editor', arguments: { command: 'explode', path: '/x' } }, tools), /arguments\.command/);
  malformed(() => parseAction('no call here', tools), /no <function=NAME>/);
  malformed(() => parseAction('<function=execute_bash>\n<parameter=cmd>ls</parameter>\n</function>', tools), /Parameter 'cmd' is not allowed/);
  malformed(() => parseAction('<function=finish>\n</function>\n<function=finish>\n</function>', tools), /2 calls; send exactly one/);
  malformed(() => parseAction(42, tools), /action/);
  malformed(() => parseAction({ name: 'finish', arguments: {}, extra: 1 }, tools), /extra|Unrecognized/);
});

const verdict = (over: Partial<Verdict>): Verdict => ({ instance_id: 'x', profile: 'swegym', status: 'unresolved', resolved: false, ...over });
const ts = (f2pOk: number, f2pBad: number, p2pBad: number) => ({
  FAIL_TO_PASS: { success: Array(f2pOk).fill('a'), failure: Array(f2pBad).fill('b') },
  PASS_TO_PASS: { success: ['c'], failure: Array(p2pBad).fill('d') },
  FAIL_TO_FAIL: { success: [], failure: [] },
  PASS_TO_FAIL: { success: [], failure: [] },
});

test('reward: 1 when resolved; the F2P fraction only when asked and every P2P passes', () => {
  assert.equal(rewardOf(verdict({ status: 'resolved', resolved: true }), 'binary'), 1);
  assert.equal(rewardOf(verdict({ tests_status: ts(1, 3, 0) }), 'binary'), 0);
  assert.equal(rewardOf(verdict({ tests_status: ts(1, 3, 0) }), 'f2p_fraction'), 0.25);
  assert.equal(rewardOf(verdict({ tests_status: ts(3, 1, 1) }), 'f2p_fraction'), 0);
  assert.equal(rewardOf(verdict({ status: 'empty_patch' }), 'f2p_fraction'), 0);
});

test('OpenAPI and JSON Schemas come from the zod definitions the server validates with', () => {
  const doc = openApiDocument() as any;
  assert.equal(doc.openapi, '3.1.0');
  for (const p of ['/v1/envs', '/v1/envs/{id}/step', '/v1/envs/{id}/step/stream', '/v1/envs/{id}', '/v1/health', '/v1/openapi.json']) assert.ok(doc.paths[p], p);
  const s = protocolSchemas();
  assert.deepEqual((s.ResetRequest as any).required, ['instance_id']);
  assert.ok((s.StepResponse as any).properties.truncated);
  // A field added to the zod schema shows up in the published schema: they are one definition.
  assert.deepEqual(Object.keys((s.ResetRequest as any).properties).sort(), Object.keys(ResetRequest.shape).sort());
});

test('loopback detection for the token rule', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.org']) assert.equal(isLoopback(h), false, h);
});

const task = (id: string) => ({ instance_id: id }) as TaskRecord;

test('warm pool: take is synchronous, refills the instance, respects per-instance, total and memory bounds, reaps idle', async () => {
  const prepared: FakeRuntime[] = [];
  const prepare = async (t: TaskRecord): Promise<PreparedEnv> => {
    const runtime = new FakeRuntime();
    prepared.push(runtime);
    await new Promise((r) => setTimeout(r, 5));
    return { task: t, runtime: Object.assign(runtime, { stop: async () => void (runtime.stopped = true) }), image: 'img', workspaceDir: '/workspace/x', repoDir: '/testbed', readyAt: Date.now(), prepareMs: 5 };
  };
  // Until every preparation the pool started has finished (not a fixed time: a loaded machine is slower).
  const settle = async (p: WarmPool) => {
    const deadline = Date.now() + 15_000;
    while (p.stats().starting > 0) {
      assert.ok(Date.now() < deadline, 'preparations never finished');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // No reaping while the bounds are checked (it would race a slow machine); reaping is checked on its own pool below.
  const pool = new WarmPool({ prepare, perInstance: 2, total: 3, idleTimeoutMs: 10 * 60_000 });
  assert.equal(pool.take(task('a')), undefined, 'cold at first');
  await settle(pool);
  assert.equal(pool.stats().warm, 2, 'instance a kept warm, 2 per instance');
  pool.prefetch([task('b'), task('c')]);
  await settle(pool);
  assert.equal(pool.stats().warm, 3, 'total bound');
  assert.equal(pool.take(task('a')), undefined, 'a fell off the list: its environments made room for b and c');
  await settle(pool);
  const got = pool.take(task('a'));
  // Synchronous: the environment itself, not a promise of one.
  assert.ok(got && typeof (got as unknown as { then?: unknown }).then !== 'function' && got.runtime);
  assert.equal(pool.stats().hits, 1);

  const tiny = new WarmPool({ prepare, perInstance: 4, total: 100, memoryBudgetBytes: 3 * 1024, bytesPerEnv: 1024 });
  assert.equal(tiny.limitTotal, 3, 'bounded by memory');
  await tiny.drain();

  const idler = new WarmPool({ prepare, perInstance: 1, total: 3, idleTimeoutMs: 400 });
  idler.prefetch([task('x'), task('y'), task('z')]);
  await settle(idler); // 3 warm now; not asserted, as a slow machine may already have reaped some
  const deadline = Date.now() + 15_000;
  while (idler.stats().warm > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(idler.stats().warm, 0, 'idle environments reaped');
  assert.ok(idler.stats().reaped >= 3);
  await idler.drain();
  await pool.drain();
  const stillUp = prepared.filter((r) => !r.stopped && r !== got!.runtime);
  assert.deepEqual(stillUp, [], 'every environment the pool owned is stopped');
});
