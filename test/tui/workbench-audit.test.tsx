import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import type { EventBody } from '../../src/core/events.js';
import type { RolloutSummary } from '../../src/core/session/types.js';
import type { AgentChoice } from '../../src/tui/backend.js';
import type { TaskInfo } from '../../src/tui/panes/lines.js';
import { App } from '../../src/tui/app.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { foldRollout } from '../../src/tui/state/rollout-view-model.js';
import { describeCall } from '../../src/tui/state/tool-call.js';
import { BatchDashboard } from '../../src/tui/screens/batch.js';
import { BestOfN, CurveChart } from '../../src/tui/screens/best-of-n.js';
import { Picker } from '../../src/tui/screens/picker.js';
import { Home } from '../../src/tui/screens/home.js';
import { RunCompare } from '../../src/tui/screens/run-compare.js';
import { CoreBackend } from '../../src/tui/core-backend.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { MemorySession, RecordingControl, ScriptedBackend, snapshot } from './scripted-backend.js';
import { EVIL, GOLD_PATCH, TASK, scriptedRollout, stamp } from './scripted-rollout.js';
import { onlySgr, sgrBefore } from './ansi.js';

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi } = helpers;
afterEach(() => cleanup());

/** A rollout the way the gold / replay / LLM agents really call tools: the editor, the shell, finish. */
function mixedRollout(id = 'm1') {
  const edit = { command: 'str_replace', path: '/testbed/calc/ops.py', old_str: '    return a // b\n', new_str: '    return a / b\n' };
  const bodies: EventBody[] = [
    { type: 'rollout_started', instance_id: TASK.instance_id, sample: 0, agent: { kind: 'replay', config: {} }, attempt: 0 },
    { type: 'env_ready', image: 'img', container_id: 'c0ffee1234567890', duration_ms: 5, repo_dir: '/testbed' },
    { type: 'model_response', turn: 0, content: 'Look at the file.', tool_calls: [{ id: 'c0', name: 'str_replace_editor', arguments: JSON.stringify({ command: 'view', path: '/testbed/calc/ops.py' }) }], usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false }, cost_usd: 0, latency_ms: 1 },
    { type: 'tool_start', step: 0, call_id: 'c0', tool: 'str_replace_editor', args: { command: 'view', path: '/testbed/calc/ops.py' } },
    { type: 'tool_output', step: 0, chunk: 'EDITOR-VIEW-OUTPUT\n' },
    { type: 'tool_end', step: 0, call_id: 'c0', tool: 'str_replace_editor', observation: 'Here is the file', is_error: false, timed_out: false, truncated: false, duration_ms: 3 },
    { type: 'model_response', turn: 1, content: 'Fix it.', tool_calls: [{ id: 'c1', name: 'str_replace_editor', arguments: JSON.stringify(edit) }], usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false }, cost_usd: 0, latency_ms: 1 },
    { type: 'tool_start', step: 1, call_id: 'c1', tool: 'str_replace_editor', args: edit },
    { type: 'tool_end', step: 1, call_id: 'c1', tool: 'str_replace_editor', observation: 'edited', is_error: false, timed_out: false, truncated: false, duration_ms: 3 },
    { type: 'model_response', turn: 2, content: 'Run the tests.', tool_calls: [{ id: 'c2', name: 'execute_bash', arguments: JSON.stringify({ command: 'pytest -q tests' }) }], usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false }, cost_usd: 0, latency_ms: 1 },
    { type: 'tool_start', step: 2, call_id: 'c2', tool: 'execute_bash', args: { command: 'pytest -q tests' } },
    { type: 'tool_output', step: 2, chunk: '3 passed in 0.01s\n' },
    { type: 'tool_end', step: 2, call_id: 'c2', tool: 'execute_bash', observation: '3 passed in 0.01s', exit_code: 0, is_error: false, timed_out: false, truncated: false, duration_ms: 30 },
    { type: 'model_response', turn: 3, content: '', tool_calls: [{ id: 'c3', name: 'finish', arguments: '{}' }], usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false }, cost_usd: 0, latency_ms: 1 },
    { type: 'tool_start', step: 3, call_id: 'c3', tool: 'finish', args: {} },
    { type: 'tool_end', step: 3, call_id: 'c3', tool: 'finish', observation: '', is_error: false, timed_out: false, truncated: false, duration_ms: 0 },
    { type: 'patch_updated', patch: GOLD_PATCH, files: ['calc/ops.py'] },
    { type: 'agent_stopped', reason: 'finished', message: 'done', turns: 4, usage: { prompt_tokens: 4, completion_tokens: 4, estimated: false }, cost_usd: 0 },
    { type: 'rollout_ended', status: 'completed', duration_ms: 100 },
  ];
  return stamp(id, bodies);
}

