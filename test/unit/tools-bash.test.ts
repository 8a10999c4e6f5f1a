import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defaultTools, ExecuteBashTool, runToolCall } from '../../src/core/agent/tools/index.js';
import type { ToolContext } from '../../src/core/agent/tool-types.js';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { LocalRuntime } from './tools-local-runtime.js';

let dir: string;
let runtime: LocalRuntime;
let ctx: ToolContext;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swegym-bash-'));
  runtime = new LocalRuntime(dir);
  ctx = { runtime, repoDir: dir, signal: new AbortController().signal };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('execute_bash: output then the exit-code suffix', async () => {
  const r = await new ExecuteBashTool().execute({ command: 'echo hello; exit 3' }, ctx);
  assert.equal(r.observation, 'hello\n[Command finished with exit code 3]');
  assert.equal(r.exitCode, 3);
  const empty = await new ExecuteBashTool().execute({ command: 'true' }, ctx);
  assert.equal(empty.observation, '\n[Command finished with exit code 0]');
});

test('execute_bash: the per-command timeout interrupts and says so', async () => {
  const t0 = Date.now();
  const r = await new ExecuteBashTool(1).execute({ command: 'echo start; sleep 30' }, ctx);
  assert.ok(Date.now() - t0 < 10_000);
  assert.equal(r.timedOut, true);
  assert.match(r.observation, /^start\n\nCommand timed out\. Sending SIGINT to the process\n\[Command finished with exit code -?\d+\]$/);
});

test('execute_bash: live output reaches onOutput', async () => {
  const chunks: string[] = [];
  await new ExecuteBashTool().execute({ command: 'echo one; sleep 0.2; echo two' }, { ...ctx, onOutput: (c) => chunks.push(c) });
  assert.equal(chunks.join(''), 'one\ntwo\n');
});

test('execute_bash: an empty command has nothing to continue', async () => {
  const r = await new ExecuteBashTool().execute({ command: '' }, ctx);
  assert.equal(r.isError, true);
  assert.ok(r.observation.endsWith('\n[Command finished with exit code -1]'));
});

test('defaultTools: SWE-Gym order, optional think, finish sets finish', async () => {
  assert.deepEqual(defaultTools().map((t) => t.name), ['execute_bash', 'finish', 'str_replace_editor']);
  const withThink = defaultTools({ think: true });
  assert.deepEqual(withThink.map((t) => t.name), ['execute_bash', 'finish', 'str_replace_editor', 'think']);
  const finish = withThink[1];
  assert.equal((await finish.execute({}, ctx)).finish, true);
  assert.equal((await withThink[3].execute({ thought: 'hmm' }, ctx)).observation, 'Your thought has been logged.');
});

test('JSON schema of the tools: parameter names, enums, integer types and descriptions', () => {
  const [bash, finish, editor] = defaultTools();
  const b = z.toJSONSchema(bash.parameters) as any;
  assert.deepEqual(b.required, ['command']);
  assert.equal(
    b.properties.command.description,
    'The bash command to execute. Can be empty to view additional logs when previous exit code is `-1`. Can be `ctrl+c` to interrupt the currently running process.',
  );
  assert.ok(bash.description.startsWith('Execute a bash command in the terminal.\n* Long running commands:'));
  assert.ok(bash.description.includes('"Command timed out. Sending SIGINT to the process"'));
  assert.equal(finish.description, 'Finish the interaction when the task is complete OR if the assistant cannot proceed further with the task.');
  assert.deepEqual(Object.keys((z.toJSONSchema(finish.parameters) as any).properties), []);
  const e = z.toJSONSchema(editor.parameters) as any;
  assert.deepEqual(Object.keys(e.properties), ['command', 'path', 'file_text', 'old_str', 'new_str', 'insert_line', 'view_range']);
  assert.deepEqual(e.required, ['command', 'path']);
  assert.deepEqual(e.properties.command.enum, ['view', 'create', 'str_replace', 'insert', 'undo_edit']);
  assert.equal(e.properties.insert_line.type, 'integer');
  assert.equal(e.properties.insert_line.minimum, undefined);
  assert.deepEqual(e.properties.view_range.items, { type: 'integer' });
  assert.equal(e.properties.path.description, 'Absolute path to file or directory, e.g. `/workspace/file.py` or `/workspace`.');
});

test('runToolCall emits tool_start, tool_output, tool_end; bad arguments become error observations', async () => {
  const events: RolloutEvent[] = [];
  const emitter = new RolloutEmitter('r1', (e) => events.push(e));
  const common = { tools: defaultTools(), runtime, repoDir: dir, emitter, signal: new AbortController().signal };
  const ok = await runToolCall({ ...common, name: 'execute_bash', args: { command: 'echo hi' }, callId: 'c1', step: 1 });
  assert.equal(ok.observation, 'hi\n[Command finished with exit code 0]');
  assert.deepEqual(events.map((e) => e.type), ['tool_start', 'tool_output', 'tool_end']);
  const end = events[2] as Extract<RolloutEvent, { type: 'tool_end' }>;
  assert.equal(end.exit_code, 0);
  assert.equal(end.observation, ok.observation);
  const bad = await runToolCall({ ...common, name: 'str_replace_editor', args: { command: 'explode', path: '/x' }, callId: 'c2', step: 2 });
  assert.equal(bad.isError, true);
  // One executor for every agent and the gym: invalid calls read as OpenHands wrote them, with its error suffix.
  assert.match(bad.observation, /^Invalid arguments for tool str_replace_editor: command: .*\n\[Error occurred in processing last action\]$/s);
  const unknown = await runToolCall({ ...common, name: 'browse', args: {}, callId: 'c3', step: 3 });
  assert.equal(unknown.observation, 'Tool browse is not registered. (arguments: {}). Please check the tool name and retry with an existing tool.\n[Error occurred in processing last action]');
});
