import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/core/runtime/types.js';
import { leftoverContainers, testProvider, TEST_IMAGE, uniqueId } from '../helpers/docker.js';

// Review item 9 (fork bomb) and issue 16 ("each agent command run so that what it leaves behind beyond its timeout is
// killed"), on a real container through the one command path (ShellSession, used by runToolCall's bash tool):
// a command's background jobs, daemons that left its process group, and a fork bomb are killed at its timeout, the
// container's pids limit holds the bomb, and the shell stays usable. Without a timeout a background job lives on
// (runtime-shell.test.ts checks that).

const run = uniqueId('rt-leftovers');
const PIDS = 256;
const { provider, labels } = testProvider(run, { pidsLimit: PIDS });
let rt: Runtime;

before(async () => {
  rt = await provider.start({ image: TEST_IMAGE, labels });
});

after(async () => {
  await rt?.stop();
  assert.deepEqual(await leftoverContainers(labels), [], 'no container may be left behind');
});

/**
 * Every process in the container, as `pid args` lines (ps of procps; the check's own ps and grep excluded), or
 * undefined while the check itself cannot run (a fork bomb holding every pid ends the shell; the next command
 * starts a new one).
 */
async function processes(): Promise<string | undefined> {
  try {
    const r = await rt.exec('ps -eo pid=,args= | grep -v -e "ps -eo" -e grep');
    return r.exitCode === 0 ? r.output : undefined;
  } catch {
    return undefined;
  }
}

/** Re-check until `ok(ps)` (the effect of the kill), up to `ms`; returns the last listing. */
async function until(ok: (ps: string) => boolean, ms: number): Promise<string> {
  const end = Date.now() + ms;
  let ps = await processes();
  while ((ps === undefined || !ok(ps)) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    ps = await processes();
  }
  return ps ?? '(the check could not run)';
}

/** docker-init, tail, the session's shell, the killer, the check's subshell: a handful; the bomb is hundreds. */
const quiet = (ps: string) => ps.trim().split('\n').length <= 8;

test('background jobs and a setsid daemon outlive their command only until its timeout', async () => {
  // a deadline far enough away that the check below runs before it even on a loaded machine
  const r = await rt.exec('sleep 1001 & nohup sleep 1002 >/dev/null 2>&1 & setsid sleep 1003 & echo started', { timeoutSec: 20 });
  assert.equal(r.exitCode, 0);
  assert.equal(r.output, 'started\n');
  assert.equal(r.timedOut, false);
  // right after the command: still there (they may run until the deadline)
  assert.match((await processes()) ?? '', /sleep 1003/);
  const ps = await until((p) => !/sleep 100[123]/.test(p), 120_000);
  assert.doesNotMatch(ps, /sleep 100[123]/, `left running after the command's timeout:\n${ps}`);
  assert.equal((await rt.exec('echo usable')).output, 'usable\n');
});

test('a command that times out: its group, its background jobs and what left its session are killed at once', async () => {
  const r = await rt.exec('setsid sleep 2001 & (sleep 2002 &) ; sleep 2003', { timeoutSec: 2 });
  assert.equal(r.timedOut, true);
  // The next command runs after the kill has finished (the session waits for it): nothing may be left.
  const ps = (await processes()) ?? '(the check could not run)';
  assert.doesNotMatch(ps, /sleep 200[123]/, `left running after the timeout:\n${ps}`);
});

test('a fork bomb is held by the pids limit and killed at its timeout; the shell stays usable', async () => {
  const events0 = (await rt.exec('cat /sys/fs/cgroup/pids/pids.events 2>/dev/null || cat /sys/fs/cgroup/pids.events')).output;
  // The bomb returns at once (its first call is a background pipeline): only its timeout bounds it.
  const r = await rt.exec(':(){ :|:& };:', { timeoutSec: 5 });
  assert.equal(r.timedOut, false);
  const ps = await until(quiet, 90_000);
  assert.ok(quiet(ps), `the bomb is gone:\n${ps.slice(0, 2000)}`);
  const events = (await rt.exec('cat /sys/fs/cgroup/pids/pids.events 2>/dev/null || cat /sys/fs/cgroup/pids.events')).output;
  const hits = (s: string) => Number(/max (\d+)/.exec(s)?.[1] ?? NaN);
  assert.ok(hits(events) > hits(events0), `the pids limit (${PIDS}) stopped forks: pids.events ${events0.trim()} -> ${events.trim()}`);
  assert.equal((await rt.exec('echo usable; pwd')).exitCode, 0);
});

test('a fork bomb in a command that runs into its timeout is killed though no new process can start', async () => {
  // The command keeps running (a builtin loop) while the bomb holds every pid: the kill cannot use a new exec.
  const r = await rt.exec(':(){ :|:& };: ; while :; do :; done', { timeoutSec: 4 });
  assert.equal(r.timedOut, true);
  const ps = await until(quiet, 60_000);
  assert.ok(quiet(ps), `the bomb is gone:\n${ps.slice(0, 2000)}`);
  assert.equal((await rt.exec('echo usable')).output, 'usable\n');
});
