/**
 * The reliability review's 29 SIGKILLs of `batch` / `resume` (shared/reviews/reliability-2026-12-03.md, "Crash
 * safety"), as a set: 13 of a gold batch and 10 of a scripted-LLM batch (each kill of a `resume` after the previous
 * one), one after `swegym control ... kill`, and one each during image preparation and verification; the kill during
 * the debootstrap build and the two during 1 GiB of output are covered by the tests named below. Each chain of kills
 * ends with a plain `resume` that must finish: every planned (instance, sample) present exactly once with the verdict an
 * uninterrupted run gives (the scripted policy fixes it per sample), nothing lost, no container of the session left.
 * Kill points are phases of the event protocol (the last event a rollout of the killed process wrote), chosen in a
 * fixed order that covers every phase, so the kills are reproducible whatever the machine's speed. A kill counts when
 * the process was really killed mid-run (not exited on its own) and its chain recovered. Prints "kills N/29".
 * Real binary, real Docker (the sample images, shared by every chain), the real openai client against a scripted server.
 * The last test adds the review's kills of `verify` (5) and `run` (1): no container of a killed process is left once
 * the next one has started ("verify/run kills N/6").
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { isFinished } from '../../src/core/session/summary-fold.js';
import { sessionReport } from '../../src/cli/commands/report.js';
import { scriptedPolicy, expectedResolved, ensureSampleImages } from './scheduler-scripted-model.js';

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOTAL = 29;
const recovered = new Set<number>();
const referenced = new Set<number>();
const base = mkdtempSync(join(tmpdir(), 'swegym-review-kills-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

after(() => {
  rmSync(base, { recursive: true, force: true });
  console.log(`kills ${recovered.size + referenced.size}/${TOTAL} recovered (${recovered.size} run here, ${referenced.size} by the referenced tests)`);
});

function start(args: string[], env: Record<string, string> = {}, cwd = ROOT): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, SWEGYM_ENGINES: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((r) => child.on('exit', (code, signal) => r({ code, signal, out })));
  return { child, done };
}

/** Event types of each rollout log of the session, by file (a torn trailing line is skipped, as the readers do). */
function phases(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const rd = join(dir, 'rollouts');
  if (!existsSync(rd)) return out;
  for (const f of readdirSync(rd)) {
    if (!f.endsWith('.jsonl')) continue;
    const types: string[] = [];
    for (const line of readFileSync(join(rd, f), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        types.push((JSON.parse(line) as { type: string }).type);
      } catch {
        /* torn trailing line */
      }
    }
    out.set(f, types);
  }
  return out;
}

