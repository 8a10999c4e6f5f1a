import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireSessionLock, sessionRunning } from '../../src/core/session/lock.js';
import { withFileLock, LOCK_DIR } from '../../src/core/runtime/file-lock.js';
import { processAlive, processStartTime } from '../../src/core/util/process.js';
import { isOrphan } from '../../src/core/runtime/ownership.js';

// Review bug 9: a session.lock whose pid was reused by another live process blocked `resume` forever. A lock (and a
// container's owner label) now names a process by pid AND start time.

async function withLiveProcess<T>(fn: (pid: number) => Promise<T> | T): Promise<T> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  try {
    return await fn(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

test('start times: known for live processes, they tell a reused pid from its first owner', async () => {
  await withLiveProcess((pid) => {
    const start = processStartTime(pid);
    assert.match(start ?? '', /^\d+$/);
    assert.equal(processAlive(pid, start), true);
    assert.equal(processAlive(pid, String(Number(start) - 1)), false, 'same pid, other start: another process');
    assert.equal(processAlive(pid), true, 'no start recorded: the pid alone');
  });
});

test('a session lock held by a reused pid (live process, other start time) is stale and taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-lock-'));
  try {
    await withLiveProcess((pid) => {
      const start = processStartTime(pid)!;
      writeFileSync(join(dir, 'session.lock'), JSON.stringify({ pid, host: hostname(), start: String(Number(start) - 100) }));
      assert.equal(sessionRunning(dir), false);
      const unlock = acquireSessionLock(dir);
      unlock();
      // The real holder (same start time) still blocks, with a hint on what to do if it is not swegym.
      writeFileSync(join(dir, 'session.lock'), JSON.stringify({ pid, host: hostname(), start }));
      assert.equal(sessionRunning(dir), true);
      assert.throws(() => acquireSessionLock(dir), /being run by process \d+.*remove .*session\.lock/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a build lock held by a reused pid is taken over', async () => {
  mkdirSync(LOCK_DIR, { recursive: true });
  const name = `test-reused-${process.pid}`;
  await withLiveProcess(async (pid) => {
    writeFileSync(join(LOCK_DIR, `${name}.lock`), `${pid} ${Number(processStartTime(pid)) - 100}`);
    const got = await withFileLock(name, async () => 'ran', { timeoutMs: 2000, pollMs: 50 });
    assert.equal(got, 'ran');
  });
});

test('sweeps: a container whose creator still runs is never an orphan; a dead or reused creator makes one', async () => {
  const labels = (pid: number, start?: string) => ({ 'io.swegym.pid': String(pid), 'io.swegym.host': hostname(), ...(start ? { 'io.swegym.pid-start': start } : {}) });
  await withLiveProcess((pid) => {
    const start = processStartTime(pid)!;
    assert.equal(isOrphan({ id: 'a', state: 'running', labels: labels(pid, start) }), false, 'live owner');
    assert.equal(isOrphan({ id: 'b', state: 'running', labels: labels(pid, String(Number(start) - 5)) }), true, 'reused pid');
  });
  assert.equal(isOrphan({ id: 'c', state: 'running', labels: labels(process.pid) }), false, 'own: only with includeOwn');
  assert.equal(isOrphan({ id: 'c', state: 'running', labels: labels(process.pid) }, { includeOwn: true }), true);
  assert.equal(isOrphan({ id: 'd', state: 'running', labels: { ...labels(2 ** 22 + 7), 'io.swegym.host': 'elsewhere' } }), false, "another host's");
});
