import { createHash } from 'node:crypto';
import { instanceIdProblem } from '../util/identifiers.js';
/**
 * Rollout ids name one attempt at one (instance, sample) pair. An attempt is one fresh environment: resuming an
 * interrupted rollout or retrying an infrastructure failure makes a new attempt, with its own id and its own log file,
 * so the events of earlier attempts stay untouched.
 */
const SAFE = /[^A-Za-z0-9_.-]/g;

/**
 * A valid instance id (the dataset loader and the Gym API refuse others) is used as it is. Ids that reach here
 * without that check (imported trajectories, sessions written by older versions) are made file-safe and get a hash
 * of the original, so two distinct ids never share a log file.
 */
export function rolloutId(instanceId: string, sample: number, attempt: number): string {
  const base = instanceIdProblem(instanceId) ? `${instanceId.replace(SAFE, '_').replace(/^[._-]+/, '')}-${createHash('sha256').update(instanceId).digest('hex').slice(0, 10)}` : instanceId;
  return `${base}.s${sample}.a${attempt}`;
}

export function parseRolloutId(id: string): { instance: string; sample: number; attempt: number } | undefined {
  const m = /^(.*)\.s(\d+)\.a(\d+)$/.exec(id);
  if (!m) return undefined;
  return { instance: m[1]!, sample: Number(m[2]), attempt: Number(m[3]) };
}

/** Key of an (instance, sample) pair. */
export function pairKey(instanceId: string, sample: number): string {
  return `${instanceId}\u0000${sample}`;
}

/** Session directory names: readable, sortable, unique enough for one machine. */
export function newSessionName(prefix = 'batch', now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const rand = Math.random().toString(36).slice(2, 6);
  return `${prefix}-${stamp}-${rand}`;
}
