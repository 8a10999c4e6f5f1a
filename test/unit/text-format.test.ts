import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  formatCall,
  parseCalls,
  renderFunctionBlock,
  restoreStopWord,
  systemPromptSuffix,
  TOOL_RESULT_PREFIX,
} from '../../src/core/agent/text-format.js';
import { renderObservation, truncateContent } from '../../src/core/agent/llm/observation.js';
import { buildFirstUserMessage, buildSystemPrompt, loadPrompts } from '../../src/core/agent/prompts.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { toTrainingChat } from '../../src/core/agent/llm/trajectory.js';
import { swegymTestTools } from '../fixtures/agent-golden/swegym-tools.js';
import type { Tool } from '../../src/core/agent/tool-types.js';

const golden = (f: string) => readFileSync(new URL(`../fixtures/agent-golden/${f}`, import.meta.url), 'utf8');
const tools = swegymTestTools();

test('golden: function-description block for execute_bash, finish, str_replace_editor', () => {
  assert.equal(renderFunctionBlock(tools), golden('function-block.txt'));
});

test('golden: whole text-mode system message = system prompt + suffix', async () => {
  const prompts = await loadPrompts();
  const system = buildSystemPrompt(prompts) + systemPromptSuffix(tools);
  assert.equal(system, golden('system-prompt-head.txt') + golden('function-block.txt') + golden('system-prompt-suffix-tail.txt'));
});

test('golden: call syntax, multi-line values wrapped in newlines, array values as Python renders them', () => {
  const multi = golden('call-multiline.txt');
  const thought = 'I will create the reproduction script first.';
  assert.equal(
    `${thought}\n\n` +
      formatCall('str_replace_editor', { command: 'create', path: '/workspace/getmoto__moto__4.1/reproduce.py', file_text: 'import boto3\nprint("ok")' }),
    multi,
  );
  assert.equal(
    formatCall('str_replace_editor', { command: 'view', path: '/workspace/getmoto__moto__4.1/moto/core/models.py', view_range: [11, 12] }),
    golden('call-view-range.txt'),
  );
});

test('golden: parsing the call syntax back (values stripped, integer/array coercion)', () => {
  const r = parseCalls(golden('call-multiline.txt'), tools);
  assert.equal(r.error, undefined);
  assert.equal(r.thought, 'I will create the reproduction script first.');
  assert.deepEqual(r.calls, [
    { name: 'str_replace_editor', args: { command: 'create', path: '/workspace/getmoto__moto__4.1/reproduce.py', file_text: 'import boto3\nprint("ok")' } },
  ]);
  const v = parseCalls(golden('call-view-range.txt'), tools);
  assert.deepEqual(v.calls[0].args.view_range, [11, 12]);
  const ins = parseCalls('<function=str_replace_editor>\n<parameter=command>insert</parameter>\n<parameter=path>/a.py</parameter>\n<parameter=insert_line> 7 </parameter>\n<parameter=new_str>x</parameter>\n</function>', tools);
  assert.equal(ins.calls[0].args.insert_line, 7);
});

test('golden: tool result prefix and bash exit-code suffix', () => {
  const { text } = renderObservation('hello', { max: 30000, exitCode: 0, bash: true });
  assert.equal(TOOL_RESULT_PREFIX('execute_bash') + text, golden('tool-result-bash.txt'));
  // The tool may append the suffix itself: never doubled.
  const again = renderObservation('hello\n[Command finished with exit code 0]', { max: 30000, exitCode: 0, bash: true });
  assert.equal(TOOL_RESULT_PREFIX('execute_bash') + again.text, golden('tool-result-bash.txt'));
});

test('golden: truncation marker keeps head and tail halves, exit-code suffix outside the cap', () => {
  const body = 'AAAAA' + 'm'.repeat(50) + 'ZZZZZ';
  const r = renderObservation(body + '\n[Command finished with exit code 1]', { max: 10, bash: true, exitCode: 1 });
  assert.equal(r.text, golden('truncated-bash-observation.txt'));
  assert.equal(r.truncated, true);
  assert.equal(truncateContent('x'.repeat(30000), 30000), 'x'.repeat(30000));
  const big = truncateContent('a'.repeat(15000) + 'b' + 'c'.repeat(15000), 30000);
  assert.equal(big, 'a'.repeat(15000) + '\n[... Observation truncated due to length ...]\n' + 'c'.repeat(15000));
});

test('golden: first user message of a SWE-Gym instance (workspace path, hints off)', async () => {
  const task = TaskRecord.parse({
    instance_id: 'getmoto__moto-5321',
    repo: 'getmoto/moto',
    base_commit: 'a'.repeat(40),
    patch: '',
    test_patch: '',
    problem_statement: 'KeyError when deleting a bucket that does not exist\nCalling delete_bucket on a missing bucket raises KeyError instead of NoSuchBucket.',
    hints_text: 'look at moto/s3/models.py',
    version: '4.1',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
  });
  const prompts = await loadPrompts();
  assert.equal(buildFirstUserMessage(prompts, task, { workspaceDir: '/workspace/getmoto__moto__4.1', hints: false }), golden('first-user-message-getmoto__moto-5321.txt'));
  // Derived workspace path is the same; hints on adds a block, nothing else changes.
  assert.equal(buildFirstUserMessage(prompts, task), golden('first-user-message-getmoto__moto-5321.txt'));
  const withHints = buildFirstUserMessage(prompts, task, { hints: true });
  assert.ok(withHints.includes('</pr_description>\n\n<hints>\nlook at moto/s3/models.py\n</hints>\n\nCan you help me'));
});

