import { hostname } from 'node:os';
import type { RuntimeProvider } from './types.js';
import { DockerProvider, HOST_LABEL, PID_LABEL, SESSION_LABEL } from './docker.js';
import { pidAlive } from '../util/process.js';


/**
 * Remove leftovers of crashed runs; returns how many were removed so the caller can tell the user.
 * With a sessionId: that session's containers. Without: every swegym container whose creating process
 * (on this host) is gone — containers of swegym processes still running are left alone.
 */
export async function sweepLeftovers(provider: RuntimeProvider, sessionId?: string): Promise<number> {
  if (sessionId) return provider.sweep({ [SESSION_LABEL]: sessionId });
  if (!(provider instanceof DockerProvider)) return provider.sweep();
  const host = hostname();
  const found = await provider.list();
  const orphans = found.filter((c) => {
    const pid = Number(c.labels[PID_LABEL]);
    if (c.labels[HOST_LABEL] && c.labels[HOST_LABEL] !== host) return false; // another machine's engine user
    if (pid === process.pid) return false;
    // No owner recorded: only a container that is no longer running counts as a leftover.
    if (!pid) return c.state !== 'running';
    return !pidAlive(pid);
  });
  return provider.remove(orphans.map((c) => c.id));
}