test('tool calls read as calls: shell commands as `$ cmd`, editor calls as command + path with -/+ lines, never JSON', () => {
  assert.deepEqual(describeCall('str_replace_editor', '{"command":"view","path":"/t/a.py","view_range":[1,20]}'), { summary: 'view /t/a.py [1, 20]', detail: [] });
  assert.deepEqual(describeCall('str_replace_editor', { command: 'str_replace', path: '/t/a.py', old_str: 'x\ny', new_str: 'z' }), { summary: 'str_replace /t/a.py', detail: ['- x', '- y', '+ z'] });
  assert.deepEqual(describeCall('str_replace_editor', { command: 'insert', path: '/t/a.py', insert_line: 3, new_str: 'q' }), { summary: 'insert /t/a.py after line 3', detail: ['+ q'] });
  assert.deepEqual(describeCall('execute_bash', '{"command":"ls -la\\npwd"}'), { summary: 'ls -la\npwd', detail: [] });
  assert.deepEqual(describeCall('finish', '{}'), { summary: '', detail: [] });
  assert.equal(describeCall('think', { thought: 'hmm' }).summary, 'hmm');
  assert.equal(describeCall('other', { a: 1, b: 'two' }).summary, 'a=1 b=two');
  // Arguments still streaming in (not JSON yet) stay as they are.
  assert.equal(describeCall('execute_bash', '{"command":"ls').summary, '{"command":"ls');
});

test('the shell pane shows only execute_bash commands and their output; the agent pane shows every call readably', async () => {
  const events = mixedRollout();
  const vm = foldRollout('m1', events);
  assert.equal(vm.shell, '$ pytest -q tests\n3 passed in 0.01s\n');
  const store = new RolloutStore('m1', 0);
  store.pushAll(events);
  const r = renderWith(<RolloutView store={store} task={TASK} width={120} height={40} onBack={() => {}} />);
  const f = await waitFrame(r, (p) => p.includes('COMPLETED') || p.includes('NO VERDICT'));
  const plain = stripAnsi(f);
  assert.ok(!plain.includes('{"command"'), 'no raw JSON arguments');
  assert.ok(!plain.includes('\\n'), 'no literal \\n');
  assert.ok(!plain.includes('EDITOR-VIEW-OUTPUT'), 'editor output never reaches the shell pane');
  assert.match(plain, /view \/testbed\/calc\/ops\.py/);
  assert.match(plain, /str_replace \/testbed\/calc\/ops\.py/);
  assert.match(plain, /\$ pytest -q tests/);
  assert.ok(!/\$ \{\}/.test(plain), 'finish is not a shell command');
  // The -/+ lines of the edit carry the diff colours.
  const minus = f.indexOf('-     return a // b');
  const plus = f.indexOf('+     return a / b');
  assert.ok(minus > 0 && plus > 0, 'old and new text of the edit are shown');
  assert.ok(sgrBefore(f, '-     return a // b').includes('31'), 'removed text is red');
  assert.ok(sgrBefore(f, '+     return a / b').includes('32'), 'added text is green');
  // Stepping back to the editor call: the shell pane says what the step is instead of showing JSON.
  await press(r, 'h', 'h');
  const g = stripAnsi(await waitFrame(r, (p) => p.includes('shell · step 2')));
  assert.match(g, /step 2 is a str_replace_editor call, not a shell command/);
});

