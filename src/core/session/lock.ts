import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ownStartTime, processAlive } from '../util/process.js';

interface LockRecord {
  pid: number;
  host: string;
  /** Start time of the process (see processStartTime): a reused pid does not hold the lock. */
  start?: string;
  at?: string;
}

function readLock(p: string): LockRecord | undefined {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LockRecord;
  } catch {
    return undefined;
  }
}

/**
 * One writer per session: `session.lock` holds the pid, start time and host of the process running it. A lock whose
 * process is gone (crash, SIGKILL), or whose pid now belongs to another process, is stale and taken over.
 */
export function acquireSessionLock(dir: string): () => void {
  const p = join(dir, 'session.lock');
  if (existsSync(p)) {
    const lock = readLock(p);
    if (lock && lock.host === hostname() && lock.pid !== process.pid && processAlive(lock.pid, lock.start)) {
      throw new Error(
        `${dir}: session is being run by process ${lock.pid}; stop it first (or wait). ` +
          `If that process is not swegym, remove ${p}.`,
      );
    }
  }
  writeFileSync(p, JSON.stringify({ pid: process.pid, host: hostname(), start: ownStartTime(), at: new Date().toISOString() }));
  return () => {
    const cur = readLock(p);
    if (cur?.pid === process.pid) {
      try {
        unlinkSync(p);
      } catch {
        /* gone */
      }
    }
  };
}

/** Is a live process on this host running the session now? (A stale lock — crash, SIGKILL, reused pid — counts as not running.) */
export function sessionRunning(dir: string): boolean {
  const lock = readLock(join(dir, 'session.lock'));
  if (!lock) return false;
  // Another host's lock cannot be checked from here: assume it runs.
  return lock.host !== hostname() || processAlive(lock.pid, lock.start);
}
