/**
 * SIGKILL a real `batch --agent moatless` (real Docker, real git, the real openai client against a scripted server on
 * 127.0.0.1) when one rollout has finished, the next is waiting on an LLM call and the last is queued; `resume`;
 * check every rollout ends resolved (as the uninterrupted e2e run of this script does), the finished rollout was not
 * run again, its events are unchanged, the killed attempt's events are kept, and no event log has a lost or repeated
 * event (seq 0..n-1 in order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer, type RecordedRequest, type Step } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { ensureSampleImages } from './scheduler-scripted-model.js';
import { FIXED_HEAD, INSTANCE } from './moatless-script.js';

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'sk-test-MOATLESS-resume-0123456789';
const SAMPLES = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const usage = { prompt_tokens: 1000, completion_tokens: 50 };
const reply = (content: string): Step => ({ content, finish_reason: 'stop', usage });

/**
 * The reply for any request, from the state its system prompt names and (PlanToCode) whether an edit came back
 * already: stateless, so it answers the same whichever rollout or attempt asks.
 */
function moatlessReply(req: RecordedRequest): Step {
  const messages = (req.body?.messages ?? []) as { role: string; content: string }[];
  const system = String(messages[0]?.content ?? '');
  if (system.startsWith('You are an autonomous AI assistant.\nYour task is to locate')) {
    return reply(JSON.stringify({ scratch_pad: 'parse_duration tokenizes the text.', search_requests: [{ function_names: ['parse_duration'] }] }));
  }
  if (system.startsWith('You are an autonomous AI assistant tasked with finding relevant code')) {
    return reply(JSON.stringify({ scratch_pad: 'The _TOKEN pattern and parse_duration.', identified_spans: [{ file_path: 'durations/parser.py', span_ids: ['docstring', 'parse_duration'] }] }));
  }
  if (system.startsWith('You will be provided a reported issue')) return reply(JSON.stringify({ scratch_pad: 'Enough.', relevant: true, complete: true }));
  if (system.startsWith('You are an autonomous AI assistant with superior programming skills.')) {
    if (messages.some((m) => m.role === 'assistant')) return reply(JSON.stringify({ scratch_pad: 'Done.', action: 'finish', finish: 'Spaces are accepted.' }));
    return reply(JSON.stringify({
      scratch_pad: 'Allow whitespace between number and unit.', action: 'modify',
      instructions: 'Change _TOKEN to accept optional whitespace between the number and the unit.', file_path: 'durations/parser.py', span_id: 'docstring',
    }));
  }
  if (system.startsWith('You are autonomous AI assisistant')) return reply(`<replace>\n${FIXED_HEAD}\n`);
  throw new Error(`unexpected Moatless system prompt: ${system.slice(0, 80)}`);
}

function swegym(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, OPENAI_API_KEY: KEY, SWEGYM_ENGINES: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function exitOf(p: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  return { code, out };
}

test('SIGKILL a Moatless batch mid-run, resume: all resolved, the finished rollout untouched, no event lost or repeated', { timeout: 900_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: [INSTANCE] });
  await ensureSampleImages(tasks);
  // Until the kill: once one rollout's final `finish` has been served, every further request hangs, so the batch
  // (concurrency 1) stays at "one finished, one waiting on the model, one queued" however slow the machine is.
  let phase: 'crash' | 'after' = 'crash';
  let finishes = 0;
  let hangs = 0;
  const server = await startScriptedServer((req) => {
    if (phase === 'crash' && finishes >= 1) {
      hangs++;
      return { hang: true };
    }
    const step = moatlessReply(req);
    if ('content' in step && String(step.content).includes('"action":"finish"')) finishes++;
    return step;
  });
  const base = mkdtempSync(join(tmpdir(), 'swegym-moatless-resume-'));
  const name = `mres-${Date.now().toString(36)}`;
  const dir = join(base, name);
  try {
    const p1 = swegym(['batch', '--dataset', 'samples', '--instances', INSTANCE, '--agent', 'moatless', '--model', 'scripted-moatless', '--base-url', server.url, '--samples', String(SAMPLES), '--concurrency', '1', '--session', name, '--sessions-dir', base, '--offline']);
    let exited = false;
    p1.on('exit', () => (exited = true));
    const exit1 = exitOf(p1);
    let finishedId: string | undefined;
    let finishedEvents: unknown[] | undefined;
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline && !exited && !finishedId) {
      await sleep(200);
      try {
        const r = openSession(dir);
        const rows = r.summaries();
        const done = rows.filter((s) => s.status === 'completed');
        const running = r.attempts().filter((s) => s.status === 'running');
        const queued = rows.filter((s) => s.status === 'queued');
        // hangs >= 1: the next rollout is waiting on the model.
        if (done.length === 1 && running.length === 1 && queued.length === 1 && hangs >= 1) {
          finishedEvents = await r.events(done[0]!.rollout_id);
          p1.kill('SIGKILL');
          phase = 'after';
          finishedId = done[0]!.rollout_id;
        }
      } catch {
        continue; // the session is not written yet
      }
    }
    if (!finishedId) p1.kill('SIGKILL');
    const r1 = await exit1;
    assert.ok(finishedId, `never reached "one finished, one running, one queued" (batch ${exited ? 'exited' : 'still running'}):\n${r1.out}`);
    assert.equal(r1.code, null, 'killed by a signal');
    const killedAttempt = openSession(dir).attempts().find((s) => s.status === 'running')!;
    assert.ok(killedAttempt, 'the killed attempt is recorded as running');
    const killedEvents = await openSession(dir).events(killedAttempt.rollout_id);
    assert.ok(killedEvents.some((e) => e.type.startsWith('moatless_')), 'the killed attempt had reached the Moatless loop');

    const r2 = await exitOf(swegym(['resume', name, '--sessions-dir', base]));
    assert.equal(r2.code, 0, r2.out);

    const r = openSession(dir);
    const rows = r.summaries();
    assert.equal(rows.length, SAMPLES);
    for (const s of rows) assert.equal(`${s.status}/${s.verdict}`, 'completed/resolved', `${s.instance_id}#${s.sample}`);
    // The finished rollout was not run again: one attempt, same events as at the kill.
    const finished = rows.find((s) => s.rollout_id === finishedId)!;
    assert.equal(r.attemptsOf(finished.instance_id, finished.sample).length, 1);
    assert.deepEqual(await r.events(finishedId!), finishedEvents);
    // The killed attempt's events are kept as they were; its pair ran again as a new attempt.
    assert.deepEqual(await r.events(killedAttempt.rollout_id), killedEvents);
    assert.equal(r.attemptsOf(killedAttempt.instance_id, killedAttempt.sample).length, 2);
    // Every event log: seq 0..n-1 in order (nothing lost, nothing written twice); every ended attempt ends once.
    for (const a of r.attempts()) {
      const evs = await r.events(a.rollout_id);
      assert.deepEqual(evs.map((e) => e.seq), evs.map((_, i) => i), `${a.rollout_id}: seq`);
      const ends = evs.filter((e) => e.type === 'rollout_ended').length;
      assert.equal(ends, a.rollout_id === killedAttempt.rollout_id ? 0 : 1, `${a.rollout_id}: rollout_ended count`);
      if (a.rollout_id !== killedAttempt.rollout_id) assert.ok(evs.some((e) => e.type === 'moatless_transition'), `${a.rollout_id}: no Moatless transitions`);
    }
    // Every call reached the scripted model with the key.
    assert.ok(server.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));
  } finally {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  }
});
