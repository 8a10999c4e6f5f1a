/** The agent with the engine's real tools (src/core/agent/tools), over the fake runtime and the scripted server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runAgent } from '../fixtures/agent-golden/harness.js';
import { defaultTools } from '../../src/core/agent/tools/index.js';
import { renderFunctionBlock } from '../../src/core/agent/text-format.js';
import type { ExecHandler } from '../helpers/fake-runtime.js';

/** Answers the editor's file-type probe from the fake file map; every other command echoes. */
const probeAwareExec: ExecHandler = (cmd, _opts, rt) => {
  const m = /^if \[ -d '([^']+)' \]/.exec(cmd);
  if (m) return { output: rt.files.has(m[1]) ? '__file 644\n' : '__none\n', exitCode: 0 };
  return { output: `ran: ${cmd}`, exitCode: 0 };
};

test('default tools (no tools option): bash observation ends with one exit-code suffix; edit changes the patch', async () => {
  const run = await runAgent(
    [
      { tool_calls: [{ name: 'execute_bash', arguments: { command: 'python -c "print(1)"' } }] },
      { tool_calls: [{ name: 'str_replace_editor', arguments: { command: 'str_replace', path: '/testbed/app.py', old_str: 'x = 1', new_str: 'x = 2' } }] },
      { tool_calls: [{ name: 'finish', arguments: {} }] },
    ],
    {},
    { exec: probeAwareExec },
  );
  assert.equal(run.result.reason, 'finished');
  const [bashEnd, editEnd] = run.of('tool_end');
  assert.equal(bashEnd.observation, 'ran: python -c "print(1)"\n[Command finished with exit code 0]');
  assert.equal(editEnd.is_error, false, editEnd.observation);
  assert.deepEqual(run.server.requests[0].body.tools.map((t: any) => t.function.name), ['execute_bash', 'finish', 'str_replace_editor']);
  assert.match(run.result.patch, /\+x = 2/);
  assert.equal(run.of('patch_updated').length, 2); // after the edit, and at the end
});

test("golden: the engine's default tools render to SWE-Gym's function block, byte for byte", () => {
  const golden = readFileSync(new URL('../fixtures/agent-golden/function-block.txt', import.meta.url), 'utf8');
  assert.equal(renderFunctionBlock(defaultTools()), golden);
});
