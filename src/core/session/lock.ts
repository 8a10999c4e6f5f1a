import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../util/process.js';

/**
 * One writer per session: `session.lock` holds the pid and host of the process running it. A lock whose process is
 * gone (crash, SIGKILL) is stale and taken over.
 */
export function acquireSessionLock(dir: string): () => void {
  const p = join(dir, 'session.lock');
  if (existsSync(p)) {
    try {
      const { pid, host } = JSON.parse(readFileSync(p, 'utf8')) as { pid: number; host: string };
      if (host === hostname() && pid !== process.pid && pidAlive(pid)) {
        throw new Error(`${dir}: session is being run by process ${pid}; stop it first (or wait)`);
      }
    } catch (e) {
      if ((e as Error).message.includes('is being run')) throw e;
    }
  }
  writeFileSync(p, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
  return () => {
    try {
      const cur = JSON.parse(readFileSync(p, 'utf8')) as { pid: number };
      if (cur.pid === process.pid) unlinkSync(p);
    } catch {
      /* gone */
    }
  };
}


/** Is a live process on this host running the session now? (A stale lock — crash, SIGKILL — counts as not running.) */
export function sessionRunning(dir: string): boolean {
  try {
    const { pid, host } = JSON.parse(readFileSync(join(dir, 'session.lock'), 'utf8')) as { pid: number; host: string };
    // Another host's lock cannot be checked from here: assume it runs.
    return host !== hostname() || pidAlive(pid);
  } catch {
    return false;
  }
}