function containersOf(sessionName: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${sessionName}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

interface Kill {
  /** The row's number in this table (1-29). */
  n: number;
  /** Kill when a rollout started by this process has written an event of this type. */
  phase: string;
  /** Before the kill: `swegym control <session> kill <rollout>` on the rollout in that phase, and wait for its end. */
  controlKill?: boolean;
  /** Called before the process of this kill starts (and `after` once it is dead). */
  before?: () => void;
  after?: () => void;
}

interface KillResult {
  n: number;
  phase: string;
  killed: boolean;
  /** The last event of each rollout of the killed process when it was killed. */
  seen: string[];
  note?: string;
}

/**
 * Runs `first` (a batch), then one `resume` per remaining kill, SIGKILLing each at its phase; then a last `resume` to
 * the end. Returns what happened at each kill.
 */
async function killChain(dir: string, first: string[], kills: Kill[], env: Record<string, string>): Promise<{ results: KillResult[]; final: { code: number | null; out: string } }> {
  const results: KillResult[] = [];
  const resume = ['resume', dir.split('/').pop()!, '--sessions-dir', join(dir, '..')];
  let live: ChildProcess | undefined;
  try {
  for (let i = 0; i < kills.length; i++) {
    const k = kills[i]!;
    const before = new Set(phases(dir).keys());
    k.before?.();
    const p = start(i === 0 ? first : resume, env);
    live = p.child;
    let exited = false;
    void p.done.then(() => (exited = true));
    let seen: string[] = [];
    let hit = false;
    const deadline = Date.now() + 240_000;
    while (!exited && Date.now() < deadline) {
      await sleep(40);
      const now = [...phases(dir).entries()].filter(([f]) => !before.has(f));
      const at = now.find(([, types]) => types.includes(k.phase));
      if (!at) continue;
      if (k.controlKill) {
        const rolloutId = at[0].replace(/\.jsonl$/, '');
        const c = start(['control', dir.split('/').pop()!, 'kill', rolloutId, '--sessions-dir', join(dir, '..'), '--timeout', '60'], env);
        const cr = await c.done;
        assert.equal(cr.code, 0, `control kill: ${cr.out}`);
        // The killed rollout ends (interrupted); then the batch process is SIGKILLed.
        while (!exited && Date.now() < deadline && !(phases(dir).get(at[0]) ?? []).includes('rollout_ended')) await sleep(40);
      }
      seen = [...phases(dir).entries()].filter(([f]) => !before.has(f)).map(([f, types]) => `${f.replace(/\.jsonl$/, '')}:${types.at(-1) ?? "(no event yet)"}`);
      hit = !exited && p.child.kill('SIGKILL');
      break;
    }
    if (!hit && !exited) p.child.kill('SIGKILL');
    const r = await p.done;
    live = undefined;
    k.after?.();
    const killed = hit && r.signal === 'SIGKILL';
    results.push({ n: k.n, phase: k.phase, killed, seen, ...(killed ? {} : { note: `not killed mid-run (exit ${r.code}): ${r.out.slice(-800)}` }) });
  }
  const last = start(resume, env);
  live = last.child;
  const final = await last.done;
  live = undefined;
  return { results, final };
  } finally {
    // A failed assertion must not leave a swegym process running.
    if (live && live.exitCode === null && live.signalCode === null) live.kill('SIGKILL');
  }
}

/** Every planned pair exactly once finished, with the expected verdict; nothing lost; no container left. */
function assertRecovered(dir: string, sessionName: string, pairs: Array<[string, number]>, expected: (instance: string, sample: number) => string): void {
  const r = openSession(dir);
  const finished = new Map<string, string[]>();
  for (const a of r.attempts()) {
    if (!isFinished(a)) continue;
    const k = `${a.instance_id}#${a.sample}`;
    finished.set(k, [...(finished.get(k) ?? []), `${a.status}/${a.verdict ?? '-'}`]);
  }
  const want = Object.fromEntries(pairs.map(([i, s]) => [`${i}#${s}`, [expected(i, s)]]));
  assert.deepEqual(Object.fromEntries([...finished.entries()].sort()), Object.fromEntries(Object.entries(want).sort()), 'each pair finished exactly once, as an uninterrupted run ends it');
  const rep = sessionReport(dir);
  assert.equal(rep.rollouts.completed, pairs.length);
  assert.equal(rep.rollouts.infra_error + rep.rollouts.no_image + rep.rollouts.running + rep.rollouts.queued, 0, JSON.stringify(rep.rollouts));
  assert.deepEqual(containersOf(sessionName), [], 'no container of the session left');
}

function rows(t: { test: (name: string, fn: () => void) => Promise<void> }, chain: string, results: KillResult[], ok: boolean) {
  return Promise.all(
    results.map((k, i) =>
      t.test(`kill #${k.n} (${chain}, kill ${i + 1} of ${results.length}) at ${k.phase}: ${k.seen.join(', ') || '-'}`, () => {
        assert.ok(k.killed, k.note);
        assert.ok(ok, 'the chain recovered');
        recovered.add(k.n);
      }),
    ),
  );
}

test('gold batch: 13 SIGKILLs of batch and its resumes at every phase of a rollout, plus one during image preparation and one during verification; resume finishes as an uninterrupted run would', { timeout: 1_200_000 }, async (t) => {
  const ids = ['swegym-samples__durations-12', 'swegym-samples__ledger-8', 'swegym-samples__ledger-21'];
  const { tasks } = await loadTasks('samples', { ids });
  await ensureSampleImages(tasks);
  const name = `kills-gold-${Date.now().toString(36)}`;
  const dir = join(base, name);
  // Kill points in a fixed order covering every phase of a gold rollout; at most 4 of them come after a verdict, so
  // work is always left for the next kill (6 pairs, one worker). Rows 24 and 25: image preparation (env_starting:
  // the image is being resolved and the container created) and verification.
  const order = ['env_starting', 'env_ready', 'patch_updated', 'verification_started', 'verification_verdict', 'rollout_ended', 'env_ready', 'agent_stopped', 'env_starting', 'patch_updated', 'verification_started', 'rollout_ended', 'env_ready', 'env_starting', 'verification_started'];
  const kills: Kill[] = order.map((phase, i) => ({ n: i < 13 ? i + 1 : i + 11, phase }));
  const first = ['batch', '--dataset', 'samples', '--instances', ids.join(','), '--agent', 'gold', '--samples', '2', '--concurrency', '1', '--session', name, '--sessions-dir', base, '--no-remote-control'];
  let ok = false;
  let results: KillResult[] = [];
  try {
    const ran = await killChain(dir, first, kills, {});
    results = ran.results;
    const final = ran.final;
    assert.equal(final.code, 0, final.out);
    assertRecovered(dir, name, ids.flatMap((i) => [[i, 0], [i, 1]] as Array<[string, number]>), () => 'completed/resolved');
    ok = true;
  } finally {
    await rows(t, 'gold', results, ok);
    const left = containersOf(name);
    if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
  }
});

test('scripted-LLM batch: 10 SIGKILLs at every phase of an LLM rollout, and one after `swegym control kill`; resume finishes as an uninterrupted run would', { timeout: 1_200_000 }, async (t) => {
  const ids = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
  const SAMPLES = 2;
  const SEED = 11;
  const { tasks } = await loadTasks('samples', { ids });
  await ensureSampleImages(tasks);
  // Turn 0 sleeps 2 s (a tool call to be killed in), even samples then apply the gold patch, odd ones change nothing.
  // For the control kill the sleep is long, so the rollout is surely still in it when the command arrives.
  let sleepSec = 2;
  const server: ScriptedServer = await startScriptedServer(scriptedPolicy(tasks, SAMPLES, SEED, () => sleepSec));
  const name = `kills-llm-${Date.now().toString(36)}`;
  const dir = join(base, name);
  const order = ['model_request', 'tool_start', 'tool_end', 'model_response', 'patch_updated', 'agent_stopped', 'verification_started', 'tool_start', 'verification_verdict', 'model_request'];
  const kills: Kill[] = [...order.map((phase, i) => ({ n: 14 + i, phase })), { n: 29, phase: 'tool_start', controlKill: true, before: () => (sleepSec = 600), after: () => (sleepSec = 2) }];
  const first = ['batch', '--dataset', 'samples', '--instances', ids.join(','), '--agent', 'llm', '--model', 'scripted-model', '--base-url', `${server.url}/v1`, '--samples', String(SAMPLES), '--concurrency', '1', '--temperatures', '0,0.5', '--seed', String(SEED), '--session', name, '--sessions-dir', base];
  let ok = false;
  let results: KillResult[] = [];
  try {
    const ran = await killChain(dir, first, kills, { OPENAI_API_KEY: 'sk-test-kills' });
    results = ran.results;
    const final = ran.final;
    assert.equal(final.code, 0, final.out);
    assertRecovered(dir, name, ids.flatMap((i) => [[i, 0], [i, 1]] as Array<[string, number]>), (_i, s) => (expectedResolved(s) ? 'completed/resolved' : 'completed/empty_patch'));
    ok = true;
  } finally {
    await rows(t, 'llm', results, ok);
    const left = containersOf(name);
    if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
    await server.close();
  }
});

// The three kills of the review that need what no chain above has: a base image built from the network, and 1 GiB of
// output. Their tests run in the same suite; here the test names are checked to exist.
for (const [n, what, file, title] of [
  [26, 'SIGKILL during the debootstrap base build: its temp tree removed by the next build', 'test/e2e/strict-config.test.ts', 'temp trees of killed debootstrap builds are removed by the next build; live ones are kept'],
  [27, 'SIGKILL during 1 GiB of agent output (logs ~300 MB): resume finishes', 'test/integration/bounded-logs.test.ts', '1 GiB of agent command output: the log stays under its bound, the rest is counted; show, report and resume work'],
  [28, 'SIGKILL during 1 GiB of agent output (logs over 512 MiB): show, report and resume work', 'test/integration/bounded-logs.test.ts', 'a session whose log is over 512 MiB (written before the cap) is still readable: show, report and resume'],
] as const) {
  test(`kill #${n} ${what} (covered by ${file}: "${title}")`, () => {
    assert.ok(readFileSync(join(ROOT, file), 'utf8').includes(title), `${file} has no test "${title}"`);
    referenced.add(n);
  });
}

// The review's other kills of a process that owns containers: `verify --workers 2` SIGKILLed 5 times (each kill of the
// verify that followed the previous one) and `run` once. Each killed process had a container of its own at the kill;
// once the next process of the same command has started, none of the killed one's containers is left, and the last
// verify grades every instance as an uninterrupted one does. Printed as "verify/run kills N/6".
const otherKills = new Set<number>();
after(() => console.log(`verify/run kills ${otherKills.size}/6: killed with a container up, 0 of its containers left after the next start`));

function containersOfPid(pid: number): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.pid=${pid}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Starts the command; SIGKILLs it once it has `want` containers of its own (or returns when it exits first). */
async function killWithContainers(args: string[], want: number, cwd: string): Promise<{ pid: number; killed: boolean; out: string }> {
  const p = start(args, {}, cwd);
  const pid = p.child.pid!;
  let exited = false;
  void p.done.then(() => (exited = true));
  const deadline = Date.now() + 240_000;
  let killed = false;
  while (!exited && Date.now() < deadline) {
    await sleep(100);
    if (containersOfPid(pid).length >= want) {
      killed = p.child.kill('SIGKILL');
      break;
    }
  }
  if (!killed && !exited) p.child.kill('SIGKILL');
  const r = await p.done;
  return { pid, killed: killed && r.signal === 'SIGKILL', out: r.out };
}

test('verify SIGKILLed 5 times mid-run and run once: no container of a killed process is left once the next one started; the last verify grades every instance', { timeout: 900_000 }, async (t) => {
  const { tasks } = await loadTasks('samples');
  await ensureSampleImages(tasks);
  const verify = ['verify', '--dataset', 'samples', '--predictions', 'gold', '--workers', '2', '--run-id', `kills-${Date.now().toString(36)}`];
  const cwd = mkdtempSync(join(base, 'verify-'));
  const killedPids: Array<{ n: number; pid: number; killed: boolean; gone?: boolean }> = [];
  // Kills 1-5 at one or two containers of the process (one verification running, or two).
  for (let n = 1; n <= 5; n++) {
    const k = await killWithContainers([...verify.slice(0, -1), `${verify.at(-1)}-${n}`], n % 2 === 0 ? 2 : 1, cwd);
    const prev = killedPids.at(-1);
    // This process has started (it had containers), so the previous killed one's must be gone by now.
    if (prev) prev.gone = containersOfPid(prev.pid).length === 0;
    killedPids.push({ n, ...k });
  }
  const last = start([...verify, '--report', join(cwd, 'report.json')], {}, cwd);
  const lr = await last.done;
  killedPids.at(-1)!.gone = containersOfPid(killedPids.at(-1)!.pid).length === 0;
  const report = existsSync(join(cwd, 'report.json')) ? (JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as { resolved_instances: number; total_instances: number }) : undefined;
  // run: SIGKILLed with its rollout container up; the next run removes it and finishes.
  const runArgs = ['run', '--dataset', 'samples', '--instance', 'swegym-samples__ledger-8', '--agent', 'gold'];
  const rk = await killWithContainers(runArgs, 1, cwd);
  const next = start(runArgs, {}, cwd);
  const nr = await next.done;
  const runGone = containersOfPid(rk.pid).length === 0;
  for (const k of killedPids) {
    await t.test(`verify kill ${k.n} of 5 (at ${k.n % 2 === 0 ? 2 : 1} container(s) up)`, () => {
      assert.ok(k.killed, 'killed mid-run');
      assert.equal(k.gone, true, 'no container of the killed verify after the next one started');
      assert.equal(lr.code, 0, lr.out);
      assert.equal(report?.resolved_instances, tasks.length, `the last verify resolves all ${tasks.length}: ${lr.out.slice(-1500)}`);
      otherKills.add(k.n);
    });
  }
  await t.test('run kill (rollout container up)', () => {
    assert.ok(rk.killed, `killed mid-run: ${rk.out.slice(-800)}`);
    assert.equal(nr.code, 0, nr.out);
    assert.equal(runGone, true, 'no container of the killed run after the next run');
    assert.match(nr.out, /RESOLVED/);
    otherKills.add(6);
  });
});
