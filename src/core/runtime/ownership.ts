import { hostname } from 'node:os';
import { HOST_LABEL, PID_LABEL, PID_START_LABEL } from './types.js';
import type { SandboxInfo } from './sandbox.js';
import { processAlive } from '../util/process.js';

/**
 * Is this sandbox a leftover: created on this host by a process that is gone (or by this process)? A sandbox whose
 * creator still runs belongs to that process, even when it carries the same session label (a copied session folder,
 * two sessions of one name from before session ids): it is never swept from here.
 */
export function isOrphan(c: Omit<SandboxInfo, 'engine'>, opts: { includeOwn?: boolean } = {}): boolean {
  const pid = Number(c.labels[PID_LABEL]);
  if (c.labels[HOST_LABEL] && c.labels[HOST_LABEL] !== hostname()) return false; // another machine's engine user
  if (pid === process.pid) return !!opts.includeOwn;
  // No owner recorded: only a sandbox that is no longer running counts as a leftover.
  if (!pid) return c.state !== 'running';
  return !processAlive(pid, c.labels[PID_START_LABEL]);
}