test('escape sequences in editor arguments (path, old and new text) never reach the terminal', async () => {
  const edit = { command: 'str_replace', path: `/testbed/${EVIL}.py`, old_str: `a${EVIL}`, new_str: `b${EVIL}` };
  const events = stamp('e1', [
    { type: 'rollout_started', instance_id: TASK.instance_id, sample: 0, agent: { kind: 'llm', config: {} }, attempt: 0 },
    { type: 'model_response', turn: 0, content: 'edit', tool_calls: [{ id: 'c0', name: 'str_replace_editor', arguments: JSON.stringify(edit) }], usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false }, cost_usd: 0, latency_ms: 1 },
    { type: 'tool_start', step: 0, call_id: 'c0', tool: 'str_replace_editor', args: edit },
  ]);
  const store = new RolloutStore('e1', 0);
  store.pushAll(events);
  const r = renderWith(<RolloutView store={store} task={TASK} width={120} height={30} onBack={() => {}} />);
  const f = await waitFrame(r, (p) => p.includes('str_replace /testbed/'));
  const check = onlySgr(f);
  assert.ok(check.ok, `control characters reached the frame: ${check.offending.join(' ')}`);
  assert.ok(!f.includes('pwned'));
});

test('a long attach / recreate command wraps over several rows instead of being cut', async () => {
  const store = new RolloutStore('r1', 0);
  store.pushAll(scriptedRollout('r1', { steps: 2 }));
  const cmd = `recreate: docker run --rm -it --network none --label io.swegym.managed=1 -v '/tmp/some/long/path/patches/r1.diff:/tmp/patch.diff:ro' swegym/acme__calc:0.1 bash -c 'cd /testbed && git apply /tmp/patch.diff && exec bash' END`;
  const r = renderWith(<RolloutView store={store} task={TASK} width={80} height={24} onBack={() => {}} attachCommand={() => cmd} />);
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  await press(r, 's');
  const f = await waitFrame(r, (p) => p.includes('END'));
  assert.equal(rows(f).length, 24);
  assert.equal(stripAnsi(f).replace(/\n/g, '').includes(cmd), true, 'the whole command can be read');
});

