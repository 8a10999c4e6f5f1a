/**
 * Import of each supported format into a session. Each fixture follows the real format as found in that tool's own
 * files (read with the search tool):
 * - swegym-sampled-trajectories.jsonl: rows of HF `SWE-Gym/OpenHands-Sampled-Trajectories` (`instance_id`,
 *   `messages` in the text tool format, `resolved`), as described by the dataset card and collinear-ai/spider
 *   docs/trajectory_format.md; the text format of facts §4.2 / §5.
 * - openhands-output.jsonl: OpenHands `output.jsonl` = `EvalOutput` of evaluation/utils/shared.py (instance_id,
 *   instruction, history, test_result.git_patch, metadata, metrics, error, instance) with `report` merged by
 *   update_output_with_eval.py; history in the V0 `event_to_dict` form (openhands/events/serialization/event.py).
 * - swegym-samples__ledger-8.traj: SWE-agent `.traj` as typed in SWE-agent/SWE-agent sweagent/types.py
 *   (TrajectoryStep, HistoryItem, AgentInfo) and docs/usage/trajectories.md.
 * - swegym-samples__durations-12.traj.json: mini-swe-agent `save_traj` output
 *   (SWE-agent/mini-swe-agent src/minisweagent/run/utils/save.py, run/extra/swebench.py; messages as in
 *   tests/test_data/github_issue.traj.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import { importCommand } from '../../src/cli/commands/import.js';
import { openSession } from '../../src/core/session/store.js';
import { messagesFromEvents, patchFromEvents } from '../../src/core/session/trajectory.js';
import { verdictFromEvents } from '../../src/core/verifier/candidates.js';
import type { RolloutEvent } from '../../src/core/events.js';

const FIX = (name: string) => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));

async function importInto(file: string, format: string, session = 's') {
  const sessionsDir = mkdtempSync(join(tmpdir(), 'swegym-import-'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await importCommand({ file, format, session, sessionsDir, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out, err, dir: join(sessionsDir, session), sessionsDir };
}

async function rollouts(dir: string) {
  const reader = openSession(dir);
  // An instance with fewer trajectories than the most sampled one shows 'queued' placeholders for the rest.
  const rows = reader.summaries().filter((s) => s.status !== 'queued').sort((a, b) => a.instance_id.localeCompare(b.instance_id) || a.sample - b.sample);
  const out: Array<{ summary: (typeof rows)[number]; events: RolloutEvent[] }> = [];
  for (const s of rows) out.push({ summary: s, events: await reader.events(s.rollout_id) });
  return { reader, out };
}

function upToLastAssistant<T extends { role: string }>(msgs: T[]): T[] {
  let last = -1;
  msgs.forEach((m, i) => m.role === 'assistant' && (last = i));
  return msgs.slice(0, last + 1);
}

test('swegym (JSONL): rows become rollouts with the text-format messages, the patch and the resolved verdict', async () => {
  const r = await importInto(FIX('swegym-sampled-trajectories.jsonl'), 'swegym');
  assert.equal(r.code, 0, r.err.join('\n'));
  const rows = readFileSync(FIX('swegym-sampled-trajectories.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const { reader, out } = await rollouts(r.dir);
  assert.deepEqual(reader.manifest().dataset.instance_ids, ['swegym-samples__durations-12', 'swegym-samples__ledger-8']);
  assert.equal(out.length, 3);
  assert.deepEqual(out.map((o) => [o.summary.instance_id, o.summary.sample, o.summary.resolved, o.summary.status]), [
    ['swegym-samples__durations-12', 0, true, 'completed'],
    ['swegym-samples__durations-12', 1, false, 'completed'],
    ['swegym-samples__ledger-8', 0, false, 'completed'],
  ]);
  const first = out[0]!;
  const started = first.events[0]!;
  assert.ok(started.type === 'rollout_started' && started.agent.kind === 'imported');
  assert.deepEqual(messagesFromEvents(first.events), rows[0].messages);
  assert.equal(patchFromEvents(first.events), rows[0].git_patch);
  assert.equal(verdictFromEvents(first.events)?.status, 'resolved');
  assert.equal(verdictFromEvents(out[2]!.events)?.status, 'empty_patch', 'no patch in the row and not resolved');
  const stopped = first.events.find((e) => e.type === 'agent_stopped');
  assert.ok(stopped && stopped.type === 'agent_stopped' && stopped.reason === 'finished' && stopped.turns === 3);
});

test('swegym (Parquet): list<struct> messages as in the released parquet shards', async () => {
  const rows = readFileSync(FIX('swegym-sampled-trajectories.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const file = join(mkdtempSync(join(tmpdir(), 'swegym-pq-')), 'train.raw-00000-of-00001.parquet');
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'instance_id', data: rows.map((r) => r.instance_id), type: 'STRING' },
      { name: 'messages', data: rows.map((r) => r.messages) },
      { name: 'resolved', data: rows.map((r) => r.resolved), type: 'BOOLEAN' },
    ],
  });
  const r = await importInto(file, 'swegym');
  assert.equal(r.code, 0, r.err.join('\n'));
  const { out } = await rollouts(r.dir);
  assert.equal(out.length, 3);
  assert.deepEqual(messagesFromEvents(out[1]!.events), rows[1].messages);
  assert.deepEqual(out.map((o) => o.summary.resolved), [true, false, false]);
});

test('openhands output.jsonl: history events become native tool calls and results; report.resolved the verdict', async () => {
  const r = await importInto(FIX('openhands-output.jsonl'), 'openhands');
  assert.equal(r.code, 0, r.err.join('\n'));
  const { out } = await rollouts(r.dir);
  assert.equal(out.length, 2);
  const [ok, stuck] = out;
  const msgs = messagesFromEvents(ok!.events);
  assert.deepEqual(
    msgs.map((m) => [m.role, m.tool_calls?.[0]?.function.name ?? m.tool_call_id ?? '']),
    [
      ['user', ''],
      ['assistant', 'execute_bash'],
      ['tool', 'toolu_01'],
      ['assistant', 'str_replace_editor'],
      ['tool', 'toolu_02'],
      ['assistant', 'finish'],
    ],
  );
  assert.equal(msgs[1]!.content, 'Let me find the account match.');
  assert.deepEqual(JSON.parse(msgs[1]!.tool_calls![0]!.function.arguments), { command: 'grep -n startswith ledger/ledger.py' });
  assert.equal(msgs[2]!.content, '57:                if posting.account.startswith(account):');
  assert.equal(JSON.parse(msgs[3]!.tool_calls![0]!.function.arguments).command, 'str_replace');
  assert.equal(ok!.summary.resolved, true);
  assert.match(patchFromEvents(ok!.events), /^diff --git a\/ledger\/ledger.py/);
  const started = ok!.events[0]!;
  assert.ok(started.type === 'rollout_started' && started.agent.model === 'openai/gpt-4o-2024-08-06');
  assert.equal(JSON.stringify(ok!.events).includes('**********'), false, 'no api_key field copied');
  assert.equal(stuck!.summary.stop_reason, 'stuck');
  assert.equal(stuck!.summary.verdict, 'empty_patch');
  assert.equal(ok!.summary.cost_usd, 0.0421);
});

test('swe-agent .traj: history (demonstrations dropped) with tool calls, info.submission the patch, no verdict', async () => {
  const r = await importInto(FIX('swegym-samples__ledger-8.traj'), 'swe-agent');
  assert.equal(r.code, 0, r.err.join('\n'));
  const { out } = await rollouts(r.dir);
  assert.equal(out.length, 1);
  const doc = JSON.parse(readFileSync(FIX('swegym-samples__ledger-8.traj'), 'utf8'));
  const o = out[0]!;
  assert.equal(o.summary.instance_id, 'swegym-samples__ledger-8');
  assert.equal(o.summary.verdict, undefined);
  assert.equal(o.summary.stop_reason, 'finished');
  assert.equal(patchFromEvents(o.events), doc.info.submission);
  const msgs = messagesFromEvents(o.events);
  assert.equal(msgs.length, 7, 'system, user, then 3 calls and 2 results (the final result follows the last reply)');
  assert.ok(!msgs.some((m) => m.content?.includes('demonstration')));
  assert.deepEqual(msgs.map((m) => m.role), ['system', 'user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
  assert.equal(msgs[3]!.tool_call_id, 'call_a1');
  assert.equal(msgs[4]!.tool_calls![0]!.function.name, 'str_replace_editor');
  const started = o.events[0]!;
  assert.ok(started.type === 'rollout_started' && started.agent.model === 'claude-3-5-sonnet-20241022');
});

test('mini-swe-agent .traj.json: messages, info.submission, exit status, instance_id', async () => {
  const r = await importInto(FIX('swegym-samples__durations-12.traj.json'), 'mini-swe-agent');
  assert.equal(r.code, 0, r.err.join('\n'));
  const doc = JSON.parse(readFileSync(FIX('swegym-samples__durations-12.traj.json'), 'utf8'));
  const { out } = await rollouts(r.dir);
  const o = out[0]!;
  assert.equal(o.summary.instance_id, 'swegym-samples__durations-12');
  assert.equal(o.summary.stop_reason, 'finished');
  assert.equal(o.summary.turns, 3);
  assert.deepEqual(messagesFromEvents(o.events), upToLastAssistant(doc.messages));
  assert.equal(patchFromEvents(o.events), doc.info.submission);
  const started = o.events[0]!;
  assert.ok(started.type === 'rollout_started' && started.agent.model === 'anthropic/claude-sonnet-4-20250514');
});

test('malformed input: a clear error naming the file, line and field; no session is written', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed-swegym.jsonl', 'swegym', /malformed-swegym\.jsonl:2: field 'messages\[2\]\.role' must be system, user, assistant or tool \(got "function"\)/],
    ['malformed-openhands.jsonl', 'openhands', /malformed-openhands\.jsonl:3: field 'test_result\.git_patch' must be a string \(got nothing: the field is missing/],
    ['malformed-mini.traj.json', 'mini-swe-agent', /malformed-mini\.traj\.json: field 'info\.submission' must be a string \(got number 42\)/],
    ['openhands-output.jsonl', 'swe-agent', /openhands-output\.jsonl(:\d+)?: field '\(file\)' is not valid JSON/],
    ['swegym-sampled-trajectories.jsonl', 'openhands', /swegym-sampled-trajectories\.jsonl:1: field 'history' must be a list \(got nothing: the field is missing/],
    ['openhands-output.jsonl', 'sweagent', /field '--format' must be one of swegym, openhands, swe-agent, mini-swe-agent/],
  ];
  for (const [file, format, re] of cases) {
    const r = await importInto(FIX(file), format);
    assert.equal(r.code, 2, `${file} as ${format}`);
    assert.match(r.err.join('\n'), re);
    assert.equal(existsSync(r.dir), false, 'nothing written');
  }
});

test('a folder of SWE-agent trajectories (one <instance_id>.traj per instance, as run-batch writes them)', async () => {
  const r = await importInto(fileURLToPath(new URL('../fixtures/import/', import.meta.url)), 'swe-agent');
  assert.equal(r.code, 0, r.err.join('\n'));
  const { out } = await rollouts(r.dir);
  assert.deepEqual(out.map((o) => o.summary.instance_id), ['swegym-samples__ledger-8']);
  // The same folder as mini-swe-agent trajectories: the malformed one is named, nothing is written.
  const bad = await importInto(fileURLToPath(new URL('../fixtures/import/', import.meta.url)), 'mini-swe-agent');
  assert.equal(bad.code, 2);
  assert.match(bad.err.join('\n'), /malformed-mini\.traj\.json: field 'info\.submission'/);
});

test("mini-swe-agent's own test trajectories (a bare list of messages) import: submission from the output after the submit marker", async () => {
  const gh = FIX('mini-swe-agent-tests/github_issue.traj.json');
  const r = await importInto(gh, 'mini-swe-agent', 'mini-list');
  assert.equal(r.code, 0, r.err.join('\n'));
  const list = JSON.parse(readFileSync(gh, 'utf8')) as Array<{ role: string; content: string }>;
  const { out } = await rollouts(r.dir);
  const o = out[0]!;
  assert.equal(o.summary.instance_id, 'github_issue', 'no id inside a bare list: the file name');
  assert.equal(o.summary.stop_reason, 'finished');
  assert.equal(patchFromEvents(o.events), list.at(-1)!.content);
  assert.match(patchFromEvents(o.events) ?? '', /^diff --git a\/tests\/missing_colon\.py/);
  const local = await importInto(FIX('mini-swe-agent-tests/local.traj.json'), 'mini-swe-agent', 'mini-local');
  assert.equal(local.code, 0, local.err.join('\n'));
  const lo = (await rollouts(local.dir)).out[0]!;
  assert.equal(lo.summary.stop_reason, 'finished');
  assert.equal(patchFromEvents(lo.events) ?? '', '');
});

test('mini-swe-agent v2 (1.1): tool calls kept, the exit message taken out, the instance id read from inside the file', async () => {
  const f = FIX('mini-swe-agent-v2-toolcall.traj.json');
  const r = await importInto(f, 'mini-swe-agent', 'mini-v2');
  assert.equal(r.code, 0, r.err.join('\n'));
  const doc = JSON.parse(readFileSync(f, 'utf8'));
  const o = (await rollouts(r.dir)).out[0]!;
  assert.equal(o.summary.instance_id, 'swegym-samples__ledger-8');
  assert.equal(o.summary.stop_reason, 'finished');
  assert.equal(patchFromEvents(o.events), doc.info.submission);
  const msgs = messagesFromEvents(o.events);
  assert.ok(!msgs.some((m) => (m.role as string) === 'exit'));
  assert.equal(msgs[1]!.content, 'Please solve this issue: amounts are parsed wrong');
  assert.equal(msgs[2]!.tool_calls?.[0]?.function.name, 'bash');
});

test('SWE-agent 1.x: the instance id comes from replay_config.problem_statement.id, not the file name', async () => {
  const doc = JSON.parse(readFileSync(FIX('swegym-samples__ledger-8.traj'), 'utf8'));
  const rc = JSON.parse(doc.replay_config);
  rc.problem_statement = { id: 'swegym-samples__ledger-8', type: 'swe_bench' };
  doc.replay_config = JSON.stringify(rc);
  const dir = mkdtempSync(join(tmpdir(), 'swegym-import-id-'));
  const renamed = join(dir, 'run-0007.traj');
  writeFileSync(renamed, JSON.stringify(doc));
  const r = await importInto(renamed, 'swe-agent', 'swe-renamed');
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal((await rollouts(r.dir)).out[0]!.summary.instance_id, 'swegym-samples__ledger-8');
  rmSync(dir, { recursive: true, force: true });
});
