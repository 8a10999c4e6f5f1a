import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer, type RecordedRequest, type Step } from '../helpers/scripted-openai-server.js';
import { SessionWriter } from '../../src/core/session/writer.js';
import { LOG_LIMITS } from '../../src/core/session/output-budget.js';
import { turnOf } from './scheduler-scripted-model.js';
import { runCli } from '../helpers/cli.js';

// Review bug 3 (shared/reviews/reliability-2026-12-03.md): 1 GB of command output made a 1.08 GB rollout log, and past
// 512 MiB `show`, `report` and `resume` failed ("Cannot create a string longer than 0x1fffffe8 characters").

const root = mkdtempSync(join(tmpdir(), 'swegym-bounded-'));
after(() => rmSync(root, { recursive: true, force: true }));

const swegym = (args: string[]) => runCli(args, { env: { OPENAI_API_KEY: 'sk-test-bounded', SWEGYM_ENGINES: '' }, maxStdout: 1e6 });

const GIB = 1024 ** 3;

test('1 GiB of agent command output: the log stays under its bound, the rest is counted; show, report and resume work', async () => {
  let n = 0;
  const call = (name: string, args: Record<string, unknown>): Step => ({
    content: null,
    tool_calls: [{ id: `call_${n++}`, name, arguments: args }],
    finish_reason: 'tool_calls',
    usage: { prompt_tokens: 100, completion_tokens: 10 },
  });
  const server = await startScriptedServer((req: RecordedRequest) =>
    turnOf(req) === 0 ? call('execute_bash', { command: `head -c ${GIB} /dev/zero | tr '\\0' A; echo; echo END-OF-OUTPUT` }) : call('finish', {}),
  );
  try {
    const sessions = join(root, 'sessions');
    const r = await swegym(['batch', '--dataset', 'samples', '--agent', 'llm', '--base-url', server.url, '--model', 'scripted', '--instances', 'swegym-samples__ledger-8', '--session', 'big', '--sessions-dir', sessions]);
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    const rdir = join(sessions, 'big', 'rollouts');
    const log = readdirSync(rdir).find((f) => f.endsWith('.jsonl'))!;
    const logBytes = statSync(join(rdir, log)).size;
    // The documented bound (output-budget.ts): per tool step head + tail + observation characters, x3 for ordinary text.
    const perStep = (LOG_LIMITS.stepHeadChars + LOG_LIMITS.stepTailChars + LOG_LIMITS.observationChars) * 3;
    assert.ok(logBytes < 2 * perStep + 256 * 1024, `rollout log ${logBytes} bytes`);
    const side = readdirSync(rdir).find((f) => f.endsWith('.output.txt'));
    assert.ok(side, 'the raw output beyond the cap went to the side file');
    assert.ok(statSync(join(rdir, side)).size <= LOG_LIMITS.sideFileBytes, 'the side file keeps its own cap');

    const shown = await swegym(['show', 'big', '--instance', 'swegym-samples__ledger-8', '--sample', '0', '--json', '--sessions-dir', sessions]);
    assert.equal(shown.code, 0, shown.stderr);
    const events = shown.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const end = events.find((e) => e.type === 'tool_end' && e.tool === 'execute_bash');
    assert.ok(end.output_bytes >= GIB, `output_bytes ${end.output_bytes}`);
    const tail = events.find((e) => e.type === 'tool_output' && e.omitted_bytes !== undefined);
    assert.ok(tail.omitted_bytes > GIB - 1024 * 1024, 'the omitted bytes are counted');
    assert.match(tail.chunk, /END-OF-OUTPUT/, 'the tail of the output is kept');
    assert.equal(events.filter((e) => e.type === 'tool_output').map((e) => e.chunk).join('').length < perStep, true);

    const rep = await swegym(['report', 'big', '--sessions-dir', sessions]);
    assert.equal(rep.code, 0, rep.stderr);
    const res = await swegym(['resume', 'big', '--sessions-dir', sessions]);
    assert.equal(res.code, 0, res.stderr);
  } finally {
    await server.close();
  }
});

test('a session whose log is over 512 MiB (written before the cap) is still readable: show, report and resume', async () => {
  const sessions = join(root, 'old');
  const dir = join(sessions, 'huge');
  const id = 'swegym-samples__ledger-8';
  const w = SessionWriter.create(dir, {
    name: 'huge',
    swegym_version: 'test',
    dataset: { ref: 'samples', instance_ids: [id] },
    images: {},
    agent: { kind: 'gold' },
    sampling: { samples: 1, temperatures: [], seed: 0 },
    scheduler: { agent: 'gold', concurrency: 1 },
  });
  w.close();
  // Written by hand, the way the logs of earlier versions were: one tool_output event per 1 MiB chunk, 600 of them.
  const fd = openSync(join(dir, 'rollouts', `${id}.s0.a0.jsonl`), 'w');
  const line = (e: Record<string, unknown>) => writeSync(fd, JSON.stringify({ v: 1, ts: Date.now(), rollout: `${id}.s0.a0`, ...e }) + '\n');
  line({ type: 'rollout_started', instance_id: id, sample: 0, attempt: 0, agent: { kind: 'gold' } });
  line({ type: 'tool_start', step: 1, call_id: 'c1', tool: 'execute_bash', args: { command: 'yes' } });
  const chunk = 'B'.repeat(1024 * 1024);
  for (let i = 0; i < 600; i++) line({ type: 'tool_output', step: 1, chunk });
  line({ type: 'tool_output', step: 1, chunk: 'LAST-LINE\n' });
  line({ type: 'tool_end', step: 1, call_id: 'c1', tool: 'execute_bash', observation: 'ok', duration_ms: 1 });
  line({ type: 'verification_verdict', verdict: { instance_id: id, profile: 'swegym', status: 'resolved', resolved: true, patch_applied: true, tests_status: {} } });
  line({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
  closeSync(fd);
  assert.ok(statSync(join(dir, 'rollouts', `${id}.s0.a0.jsonl`)).size > 600 * 1024 * 1024);

  const shown = await swegym(['show', 'huge', '--instance', id, '--sample', '0', '--json', '--sessions-dir', sessions]);
  assert.equal(shown.code, 0, shown.stderr);
  const events = shown.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const outs = events.filter((e) => e.type === 'tool_output');
  assert.ok(outs.map((e) => e.chunk).join('').length <= LOG_LIMITS.stepHeadChars + LOG_LIMITS.stepTailChars + 200, 'read back within the same limits');
  assert.match(outs[outs.length - 1].chunk, /LAST-LINE/);
  assert.ok(events.find((e) => e.type === 'tool_end').output_bytes > 600 * 1024 * 1024);
  const rep = await swegym(['report', 'huge', '--json', '--sessions-dir', sessions]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /"resolved"/);
  const res = await swegym(['resume', 'huge', '--sessions-dir', sessions]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /1 finished/);
});
