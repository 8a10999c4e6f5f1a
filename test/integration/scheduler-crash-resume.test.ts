/**
 * SIGKILL a real batch process (real Docker, real git, real pytest, the real openai client against a scripted
 * server) when >= 1 rollout has finished, one is in the middle of a tool call and one is queued; resume; check that
 * the results equal an uninterrupted run, that no finished rollout ran twice (counted from the containers Docker
 * actually created, via `docker events`), and that no container is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { parseRolloutId } from '../../src/core/session/ids.js';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { VERSION } from '../../src/core/version.js';
import { readManifest } from '../../src/core/session/manifest.js';
import { sessionReport } from '../../src/cli/commands/report.js';
import { compareSessions } from '../../src/cli/commands/compare.js';
import { showCommand } from '../../src/cli/commands/show.js';
import { scriptedPolicy, expectedResolved, pairOfSeed, ensureSampleImages } from './scheduler-scripted-model.js';

const NODE = process.execPath;
const BIN = join(process.cwd(), 'bin', 'swegym.js');
const FAKE_KEY = 'sk-test-FAKEKEY-crash-resume-0123456789';
const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8'];
const SAMPLES = 3;
const SEED = 7;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function swegym(args: string[], baseUrl: string): ChildProcess {
  return spawn(NODE, [BIN, ...args], { env: { ...process.env, OPENAI_API_KEY: FAKE_KEY, SWEGYM_ENGINES: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function batchArgs(session: string, dir: string, baseUrl: string): string[] {
  return ['batch', '--dataset', 'samples', '--instances', IDS.join(','), '--agent', 'llm', '--model', 'scripted-model', '--base-url', baseUrl, '--samples', String(SAMPLES), '--concurrency', '2', '--temperatures', '0,0.5', '--seed', String(SEED), '--session', session, '--sessions-dir', dir];
}

async function exitOf(p: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  return { code, out };
}

/** Records every container Docker creates for a session, with its labels: independent of swegym's own logs. */
function watchCreates(session: string): { stop: () => Promise<Array<Record<string, string>>> } {
  // --since: events from before the subscription is in place are replayed, so none can be missed.
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const p = spawn('docker', ['events', '--since', since, '--filter', 'type=container', '--filter', 'event=create', '--filter', `label=io.swegym.session-name=${session}`, '--format', '{{json .Actor.Attributes}}']);
  let buf = '';
  p.stdout.on('data', (d) => (buf += d));
  const exited = new Promise((r) => p.on('exit', r));
  let stopping: Promise<Array<Record<string, string>>> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await sleep(1500); // let the last events arrive
        p.kill('SIGTERM');
        await exited;
        return buf.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
      })();
      return stopping;
    },
  };
}

function containersOf(session: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${session}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function verdicts(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of openSession(dir).summaries()) out[`${r.instance_id}#${r.sample}`] = `${r.status}/${r.verdict ?? '-'}`;
  return out;
}

