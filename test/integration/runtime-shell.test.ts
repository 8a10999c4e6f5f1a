import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/core/runtime/types.js';
import { leftoverContainers, testProvider, TEST_IMAGE, uniqueId } from '../helpers/docker.js';

const run = uniqueId('rt-shell');
const { provider, labels } = testProvider(run);
let rt: Runtime;

before(async () => {
  rt = await provider.start({ image: TEST_IMAGE, labels });
});

after(async () => {
  await rt?.stop();
  assert.deepEqual(await leftoverContainers(labels), [], 'no container may be left behind');
});

test('exit codes are exact, and `exit N` ends only the command', async () => {
  assert.equal((await rt.exec('true')).exitCode, 0);
  assert.equal((await rt.exec('false')).exitCode, 1);
  assert.equal((await rt.exec('(exit 42)')).exitCode, 42);
  const r = await rt.exec('echo before; exit 3; echo after');
  assert.equal(r.exitCode, 3);
  assert.equal(r.output, 'before\n');
  assert.equal((await rt.exec('echo still here')).output, 'still here\n');
  assert.equal((await rt.exec('nonexistent-command-xyz')).exitCode, 127);
  assert.equal((await rt.exec('if then fi (')).exitCode, 2, 'a syntax error is exit code 2, not a dead session');
  assert.equal((await rt.exec('echo ok')).exitCode, 0);
});

test('cwd and exported environment persist; unset persists; plain output is exact', async () => {
  await rt.exec('mkdir -p "/tmp/a dir" && cd "/tmp/a dir"');
  assert.equal((await rt.exec('pwd')).output, '/tmp/a dir\n');
  await rt.exec('export GREETING="hello world" QUOTE="it\'s \\"q\\""');
  assert.equal((await rt.exec('echo "$GREETING|$QUOTE"')).output, 'hello world|it\'s "q"\n');
  await rt.exec('PATH="$PATH:/opt/extra"');
  assert.match((await rt.exec('echo $PATH')).output, /:\/opt\/extra\n$/, 'an assignment to an exported variable persists');
  await rt.exec('unset GREETING');
  assert.equal((await rt.exec('echo "[${GREETING-unset}]"')).output, '[unset]\n');
  assert.equal((await rt.exec("printf 'no newline'")).output, 'no newline');
  // A command with an explicit cwd runs there without moving the session.
  assert.equal((await rt.exec('pwd; cd /', { cwd: '/usr' })).output, '/usr\n');
  assert.equal((await rt.exec('pwd')).output, '/tmp/a dir\n');
  assert.equal((await rt.exec('pwd', { cwd: '/no/such/dir' })).exitCode, 1);
  // `cd -` keeps working across commands.
  await rt.exec('cd /etc');
  assert.equal((await rt.exec('cd - >/dev/null; pwd')).output, '/tmp/a dir\n');
  await rt.exec('cd /');
});

test('commands may contain heredocs, quotes, stdin readers, stderr and background jobs', async () => {
  const heredoc = "cat > /tmp/h.txt <<'EOF'\nline $HOME 'single' \"double\" `tick` \\back\n\tindented\nEOF\ncat /tmp/h.txt";
  assert.equal((await rt.exec(heredoc)).output, "line $HOME 'single' \"double\" `tick` \\back\n\tindented\n");
  // stdin is /dev/null: `cat` returns at once instead of eating the protocol.
  const r = await rt.exec('cat; read x; echo "read:$?"', { timeoutSec: 10 });
  assert.equal(r.output, 'read:1\n');
  assert.equal(r.timedOut, false);
  assert.equal((await rt.exec('echo out; echo err >&2')).output, 'out\nerr\n');
  // Unicode and control characters survive the round trip.
  assert.equal((await rt.exec("printf '%s\\n' 'héllo ☃' $'tab\\there'")).output, 'héllo ☃\ntab\there\n');
  // A background job outlives its command.
  await rt.exec('sleep 300 & echo $! > /tmp/bg.pid');
  const alive = await rt.exec('kill -0 "$(cat /tmp/bg.pid)" && echo alive');
  assert.equal(alive.output, 'alive\n');
  await rt.exec('kill "$(cat /tmp/bg.pid)"');
});

test('a timeout kills the command and all its children; the session survives', async () => {
  const t0 = Date.now();
  const r = await rt.exec('cd /tmp; export DURING_TIMEOUT=1; (sleep 1000 & sleep 1001 & wait) & sleep 1002; echo never', {
    timeoutSec: 1,
  });
  assert.equal(r.timedOut, true);
  assert.notEqual(r.exitCode, 0);
  assert.ok(Date.now() - t0 < 8000, 'returns soon after the timeout');
  assert.doesNotMatch(r.output, /never/);
  const ps = await rt.exec('ps -eo pid,args');
  assert.doesNotMatch(ps.output, /sleep 100[012]/, `children still running:\n${ps.output}`);
  const after = await rt.exec('echo alive; pwd; echo "${DURING_TIMEOUT-none}"');
  assert.equal(after.exitCode, 0);
  assert.equal(after.output, 'alive\n/\nnone\n', "a killed command's cd/export do not leak");
});

