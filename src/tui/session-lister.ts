import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, INDEX_FILE, ROLLOUTS_DIR, SummaryIndex, decisive, isFinished, pairKey, type IndexedSummary } from '../core/session/index.js';
import { judgeLiveness, readLiveStatus } from '../core/scheduler/index.js';
import type { SessionListing, SessionState } from './backend.js';

/** What changes when a session changes: its manifest, its index, its live status, a log added. */
function stampOf(dir: string): string {
  const st = (f: string) => {
    try {
      const s = statSync(join(dir, f));
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  return [st('manifest.json'), st(INDEX_FILE), st('live.json'), st(ROLLOUTS_DIR)].join('|');
}

/**
 * Home's list of sessions, built from each session's manifest, index and live.json only (no event log is read, no log
 * is even stat'ed: a SWE-Gym session has 39,008 of them), and kept per session until one of those files changes, so
 * Home can re-list the folder every couple of seconds for nearly nothing.
 */
export class SessionLister {
  private readonly cache = new Map<string, { stamp: string; listing: SessionListing; live: boolean }>();
  /** Each session's index rows, read on: a changed index is read from where it was read last (a live batch appends). */
  private readonly indexes = new Map<string, SummaryIndex>();
  constructor(private readonly sessionsDir: string) {}

  forget(dir: string): void {
    this.cache.delete(dir);
    this.indexes.delete(dir);
  }

  list(): SessionListing[] {
    if (!existsSync(this.sessionsDir)) return [];
    const out: SessionListing[] = [];
    for (const name of readdirSync(this.sessionsDir)) {
      const dir = join(this.sessionsDir, name);
      if (!existsSync(join(dir, 'manifest.json'))) continue;
      const stamp = stampOf(dir);
      const hit = this.cache.get(dir);
      // A live session is re-judged every time (its process may have died without touching a file).
      if (hit && hit.stamp === stamp && !hit.live) {
        out.push(hit.listing);
        continue;
      }
      try {
        let index = this.indexes.get(dir);
        if (!index) this.indexes.set(dir, (index = new SummaryIndex(dir)));
        const listing = listOne(dir, name, index);
        this.cache.set(dir, { stamp, listing, live: listing.state === 'running' });
        out.push(listing);
      } catch (e) {
        out.push({ dir, name, state: 'unreadable', status: 'unreadable', rollouts: 0, done: 0, resolved: 0, costUsd: 0, note: (e as Error).message });
      }
    }
    return out.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }
}

/** One session's row: counts from the index rows (the decisive attempt of each pair), state from live.json. */
export function listOne(dir: string, name: string, index = new SummaryIndex(dir)): SessionListing {
  const m = readManifest(dir);
  index.update({ logs: false });
  const rows = index.rows;
  const byPair = new Map<string, IndexedSummary[]>();
  let cost = 0;
  for (const { summary: s } of rows.values()) {
    cost += s.cost_usd ?? 0;
    const k = pairKey(s.instance_id, s.sample);
    const l = byPair.get(k);
    if (l) l.push(s);
    else byPair.set(k, [s]);
  }
  const planned = m.dataset.instance_ids.length * (m.sampling?.samples ?? 1);
  let done = 0;
  let resolved = 0;
  let running = 0;
  for (const list of byPair.values()) {
    const d = decisive(list);
    if (isFinished(d) || d.verdict !== undefined) done++;
    else running++;
    if (d.resolved) resolved++;
  }
  const { status } = readLiveStatus(dir);
  const liveness = judgeLiveness(status);
  const total = Math.max(planned, byPair.size);
  const state = sessionState(!!status, liveness.live, status?.ended ?? false, status?.snapshot.state, done, total);
  const agent = `${String(m.agent?.kind ?? '?')}${m.agent?.model ? `:${String(m.agent.model)}` : ''}`;
  return {
    dir,
    name: m.name ?? name,
    state,
    status: state,
    rollouts: total,
    done,
    running: liveness.live ? running : 0,
    resolved,
    costUsd: cost,
    createdAt: Date.parse(m.created_at),
    live: liveness.live,
    batch: !!status,
    agent,
    instances: m.dataset.instance_ids.length,
    samples: m.sampling?.samples ?? 1,
    ...(liveness.live ? {} : { note: liveness.reason }),
  };
}

/**
 * Honest states: a batch with a live process is running; one whose process ended is done or stopped (resumable); one
 * whose process died without saying so is crashed (resumable). A session no batch process ran (the workbench's
 * single runs) is "runs".
 */
export function sessionState(batch: boolean, live: boolean, ended: boolean, lastState: string | undefined, done: number, total: number): SessionState {
  if (live) return 'running';
  if (!batch) return 'runs';
  if (ended) return done >= total && lastState !== 'stopped' ? 'done' : 'stopped';
  return done >= total ? 'done' : 'crashed';
}
