import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoldAgent, planGoldPatch } from '../../src/core/agent/gold-agent.js';
import { ReplayAgent, trajectoryFromEvents } from '../../src/core/agent/replay-agent.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { LocalRuntime } from './tools-local-runtime.js';

// Host git repositories in temp dirs (no Docker): the gold agent's edits through the tools must reproduce exactly
// what `git apply` of the gold patch produces, including new, deleted and tab-indented files.

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'swegym-gold-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function makeRepo(name: string): Promise<{ dir: string; base: string }> {
  const dir = join(root, name);
  await mkdir(join(dir, 'pkg'), { recursive: true });
  const body = Array.from({ length: 30 }, (_, i) => `def f${i}():\n    return ${i}\n`).join('\n');
  await writeFile(join(dir, 'pkg', 'core.py'), body);
  await writeFile(join(dir, 'pkg', 'old.py'), 'gone = True\n');
  await writeFile(join(dir, 'Makefile'), 'all:\n\techo hi\n');
  await writeFile(join(dir, 'pkg', 'tail.py'), 'a = 1\nb = 2');
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  return { dir, base: git(dir, 'rev-parse', 'HEAD').trim() };
}

/** Makes the "gold" change in a scratch copy and returns its diff. */
async function goldPatch(name: string): Promise<string> {
  const { dir } = await makeRepo(name);
  const core = join(dir, 'pkg', 'core.py');
  const text = Array.from({ length: 30 }, (_, i) => `def f${i}():\n    return ${i}\n`).join('\n');
  await writeFile(core, text.replace('    return 3\n', '    return 33\n').replace('    return 25\n', '    # changed\n    return -25\n'));
  await writeFile(join(dir, 'pkg', 'new_mod.py'), 'NEW = 1\n');
  await rm(join(dir, 'pkg', 'old.py'));
  await writeFile(join(dir, 'Makefile'), 'all:\n\techo bye\n');
  await writeFile(join(dir, 'pkg', 'tail.py'), 'a = 1\nb = 3');
  git(dir, 'add', '-A');
  return git(dir, 'diff', '--cached', 'HEAD');
}

function task(base: string, patch: string): TaskRecord {
  return {
    instance_id: 'local__repo-1',
    repo: 'local/repo',
    base_commit: base,
    patch,
    test_patch: '',
    problem_statement: 'Fix things.',
    hints_text: '',
    created_at: '',
    version: '1.0',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
  } as TaskRecord;
}

test('planGoldPatch: editor edits for plain files, git for deletions and tabs', async () => {
  const patch = await goldPatch('src-plan');
  const plans = planGoldPatch(patch);
  const byPath = Object.fromEntries(plans.map((p) => [p.relPath, p]));
  assert.equal(byPath['pkg/core.py'].edits?.length, 2);
  assert.deepEqual(byPath['pkg/new_mod.py'].edits, [{ kind: 'create', path: 'pkg/new_mod.py', text: 'NEW = 1\n' }]);
  assert.equal(byPath['pkg/old.py'].edits, undefined);
  assert.equal(byPath['Makefile'].edits, undefined);
  assert.equal(byPath['pkg/tail.py'].edits?.[0].kind, 'replace');
});

test('GoldAgent reproduces the gold patch through the tools, with events', async () => {
  const patch = await goldPatch('src-run');
  assert.match(patch, /new file mode 100644\nindex 0000000\.\.[0-9a-f]+\n--- \/dev\/null\n\+\+\+ b\/pkg\/new_mod.py/);
  const { dir, base } = await makeRepo('gold-run');
  const events: RolloutEvent[] = [];
  const emitter = new RolloutEmitter('r-gold', (e) => events.push(e));
  const runtime = new LocalRuntime(dir);
  const result = await new GoldAgent().run({
    runtime,
    task: task(base, patch),
    emitter,
    signal: new AbortController().signal,
    repoDir: dir,
    workspaceDir: dir,
  });
  assert.equal(result.reason, 'finished');
  assert.equal(result.patch, patch);
  const types = new Set(events.map((e) => e.type));
  for (const t of ['tool_start', 'tool_end', 'patch_updated', 'agent_stopped']) assert.ok(types.has(t as RolloutEvent['type']), t);
  assert.ok(!events.some((e) => e.type.startsWith('model_')));
  const editorCalls = events.filter((e) => e.type === 'tool_start' && e.tool === 'str_replace_editor').map((e) => (e as any).args.command);
  assert.deepEqual(editorCalls.slice(0, 2), ['view', 'view']);
  assert.ok(editorCalls.includes('str_replace') && editorCalls.includes('create'));
  assert.ok(events.some((e) => e.type === 'tool_start' && e.tool === 'execute_bash' && String((e as any).args.command).includes('git apply')));
  assert.equal(events.at(-1)?.type, 'agent_stopped');
  assert.equal(result.usage.prompt_tokens, 0);

  // Replaying the recorded calls on a fresh copy gives the same patch and no divergence.
  const fresh = await makeRepo('gold-replay');
  // The repo path differs between the two copies: rewrite it in the recorded calls and observations.
  const rewritten = events.map((e) => JSON.parse(JSON.stringify(e).split(dir).join(fresh.dir)) as RolloutEvent);
  const replay = new ReplayAgent(trajectoryFromEvents(rewritten));
  const revents: RolloutEvent[] = [];
  const rr = await replay.run({
    runtime: new LocalRuntime(fresh.dir),
    task: task(fresh.base, patch),
    emitter: new RolloutEmitter('r-replay', (e) => revents.push(e)),
    signal: new AbortController().signal,
    repoDir: fresh.dir,
    workspaceDir: fresh.dir,
  });
  assert.equal(rr.patch, patch);
  assert.equal(replay.divergences.length, 0, JSON.stringify(replay.divergences));
  assert.match(rr.message, /no divergence; patch identical to the recording$/);
});

test('ReplayAgent reports a divergence when the environment differs', async () => {
  const { dir, base } = await makeRepo('div');
  const traj = trajectoryFromEvents([
    { v: 1, ts: 1, rollout: 'x', type: 'tool_start', step: 1, call_id: 'c1', tool: 'execute_bash', args: { command: 'cat pkg/tail.py' } },
    { v: 1, ts: 2, rollout: 'x', type: 'tool_end', step: 1, call_id: 'c1', tool: 'execute_bash', observation: 'a = 1\nb = 999\n[Command finished with exit code 0]', is_error: false, timed_out: false, truncated: false, duration_ms: 1 },
  ]);
  const events: RolloutEvent[] = [];
  const replay = new ReplayAgent(traj);
  const r = await replay.run({
    runtime: new LocalRuntime(dir),
    task: task(base, ''),
    emitter: new RolloutEmitter('r', (e) => events.push(e)),
    signal: new AbortController().signal,
    repoDir: dir,
    workspaceDir: dir,
  });
  assert.equal(replay.divergences.length, 1);
  assert.equal(replay.divergences[0].line, 2);
  assert.equal(replay.divergences[0].recordedLine, 'b = 999');
  assert.equal(replay.divergences[0].replayedLine, 'b = 2');
  assert.match(r.message, /1 diverged \(steps 1\)/);
  const log = events.find((e) => e.type === 'log');
  assert.ok(log && log.type === 'log' && log.message.includes('replay diverged at step 1'));
});