test('parse errors: unknown function, bad enum, missing required, bad integer, unknown parameter', () => {
  const call = (body: string, name = 'str_replace_editor') => parseCalls(`<function=${name}>\n${body}</function>`, tools);
  assert.equal(call('', 'run_tests').error, "Function 'run_tests' not found in available tools: ['execute_bash', 'finish', 'str_replace_editor']");
  assert.equal(
    call('<parameter=command>open</parameter>\n<parameter=path>/a</parameter>\n').error,
    "Parameter 'command' is expected to be one of ['view', 'create', 'str_replace', 'insert', 'undo_edit'].",
  );
  assert.equal(call('<parameter=command>view</parameter>\n').error, "Missing required parameters for function 'str_replace_editor': {'path'}");
  assert.equal(
    call('<parameter=command>insert</parameter>\n<parameter=path>/a</parameter>\n<parameter=insert_line>2.5</parameter>\n').error,
    "Parameter 'insert_line' is expected to be an integer.",
  );
  assert.match(call('<parameter=cmd>ls</parameter>\n', 'execute_bash').error ?? '', /^Parameter 'cmd' is not allowed for function 'execute_bash'\. Allowed parameters: \{'command'\}$/);
  assert.equal(call('<parameter=command>view</parameter>\n<parameter=path>/a</parameter>\n<parameter=view_range>[1,</parameter>\n').error, "Parameter 'view_range' is expected to be an array.");
});

test('several calls in one reply are all parsed, in order; text without a call has none', () => {
  const r = parseCalls('a\n<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>\n<function=finish>\n</function>', tools);
  assert.deepEqual(r.calls.map((c) => c.name), ['execute_bash', 'finish']);
  assert.deepEqual(parseCalls('just talking', tools), { thought: 'just talking', calls: [] });
});

test('stop word: the closing tag cut by `</function` is put back', () => {
  assert.equal(restoreStopWord('<function=finish>\n'), '<function=finish>\n</function>');
  assert.equal(restoreStopWord('<function=finish>\n</function'), '<function=finish>\n</function>');
  assert.equal(restoreStopWord('<function=finish>\n</function>'), '<function=finish>\n</function>');
  assert.equal(restoreStopWord('no call'), 'no call');
  assert.equal(parseCalls(restoreStopWord('x <function=execute_bash>\n<parameter=command>ls</parameter>\n'), tools).calls.length, 1);
});

test('swegym-text training chat: split multi-call, text calls, user tool results, null -> "", merged users', () => {
  const t = swegymTestTools() as Tool[];
  const out = toTrainingChat(
    [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
      {
        role: 'assistant',
        content: 'two calls',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"ls"}' } },
          { id: 'b', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"pwd"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', name: 'execute_bash', content: 'x' },
      { role: 'tool', tool_call_id: 'b', name: 'execute_bash', content: 'y' },
      { role: 'user', content: 'more' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'finish', arguments: '{}' } }] },
    ],
    'swegym-text',
    t,
  );
  assert.deepEqual(out, [
    { role: 'system', content: 'S' + systemPromptSuffix(t) },
    { role: 'user', content: 'U' },
    { role: 'assistant', content: 'two calls\n\n<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>' },
    { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\nx' },
    { role: 'assistant', content: '<function=execute_bash>\n<parameter=command>pwd</parameter>\n</function>' },
    { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\ny\nmore' },
    { role: 'assistant', content: '<function=finish>\n</function>' },
  ]);
});

test('zod params -> JSON schema types used by the block (integer, array, enum, optional)', () => {
  const tool: Tool = { name: 't', description: 'd', parameters: z.object({ n: z.number().int().describe('N'), b: z.boolean().optional() }), execute: async () => ({ observation: '', isError: false }) };
  assert.equal(renderFunctionBlock([tool]), '---- BEGIN FUNCTION #1: t ----\nDescription: d\nParameters:\n  (1) n (integer, required): N\n  (2) b (boolean, optional): No description provided\n---- END FUNCTION #1 ----\n');
});

test('prompt templates: a user directory overrides file by file; an unknown variable names the file and line', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'swegym-prompts-'));
  try {
    writeFileSync(join(dir, 'user_instruction.txt'), 'Repo at {{workspace_path}} ({{repo}} {{version}}):\n{{problem_statement}}\n');
    const p = await loadPrompts(dir);
    assert.equal(p.user.file, join(dir, 'user_instruction.txt'));
    assert.equal(p.system.text, (await loadPrompts()).system.text, 'templates not overridden come from prompts/');
    const task = TaskRecord.parse({ instance_id: 'a__b-1', repo: 'a/b', base_commit: 'c'.repeat(40), patch: '', test_patch: '', problem_statement: 'Broken {{not_a_var}}', version: '0.1', FAIL_TO_PASS: [], PASS_TO_PASS: [] });
    // values are never re-scanned: braces in the problem statement stay as they are
    assert.equal(buildFirstUserMessage(p, task), 'Repo at /workspace/a__b__0.1 (a/b 0.1):\nBroken {{not_a_var}}');
    writeFileSync(join(dir, 'user_instruction.txt'), 'line one\nsee {{nope}}\n');
    const q = await loadPrompts(dir);
    assert.throws(() => buildFirstUserMessage(q, task), (e: Error) => e.message.startsWith(`prompt template ${join(dir, 'user_instruction.txt')}:2: unknown variable {{nope}}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