test('an AbortSignal interrupts like a timeout', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const r = await rt.exec('sleep 1003', { signal: ac.signal });
  assert.equal(r.interrupted, true);
  assert.equal(r.timedOut, false);
  assert.doesNotMatch((await rt.exec('ps -eo args')).output, /sleep 1003/);
  const pre = new AbortController();
  pre.abort();
  const skipped = await rt.exec('touch /tmp/should-not-exist', { signal: pre.signal });
  assert.equal(skipped.interrupted, true);
  assert.equal((await rt.exec('test -e /tmp/should-not-exist')).exitCode, 1);
});

test('output is capped: head and tail kept, the middle counted', async () => {
  const r = await rt.exec('seq 1 100000', { maxOutputChars: 1000 });
  const full = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('');
  assert.equal(r.exitCode, 0);
  assert.equal(r.omittedChars, full.length - 1000);
  assert.ok(r.output.startsWith(full.slice(0, 500)), 'head kept');
  assert.ok(r.output.endsWith(full.slice(-500)), 'tail kept');
  assert.match(r.output, new RegExp(`${full.length - 1000} characters omitted`));
  const small = await rt.exec('echo short', { maxOutputChars: 1000 });
  assert.equal(small.omittedChars, 0);
});

test('output streams in chunks while the command runs', async () => {
  const chunks: Array<{ at: number; text: string }> = [];
  const t0 = Date.now();
  const r = await rt.exec('for i in 1 2 3; do echo tick$i; sleep 0.3; done', {
    onOutput: (text) => chunks.push({ at: Date.now() - t0, text }),
  });
  // Measured on the same clock as the chunks: durationMs leaves out the exec's start, which a loaded engine makes long.
  const end = Date.now() - t0;
  assert.equal(r.output, 'tick1\ntick2\ntick3\n');
  assert.equal(chunks.map((c) => c.text).join(''), r.output, 'streamed text equals the result');
  assert.ok(chunks.length >= 2, 'more than one chunk');
  assert.ok(chunks[0]!.at < end - 300, `the first chunk arrived well before the end (${chunks[0]!.at} ms of ${end} ms)`);
});

test('a dead shell is recreated transparently, with cwd and env restored', async () => {
  await rt.exec('cd /usr/share && export SURVIVES=yes');
  // Kill the session's bash itself ($$ in a subshell is the main shell's pid).
  const killed = await rt.exec('kill -9 $$; sleep 5');
  assert.equal(killed.exitCode, -1);
  const r = await rt.exec('pwd; echo $SURVIVES');
  assert.equal(r.exitCode, 0);
  assert.equal(r.output, '/usr/share\nyes\n');
});

test('many trivial commands in a row stay exact', async () => {
  for (let i = 0; i < 50; i++) {
    const r = await rt.exec(`echo ${i}; exit ${i % 7}`);
    assert.equal(r.output, `${i}\n`);
    assert.equal(r.exitCode, i % 7);
  }
});

test('a large command (a 300 KB heredoc) goes through intact', async () => {
  const body = Array.from({ length: 6000 }, (_, i) => `line ${i} with 'quotes' "and" $dollars \\ backslashes`).join('\n');
  const t0 = Date.now();
  const r = await rt.exec(`cat > /tmp/big.txt <<'SWEGYM_EOF'\n${body}\nSWEGYM_EOF\nwc -c < /tmp/big.txt`);
  assert.equal(r.exitCode, 0);
  assert.equal(r.output.trim(), String(Buffer.byteLength(body) + 1));
  assert.equal((await rt.readFile('/tmp/big.txt')).toString(), `${body}\n`);
  assert.ok(Date.now() - t0 < 10_000);
});

test('errors read like a plain bash shell ("bash: line N"), not the driver function', async () => {
  const { DockerProvider } = await import('../../src/core/runtime/docker.js');
  const provider = new DockerProvider({ sessionId: `rt-bashname-${process.pid}` });
  const rt = await provider.start({ image: 'swegym-base:dev' });
  try {
    const r = await rt.exec('cd /does-not-exist');
    assert.equal(r.exitCode, 1);
    assert.match(r.output, /^bash: line \d+: cd: \/does-not-exist: No such file or directory/m);
    assert.doesNotMatch(r.output, /main: line/);
  } finally {
    await rt.stop();
  }
});
