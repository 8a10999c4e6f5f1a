import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { GoldAgent } from '../../src/core/agent/gold-agent.js';
import type { Agent, AgentContext, AgentResult } from '../../src/core/agent/types.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { sampleImage, sampleTasks, specFor } from './rollout-images.js';

// End to end on real Docker: the gold agent edits through the tools in the rollout container, the patch is then
// verified by the harness in a fresh container. Every sample task must resolve.

const LABEL = { 'io.swegym.test': 'rollout-gold' };
const provider = new DockerProvider();

after(async () => {
  await provider.sweep(LABEL);
  const left = await provider.sweep(LABEL);
  assert.equal(left, 0);
});

const withoutIndex = (p: string) => p.replace(/^index [0-9a-f]+\.\.[0-9a-f]+( \d+)?\n/gm, '');

test('gold resolves every sample task through runRollout + verifyPatch', async () => {
  const tasks = await sampleTasks();
  assert.ok(tasks.length >= 4);
  for (const task of tasks) {
    const { image, source } = await sampleImage(task);
    const events: RolloutEvent[] = [];
    const emitter = new RolloutEmitter(`gold-${task.instance_id}`, (e) => events.push(e));
    const outcome = await runRollout({
      task,
      agent: new GoldAgent(),
      provider,
      image,
      imageSource: source,
      emitter,
      labels: LABEL,
      verify: (patch) => verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image, offline: true, labels: LABEL }),
    });
    assert.equal(outcome.status, 'completed', `${task.instance_id}: ${outcome.error}`);
    assert.equal(outcome.result?.reason, 'finished', outcome.result?.message);
    assert.equal(withoutIndex(outcome.result!.patch), withoutIndex(task.patch), task.instance_id);
    assert.equal(outcome.verdict?.status, 'resolved', `${task.instance_id}: ${JSON.stringify(outcome.verdict)}`);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 3), ['rollout_started', 'env_starting', 'env_ready']);
    assert.deepEqual(types.slice(-4), ['agent_stopped', 'verification_started', 'verification_verdict', 'rollout_ended']);
    for (const t of ['tool_start', 'tool_end', 'patch_updated'] as const) assert.ok(types.includes(t), `${task.instance_id}: ${t}`);
    assert.ok(!types.some((t) => t.startsWith('model_')));
    const editorCommands = events.flatMap((e) => (e.type === 'tool_start' && e.tool === 'str_replace_editor' ? [String(e.args.command)] : []));
    assert.ok(editorCommands.includes('view') && editorCommands.some((c) => c === 'str_replace' || c === 'create'), editorCommands.join(','));
  }
});

/** An agent that only looks around: what the environment offers before any agent acts. */
class ProbeAgent implements Agent {
  readonly info = { kind: 'external' as const, config: {} };
  seen: Record<string, string> = {};
  async run(ctx: AgentContext): Promise<AgentResult> {
    const q = async (cmd: string) => (await ctx.runtime.exec(cmd)).output.trim();
    this.seen.workspace = await q(`readlink ${ctx.workspaceDir}`);
    this.seen.pwd = await q('pwd');
    this.seen.future = await q(`git -C /testbed rev-list --all --not ${ctx.task.base_commit} | wc -l`);
    this.seen.tags = await q('git -C /testbed tag | wc -l');
    this.seen.user = await q('git config --global user.name');
    if (ctx.signal.aborted) throw new Error('aborted');
    await new Promise<void>((resolve) => {
      if (this.seen.wait !== 'yes') return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const usage = { prompt_tokens: 0, completion_tokens: 0, estimated: false };
    return { reason: ctx.signal.aborted ? 'interrupted' : 'finished', message: '', patch: '', turns: 0, usage, cost_usd: 0, messages: [] };
  }
}

test('the rollout prepares the workspace link, strips future history of a pulled image, and limits wall-clock', async () => {
  const task = (await sampleTasks())[0];
  const { image } = await sampleImage(task);
  const probe = new ProbeAgent();
  const out = await runRollout({ task, agent: probe, provider, image, imageSource: 'pulled', emitter: new RolloutEmitter('probe'), labels: LABEL });
  assert.equal(out.status, 'completed', out.error);
  assert.equal(probe.seen.workspace, '/testbed');
  assert.equal(probe.seen.pwd, '/testbed');
  assert.equal(probe.seen.future, '0');
  assert.equal(probe.seen.tags, '0');
  assert.equal(probe.seen.user, 'openhands');

  const waiting = new ProbeAgent();
  waiting.seen.wait = 'yes';
  const t0 = Date.now();
  const limited = await runRollout({ task, agent: waiting, provider, image, emitter: new RolloutEmitter('wall'), labels: LABEL, rolloutTimeoutSec: 2 });
  assert.ok(Date.now() - t0 < 30_000);
  assert.equal(limited.status, 'completed');
  assert.equal(limited.result?.reason, 'wall_clock');
});

test('an environment failure is an infra_error with the reason, not a crash', async () => {
  const task = (await sampleTasks())[0];
  const events: RolloutEvent[] = [];
  const out = await runRollout({
    task,
    agent: new GoldAgent(),
    provider,
    image: 'swegym-no-such-image:never',
    emitter: new RolloutEmitter('bad', (e) => events.push(e)),
    labels: LABEL,
  });
  assert.equal(out.status, 'infra_error');
  assert.match(out.error ?? '', /^environment: /);
  const end = events.at(-1);
  assert.ok(end?.type === 'rollout_ended' && end.status === 'infra_error' && (end.error ?? '').length > 0);
});
