import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import type { Runtime } from '../../src/core/runtime/types.js';
import { defaultTools } from '../../src/core/agent/tools/index.js';
import type { Tool, ToolContext } from '../../src/core/agent/tool-types.js';

// The tools in a real container (swegym-base:dev): the editor through Runtime.readFile/writeFile and the shell,
// bash in the long-lived session with its timeout.

const IMAGE = process.env.SWEGYM_TEST_BASE_IMAGE ?? 'swegym-base:dev';
const provider = new DockerProvider();
let runtime: Runtime;
let ctx: ToolContext;
let tools: Tool[];
const tool = (name: string) => tools.find((t) => t.name === name)!;

before(async () => {
  runtime = await provider.start({ image: IMAGE, labels: { 'io.swegym.test': 'agent-tools' } });
  const setup = await runtime.exec(
    [
      'mkdir -p /testbed/pkg/sub/deeper /testbed/.git-like /workspace',
      "printf 'def add(a, b):\\n    return a - b\\n\\n\\ndef mul(a, b):\\n    return a * b\\n' > /testbed/pkg/calc.py",
      'touch /testbed/pkg/sub/deeper/x.py /testbed/.hidden /testbed/pkg/.secret',
      'ln -s /testbed /workspace/demo__repo__1.0',
    ].join(' && '),
  );
  assert.equal(setup.exitCode, 0, setup.output);
  ctx = { runtime, repoDir: '/testbed', signal: new AbortController().signal };
  tools = defaultTools({ bashTimeoutSec: 2 });
});

after(async () => {
  await runtime?.stop();
  await provider.sweep({ 'io.swegym.test': 'agent-tools' });
});

test('editor: view a directory two levels deep without hidden entries', async () => {
  const r = await tool('str_replace_editor').execute({ command: 'view', path: '/testbed' }, ctx);
  assert.equal(r.isError, false, r.observation);
  const prefix = "Here's the files and directories up to 2 levels deep in /testbed, excluding hidden items:\n";
  assert.ok(r.observation.startsWith(prefix));
  const listed = r.observation.slice(prefix.length).trim().split('\n').sort();
  assert.deepEqual(listed, ['/testbed', '/testbed/pkg', '/testbed/pkg/calc.py', '/testbed/pkg/sub']);
});

test('editor: view, str_replace, insert, undo on a file in the container, also through the /workspace link', async () => {
  const ed = tool('str_replace_editor');
  const v = await ed.execute({ command: 'view', path: '/testbed/pkg/calc.py', view_range: [1, 2] }, ctx);
  assert.equal(v.observation, "Here's the result of running `cat -n` on /testbed/pkg/calc.py:\n     1\tdef add(a, b):\n     2\t    return a - b\n");
  const viaLink = await ed.execute({ command: 'view', path: '/workspace/demo__repo__1.0/pkg/calc.py', view_range: [2, 2] }, ctx);
  assert.equal(viaLink.observation, "Here's the result of running `cat -n` on /workspace/demo__repo__1.0/pkg/calc.py:\n     2\t    return a - b\n");

  const s = await ed.execute({ command: 'str_replace', path: '/workspace/demo__repo__1.0/pkg/calc.py', old_str: 'return a - b', new_str: 'return a + b' }, ctx);
  assert.equal(s.isError, false, s.observation);
  assert.equal(
    s.observation,
    "The file /workspace/demo__repo__1.0/pkg/calc.py has been edited. Here's the result of running `cat -n` on a snippet of /workspace/demo__repo__1.0/pkg/calc.py:\n" +
      '     1\tdef add(a, b):\n     2\t    return a + b\n     3\t\n     4\t\n     5\tdef mul(a, b):\n     6\t    return a * b\n' +
      'Review the changes and make sure they are as expected. Edit the file again if necessary.',
  );
  const check = await runtime.exec('python3 -c "import sys; sys.path.insert(0, \'/testbed\'); from pkg.calc import add; print(add(2, 3))"');
  assert.equal(check.output.trim(), '5');

  const dup = await ed.execute({ command: 'str_replace', path: '/testbed/pkg/calc.py', old_str: '(a, b):', new_str: '(x, y):' }, ctx);
  assert.equal(dup.observation, 'ERROR:\nNo replacement was performed. Multiple occurrences of old_str `(a, b):` in lines [1, 5]. Please ensure it is unique.');

  const ins = await ed.execute({ command: 'insert', path: '/testbed/pkg/calc.py', insert_line: 0, new_str: '"""Calculator."""' }, ctx);
  assert.equal(ins.isError, false, ins.observation);
  assert.equal((await runtime.readFile('/testbed/pkg/calc.py')).toString().split('\n')[0], '"""Calculator."""');
  await ed.execute({ command: 'undo_edit', path: '/testbed/pkg/calc.py' }, ctx);
  await ed.execute({ command: 'undo_edit', path: '/workspace/demo__repo__1.0/pkg/calc.py' }, ctx);
  assert.equal((await runtime.readFile('/testbed/pkg/calc.py')).toString(), 'def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n');

  const c = await ed.execute({ command: 'create', path: '/testbed/pkg/calc.py', file_text: 'x' }, ctx);
  assert.equal(c.observation, 'ERROR:\nInvalid `path` parameter: /testbed/pkg/calc.py. File already exists at: /testbed/pkg/calc.py. Cannot overwrite files using command `create`.');
  const quoted = "/testbed/it's here.py";
  const c2 = await ed.execute({ command: 'create', path: quoted, file_text: "print('ok')\n" }, ctx);
  assert.equal(c2.observation, `File created successfully at: ${quoted}`);
  assert.equal((await runtime.exec(`python3 "${quoted}"`)).output.trim(), 'ok');
});

test('bash: session state persists, exit codes are exact, a hung command times out and the session survives', async () => {
  const bash = tool('execute_bash');
  await bash.execute({ command: 'cd /testbed/pkg && export FOO=bar' }, ctx);
  const r = await bash.execute({ command: 'pwd; echo $FOO; false' }, ctx);
  assert.equal(r.observation, '/testbed/pkg\nbar\n[Command finished with exit code 1]');
  const t0 = Date.now();
  const slow = await bash.execute({ command: 'echo begin; sleep 60; echo never' }, ctx);
  assert.ok(Date.now() - t0 < 20_000, 'the timeout interrupted the command');
  assert.equal(slow.timedOut, true);
  assert.match(slow.observation, /^begin\n\nCommand timed out\. Sending SIGINT to the process\n\[Command finished with exit code -?\d+\]$/);
  const after = await bash.execute({ command: 'pwd' }, ctx);
  assert.equal(after.observation, '/testbed/pkg\n[Command finished with exit code 0]');
});
