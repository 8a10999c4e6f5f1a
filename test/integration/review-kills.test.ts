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

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, SWEGYM_ENGINES: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