test('SIGKILL mid-batch, resume: same results as an uninterrupted run; finished rollouts never re-run; no container left', { timeout: 600_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  // Image preparation (minutes when an image is missing) happens before any clock below starts.
  await ensureSampleImages(tasks);
  // Until the kill, sample 0 of the first instance is quick and every other rollout sleeps 600 s in its first tool
  // call: whatever the machine's load, the batch reaches "one finished, one in a tool call, the rest queued" and stays
  // there (concurrency 2). After the kill, every rollout sleeps 1 s. Outcomes depend only on the sample's parity.
  let phase: 'crash' | 'after' = 'crash';
  const quick = (p: { task: { instance_id: string }; sample: number }) => p.task.instance_id === IDS[0] && p.sample === 0;
  const server = await startScriptedServer(scriptedPolicy(tasks, SAMPLES, SEED, (p) => (phase === 'after' ? 1 : quick(p) ? 0 : 600)));
  const base = mkdtempSync(join(tmpdir(), 'swegym-crash-'));
  const crashed = `crash-${Date.now().toString(36)}`;
  const clean = `clean-${Date.now().toString(36)}`;
  const crashDir = join(base, crashed);
  const events = watchCreates(crashed);
  try {
    // --- run 1: killed with SIGKILL at the right moment ---
    const p1 = swegym(batchArgs(crashed, base, `${server.url}/v1`), server.url);
    let p1Exited = false;
    p1.on('exit', () => (p1Exited = true));
    const exit1 = exitOf(p1);
    let atKill: ReturnType<ReturnType<typeof openSession>['summaries']> | undefined;
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !p1Exited) {
      await sleep(150);
      let rows;
      try {
        const r = openSession(crashDir);
        rows = r.summaries();
        const attempts = r.attempts();
        const finished = rows.filter((s) => s.status === 'completed');
        const inTool = attempts.filter((s) => s.status === 'running' && s.current_step?.startsWith('execute_bash sleep 600'));
        const queued = rows.filter((s) => s.status === 'queued');
        if (finished.length >= 1 && inTool.length >= 1 && queued.length >= 1) {
          p1.kill('SIGKILL');
          phase = 'after';
          atKill = rows;
          break;
        }
      } catch {
        continue; // session not created yet
      }
    }
    const why = p1Exited ? 'exited on its own' : 'still running at the deadline';
    if (!atKill) p1.kill('SIGKILL');
    const r1 = await exit1;
    assert.ok(atKill, `never reached the kill condition (batch ${why}); batch output:\n${r1.out}`);
    assert.equal(r1.code, null, 'killed by a signal');
    const finishedBefore = atKill.filter((s) => s.status === 'completed').map((s) => `${s.instance_id}#${s.sample}`);
    assert.ok(containersOf(crashed).length >= 1, 'SIGKILL left the running rollout container behind (resume must remove it)');
    // The machine is shared: another process's global sweep may remove orphans of dead processes at any moment. A
    // container of this session owned by a live process (this test) is safe from those sweeps, so resume's own sweep
    // by session label is always observable.
    const extra = await new DockerProvider({ sessionId: crashed }).start({ image: 'swegym-base:dev', labels: { 'io.swegym.rollout': 'leftover.s0.a0' } });
    const before = containersOf(crashed).length;
    assert.ok(before >= 2);

    // --- resume ---
    const p2 = swegym(['resume', crashed, '--sessions-dir', base], server.url);
    const r2 = await exitOf(p2);
    assert.equal(r2.code, 0, r2.out);
    const removed = Number(/Removed (\d+) leftover container\(s\) of session/.exec(r2.out)?.[1] ?? 0);
    assert.ok(removed >= 1 && removed <= before, `resume reported ${removed} removed (${before} existed just before):\n${r2.out}`);
    assert.ok(!containersOf(crashed).includes(extra.id));
    assert.match(r2.out, /1 interrupted|[1-9] interrupted/);

    // --- an uninterrupted run with the same seeds ---
    const p3 = swegym(batchArgs(clean, base, `${server.url}/v1`), server.url);
    const r3 = await exitOf(p3);
    assert.equal(r3.code, 0, r3.out);

    const created = await events.stop();
    const resumed = verdicts(crashDir);
    const uninterrupted = verdicts(join(base, clean));
    assert.deepEqual(resumed, uninterrupted);
    for (const t of tasks) for (let s = 0; s < SAMPLES; s++) {
      assert.equal(resumed[`${t.instance_id}#${s}`], expectedResolved(s) ? 'completed/resolved' : 'completed/empty_patch');
    }

    // Containers actually created, by pair: a finished pair has exactly one attempt id.
    const attemptsByPair = new Map<string, Set<string>>();
    for (const a of created) {
      if (a['io.swegym.rollout'] === 'leftover.s0.a0') continue;
      const p = parseRolloutId(a['io.swegym.rollout'] ?? '');
      assert.ok(p, `container without a rollout label: ${JSON.stringify(a)}`);
      const k = `${p.instance}#${p.sample}`;
      attemptsByPair.set(k, (attemptsByPair.get(k) ?? new Set()).add(a['io.swegym.rollout']!));
    }
    for (const k of finishedBefore) assert.deepEqual([...attemptsByPair.get(k)!], [`${k.replace('#', '.s')}.a0`], `${k} ran again`);
    assert.equal(attemptsByPair.size, IDS.length * SAMPLES, 'every pair created containers');
    const interrupted = [...attemptsByPair.entries()].filter(([, v]) => v.size > 1);
    assert.ok(interrupted.length >= 1, 'the rollout killed mid tool call started over as a new attempt');

    // Old events kept: the interrupted attempt's log is still there and ends without rollout_ended.
    const [k] = interrupted[0]!;
    const [inst, sample] = k.split('#');
    const r = openSession(crashDir);
    const attempts = r.attemptsOf(inst!, Number(sample));
    assert.ok(attempts.length >= 2);
    assert.equal(attempts[0]!.status, 'running', 'the killed attempt never ended');
    assert.ok((await r.events(attempts[0]!.rollout_id)).some((e) => e.type === 'tool_start'));

    // Temperature schedule reached the endpoint: sample 0 at 0, the others at 0.5.
    for (const q of server.requests) {
      const who = pairOfSeed(tasks, SAMPLES, SEED, q.body.seed);
      assert.ok(who, `request with unknown seed ${q.body.seed}`);
      assert.equal(q.body.temperature, who.sample === 0 ? 0 : 0.5);
    }

    // Resume kept the earlier tallies: its last progress line counts the pairs finished before the kill.
    const lastLine = r2.out.split('\n').filter((l) => / done \d+\/\d+ /.test(l)).pop() ?? '';
    assert.match(lastLine, new RegExp(`done ${IDS.length * SAMPLES}/${IDS.length * SAMPLES} .*\\| resolved ${IDS.length * 2} \\|`), r2.out);

    // The manifest holds what it takes to reproduce the run.
    const m = readManifest(crashDir);
    assert.equal(m.swegym_version, VERSION);
    assert.equal(m.dataset.ref, 'samples');
    assert.match(m.dataset.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(m.dataset.instance_ids, IDS);
    for (const id of IDS) assert.match(m.images[id]?.digest ?? '', /^sha256:[0-9a-f]{64}$/, `image digest of ${id}`);
    assert.equal(m.harness_profile, 'swegym');
    assert.deepEqual(m.harness, [{ profile: 'swegym', official: 'SWE-Gym/SWE-Bench-Fork 242429c (swebench 2.0.13)' }]);
    assert.deepEqual(Object.keys(m.env_spec_hashes ?? {}).sort(), tasks.map((t) => `${t.repo}@${t.version}`).sort());
    for (const h of Object.values(m.env_spec_hashes ?? {})) assert.match(h, /^[0-9a-f]{16,64}$/);
    assert.ok(Object.keys(m.prompt_template_hashes ?? {}).length >= 2, 'prompt template hashes recorded');
    for (const h of Object.values(m.prompt_template_hashes ?? {})) assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(m.agent.kind, 'llm');
    assert.equal(m.agent.model, 'scripted-model');
    assert.ok(m.verifier, 'verifier configuration recorded');
    assert.deepEqual(m.sampling, { samples: SAMPLES, temperatures: [0, 0.5], seed: SEED });
    assert.ok(Date.parse(m.updated_at) > Date.parse(m.created_at), 'updated_at moved on with the resume');

    // Reports and the comparison agree with the uninterrupted run; the denominator is the whole selection.
    const repA = sessionReport(crashDir);
    const repB = sessionReport(join(base, clean));
    assert.equal(repA.resolve_rate.of, IDS.length);
    assert.equal(repA.resolve_rate.percent, 100);
    assert.deepEqual(repA.pass_at_k, repB.pass_at_k);
    assert.deepEqual(repA.rollouts, { ...repB.rollouts });
    const cmp = compareSessions(crashDir, join(base, clean));
    assert.equal(cmp.rows.length, IDS.length);
    assert.deepEqual(cmp.rows.filter((x) => x.differs), []);

    // `swegym show <session> --instance ID --sample k` prints both attempts of the interrupted pair.
    const shown: string[] = [];
    assert.equal(await showCommand({ session: crashed, sessionsDir: base, instance: inst!, sample: Number(sample), out: (l) => shown.push(l) }), 0);
    const text = shown.join('\n');
    assert.match(text, / started .* attempt 0/);
    assert.match(text, / started .* attempt 1/);
    assert.match(text, / VERDICT /);

    // No container left; no key in the session files.
    assert.deepEqual(containersOf(crashed), []);
    assert.deepEqual(containersOf(clean), []);
    for (const d of [crashDir, join(base, clean)]) {
      const files = ['manifest.json', 'index.jsonl', ...readdirSync(join(d, 'rollouts')).map((f) => join('rollouts', f))];
      for (const f of files) assert.ok(!readFileSync(join(d, f), 'utf8').includes('FAKEKEY'), `${f} leaks the API key`);
    }
  } finally {
    await events.stop().catch(() => undefined);
    for (const s of [crashed, clean]) {
      const left = containersOf(s);
      if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
    }
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});
