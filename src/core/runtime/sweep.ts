import { hostname } from 'node:os';
import type { RuntimeProvider } from './types.js';
import { DockerProvider, HOST_LABEL, PID_LABEL, PID_START_LABEL, SESSION_LABEL, type ManagedContainer } from './docker.js';
import { processAlive } from '../util/process.js';

/**
 * Is this container a leftover: created on this host by a process that is gone (or by this process)? A container
 * whose creator still runs belongs to that process, even when it carries the same session label (a copied session
 * folder, two sessions of one name from before session ids): it is never swept from here.
 */
export function isOrphan(c: ManagedContainer, opts: { includeOwn?: boolean } = {}): boolean {
  const pid = Number(c.labels[PID_LABEL]);
  if (c.labels[HOST_LABEL] && c.labels[HOST_LABEL] !== hostname()) return false; // another machine's engine user
  if (pid === process.pid) return !!opts.includeOwn;
  // No owner recorded: only a container that is no longer running counts as a leftover.
  if (!pid) return c.state !== 'running';
  return !processAlive(pid, c.labels[PID_START_LABEL]);
}

/**
 * Remove the containers carrying `labels` that are leftovers (see isOrphan; with includeOwn also this process's own).
 * Providers other than Docker have no owner labels: their sweep takes the labels alone.
 */
export async function sweepOrphans(provider: RuntimeProvider, labels: Record<string, string>, opts: { includeOwn?: boolean } = {}): Promise<number> {
  if (!(provider instanceof DockerProvider)) return provider.sweep(labels);
  const found = await provider.list(labels);
  return provider.remove(found.filter((c) => isOrphan(c, opts)).map((c) => c.id));
}

/**
 * Remove leftovers of crashed runs; returns how many were removed so the caller can tell the user.
 * With a sessionId: that session's containers. Without: every swegym container whose creating process
 * (on this host) is gone — containers of swegym processes still running are left alone.
 */
export async function sweepLeftovers(provider: RuntimeProvider, sessionId?: string): Promise<number> {
  if (sessionId) return sweepOrphans(provider, { [SESSION_LABEL]: sessionId });
  return sweepOrphans(provider, {});
}
