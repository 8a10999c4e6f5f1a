import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { sampleTasks, testImageFor } from './verify-fixtures.js';

// Review item 7, at a size a test can afford: the gold patch plus a conftest.py whose terminal summary prints 80 MiB
// of 1 MiB lines (as the review's 1 GiB did) with one status line in the middle. The output streams to a capped
// test_output.txt (head and tail whole, every line a parser reads kept) and is graded from that file: the verdict is
// the official one, the status line from the middle is graded, and the file is a fraction of the output.

const provider = new DockerProvider();
const dir = mkdtempSync(join(tmpdir(), 'swegym-bigout-'));
after(async () => {
  await provider.sweep({ 'io.swegym.session': provider.sessionId });
  rmSync(dir, { recursive: true, force: true });
});

const MIB_LINES = 80;
const CONFTEST = [
  'import sys',
  '',
  'def pytest_terminal_summary(terminalreporter):',
  "    line = 'x' * (1024 * 1024 - 1) + '\\n'",
  `    for i in range(${MIB_LINES}):`,
  `        if i == ${MIB_LINES / 2}:`,
  "            sys.stdout.write('PASSED tests/big_output.py::middle_of_the_output\\n')",
  '        sys.stdout.write(line)',
  '    sys.stdout.flush()',
  '',
];
const conftestPatch = [
  'diff --git a/conftest.py b/conftest.py',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/conftest.py',
  `@@ -0,0 +1,${CONFTEST.length} @@`,
  ...CONFTEST.map((l) => `+${l}`),
  '',
].join('\n');

test('80 MiB of test output: graded like the whole log, stored capped with every status line', async () => {
  const task = sampleTasks().find((t) => t.instance_id === 'swegym-samples__ledger-8')!;
  const logDir = join(dir, task.instance_id);
  const v = await verifyPatch({
    task,
    patch: task.patch + conftestPatch,
    spec: loadSpecRegistry().lookup(task.repo, String(task.version)),
    profile: 'swegym',
    provider,
    image: testImageFor(task),
    offline: true,
    logDir,
  });
  assert.equal(v.status, 'resolved', `gold still resolves: ${v.reason}`);
  assert.equal(v.test_statuses?.['tests/big_output.py::middle_of_the_output'], 'PASSED', 'the status line printed in the middle was graded');
  const file = join(logDir, 'test_output.txt');
  const size = statSync(file).size;
  assert.ok(size < 24 * 1024 * 1024, `test_output.txt is capped: ${size} bytes for ${MIB_LINES} MiB of output`);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('\nPASSED tests/big_output.py::middle_of_the_output\n'), 'the middle status line is in the file');
  assert.match(text, /\[swegym: \d+ bytes of test output omitted here\]/);
  assert.match(text, /\[swegym: test output was \d+ bytes; \d+ bytes in \d+ runs of lines no log parser reads were left out/);
  assert.ok(/short test summary info/.test(text.slice(-1_000_000)), 'the tail (pytest summary) is kept whole');
});