test('batch dashboard after the batch ended: keys say so instead of pretending; r on an ended row asks for a fresh attempt, not the ended scheduler', async () => {
  const sum = (id: string, over: Partial<RolloutSummary> = {}): RolloutSummary => ({ ...foldEvents(id, scriptedRollout(id)), ...over });
  const control = new RecordingControl(snapshot({ state: 'done', done: 10, running: 0, queued: 0, active: [] }));
  const retried: string[] = [];
  const r = renderWith(<BatchDashboard control={control} finished={[sum('f-1', { instance_id: 'swegym-samples__durations-12' })]} sessionName="batch-1" width={80} height={20} onOpen={() => {}} onBack={() => {}} onRetryEnded={(id) => retried.push(id)} />);
  await waitFrame(r, (p) => p.includes('DONE'));
  assert.match(stripAnsi(r.lastFrame()!), /ETA -/);
  await press(r, 'K');
  await waitFrame(r, (p) => p.includes('the batch has finished'));
  await press(r, 'p');
  await waitFrame(r, (p) => p.includes('the batch has finished'));
  await press(r, KEYS.tab);
  const f = await waitFrame(r, (p) => p.includes('[finished 1') && p.includes('durations-12'));
  assert.match(stripAnsi(f), /swegym-samples__durations-12#0 /, 'the id and its sample are shown in full at 80 columns');
  await press(r, 'r');
  await helpers.until(() => retried.length === 1, 'the retry of the ended row');
  assert.deepEqual(retried, ['f-1']);
  assert.deepEqual(control.calls, [], 'nothing is sent to the ended scheduler');
});

test('best-of-n: curves as a coloured braille chart when there is room, bars when not; J scrolls both diffs', async () => {
  const chart = renderWith(<CurveChart curves={{ passAtK: [0.5, 0.75, 1], bestAtK: [0.25, 0.5, 0.75] }} width={80} height={9} />);
  const f = await waitFrame(chart, (p) => p.includes('best@k'));
  assert.match(stripAnsi(f), /k=1 0\.50\/0\.25 {2}k=2 0\.75\/0\.50 {2}k=3 1\.00\/0\.75/);
  assert.match(stripAnsi(f), /[\u2801-\u28ff]/, 'braille curve');
  assert.equal(rows(f).length, 9);
  // Each series has its own colour, legend included.
  const legend = rows(f).at(-1)!;
  assert.match(legend, /⣿ pass@k {3}⣿ best@k/);
  // eslint-disable-next-line no-control-regex
  const swatches = [...f.matchAll(/((?:\x1b\[[0-9;]*m)+)⣿(?:\x1b\[[0-9;]*m)* (pass|best)@k/g)].map((m) => m[1]);
  assert.equal(swatches.length, 2);
  assert.notEqual(swatches[0], swatches[1]);
  const dot = /[\u2801-\u28fe]/.exec(rows(f).slice(1, 6).join('\n'))![0];
  const codes = sgrBefore(f, dot);
  assert.ok(codes.includes('36') || codes.includes('33'), `plotted dots carry their series colour (${codes})`);
  cleanup();

  const sum = (id: string, sample: number, score: number): RolloutSummary => ({ ...foldEvents(id, scriptedRollout(id)), sample, scores: { critic: score } });
  const long = GOLD_PATCH + Array.from({ length: 30 }, (_, i) => `+line ${i}`).join('\n') + '\n';
  const el = (height: number) => (
    <BestOfN instanceId="acme__calc-1" candidates={[sum('a', 0, 0.9), sum('b', 1, 0.5)]} loadPatch={async () => long} curves={{ passAtK: [0.5, 1], bestAtK: [0.5, 1] }} width={70} height={height} onMarkWinner={() => {}} onOpen={() => {}} onBack={() => {}} />
  );
  const short = renderWith(el(22));
  let g = await waitFrame(short, (p) => p.includes('▸ calc/ops.py'));
  assert.match(stripAnsi(g), /1 +█+·* 0\.50 /, 'bars when the screen is short');
  assert.ok(!stripAnsi(g).includes('line 29'));
  for (let i = 0; i < 12; i++) await press(short, 'J');
  g = await waitFrame(short, (p) => p.includes('line 29'));
  assert.equal(rows(g).length, 22);
  await press(short, 'K');
  await waitFrame(short, (p) => !p.includes('line 29'));
});

test('picker at 80 columns shows whole instance ids; home columns line up with their header', async () => {
  const tasks: TaskInfo[] = [
    { ...TASK, instance_id: 'swegym-samples__durations-12', repo: 'swegym-samples/durations' },
    { ...TASK, instance_id: 'swegym-samples__durations-19', repo: 'swegym-samples/durations' },
  ];
  const p = renderWith(<Picker tasks={tasks} title="pick" width={80} height={10} onOpen={() => {}} onBatch={() => {}} onBack={() => {}} />);
  const f = stripAnsi(await waitFrame(p, (x) => x.includes('durations-19')));
  assert.match(f, /swegym-samples__durations-12 /);
  assert.match(f, /swegym-samples__durations-19 /);
  cleanup();
  const sessions = [{ dir: 's/a', name: 'audit8', status: 'done', rollouts: 15, done: 15, resolved: 15, costUsd: 0 }];
  const h = renderWith(<Home sessions={sessions} datasetName="samples" width={120} height={12} onNewRun={() => {}} onNewBatch={() => {}} onOpen={() => {}} onMark={() => {}} onCompare={() => {}} onBack={() => {}} />);
  const lines = rows(await waitFrame(h, (x) => x.includes('audit8')));
  const header = lines.find((l) => l.includes('state'))!;
  const row = lines.find((l) => l.includes('audit8'))!;
  assert.equal(header.indexOf('state'), row.indexOf('done'), 'state column');
  assert.equal(header.indexOf('done') + 'done'.length, row.indexOf('15/15') + '15/15'.length, 'done column (right-aligned)');
  assert.equal(header.indexOf('resolved') + 'resolved'.length, row.indexOf(' 15 ') + 3, 'resolved column (right-aligned)');
  assert.equal(header.indexOf('cost') + 4, row.indexOf('$0.0000') + 7, 'cost column');
});

test('run compare at 80 columns: both cells fit the row', async () => {
  const sum = (id: string, inst: string, verdict: 'resolved' | 'unresolved'): RolloutSummary => ({ ...foldEvents(id, scriptedRollout(id)), instance_id: inst, verdict, resolved: verdict === 'resolved', scores: { critic: 0.55 } });
  const r = renderWith(
    <RunCompare a={{ name: 'a', summaries: [sum('x', 'swegym-samples__durations-12', 'resolved')] }} b={{ name: 'b', summaries: [sum('y', 'swegym-samples__durations-12', 'unresolved')] }} width={80} height={8} onOpen={() => {}} onBack={() => {}} />,
  );
  const f = stripAnsi(await waitFrame(r, (p) => p.includes('durations-12')));
  const row = f.split('\n').find((l) => l.includes('durations-12'))!;
  assert.match(row, /1\/1 resolved +0\/1 unresolved/);
  assert.ok(!row.includes('…'), row);
});

/** A session read the way the file store reads one: summaries come from the index, re-read on refresh() only. */
class IndexedSession extends MemorySession {
  private snap: RolloutSummary[] = [];
  refreshes = 0;
  override summaries(): RolloutSummary[] {
    return this.snap;
  }
  refresh(): void {
    this.refreshes++;
    this.snap = super.summaries();
  }
}

test('an open session that another process writes to: the picker follows it (the index is re-read as rollouts end)', async () => {
  const backend = new ScriptedBackend();
  const s = new IndexedSession('sessions/headless');
  backend.sessions.set(s.dir, s);
  const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={defaultBindings()} size={{ columns: 100, rows: 20 }} initialSession={s.dir} />);
  let f = await waitFrame(r, (p) => p.includes('session sessions/headless') || p.includes('session headless'));
  assert.ok(!stripAnsi(f).includes('resolved'));
  for (const e of scriptedRollout('h-1')) s.append(e);
  f = await waitFrame(r, (p) => /acme__calc-1 .*resolved/.test(p));
  assert.ok(s.refreshes >= 1 && s.refreshes <= 3, `index re-read a few times, not per event (${s.refreshes})`);
});

class PartlyRecordedBackend extends ScriptedBackend {
  override agents(task?: TaskInfo): AgentChoice[] {
    return super.agents().map((c) => (c.id === 'replay' ? { ...c, available: task?.instance_id === TASK.instance_id, note: 'replays a recorded trajectory' } : c));
  }
}

test('a batch over instances without recordings does not offer replay; a finished batch keeps its dashboard and quitting no longer asks', async () => {
  const backend = new PartlyRecordedBackend();
  let finish!: () => void;
  backend.startBatch = async () => {
    backend.control = new RecordingControl(snapshot());
    backend.session('sessions/batch-1');
    return { sessionDir: 'sessions/batch-1', control: backend.control, done: new Promise<void>((res) => (finish = res)) };
  };
  // The workbench re-reads the session list when its batch ends: the one sign of the end a test can wait for.
  let listed = 0;
  const list = backend.listSessions.bind(backend);
  backend.listSessions = () => (listed++, list());
  const exits: string[] = [];
  const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={defaultBindings()} size={{ columns: 100, rows: 20 }} sessionsPollMs={0} onExit={(m) => exits.push(m)} />);
  await waitFrame(r, (p) => p.includes('New run'));
  await press(r, 'b');
  await waitFrame(r, (p) => p.includes('mark instances for a batch'));
  await press(r, ' ', ' ');
  await waitFrame(r, (p) => p.includes('2 marked'));
  await press(r, '\x02');
  let f = await waitFrame(r, (p) => p.includes('Run 2 instance(s) with'));
  assert.match(stripAnsi(f), /replay: replays a recorded trajectory for 1 of the 2 instances/);
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('options (as swegym batch)'));
  await press(r, KEYS.enter);
  await waitFrame(r, (p) => p.includes('batch batch-1'));
  const before = listed;
  finish();
  await helpers.until(() => listed > before, 'the batch end to reach the workbench');
  await press(r, 'q');
  f = await waitFrame(r, (p) => p.includes('Batch dashboard (finished)'));
  await press(r, 'q');
  assert.deepEqual(exits, ['stop']);
});

test('winners marked in best-of-n are persisted and read back by the backend', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-winners-'));
  const b = new CoreBackend({ dataset: 'samples', sessionsDir: dir, env: {} });
  await b.markWinner(dir, 'i-1', 'r-a');
  await b.markWinner(dir, 'i-2', 'r-b');
  await b.markWinner(dir, 'i-1', 'r-c');
  writeFileSync(join(dir, 'winners.jsonl'), '{"instance_id":"i-3","rollo', { flag: 'a' });
  assert.deepEqual([...(await b.winners(dir))].sort(), [['i-1', 'r-c'], ['i-2', 'r-b']]);
});
