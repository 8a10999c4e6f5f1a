import { useCallback, useEffect, useRef, useState } from 'react';
import type { Backend, SessionListing } from '../backend.js';
import type { RolloutSummary, SessionReader } from '../../core/session/index.js';
import type { RolloutRegistry } from '../state/rollout-store.js';
import { followSummaries } from '../state/follow-summaries.js';

export interface OpenSession { reader: SessionReader; summaries: RolloutSummary[] }

export interface Sessions {
  list: SessionListing[];
  refresh(): Promise<void>;
  /** Sessions opened so far (followed for appends from this or another process). */
  open: Map<string, OpenSession>;
  openSession(dir: string): Promise<OpenSession>;
}

/** How often Home re-reads the sessions folder while nothing tells it sooner (k9s and `inspect view` poll too). */
export const SESSIONS_POLL_MS = 2000;

/**
 * The sessions folder as the workbench sees it: the listing (re-read on a timer and whenever the backend says the
 * folder changed, so sessions other processes start or finish appear by themselves) and the sessions opened so far.
 */
export function useSessions(backend: Backend, registry: RolloutRegistry, onError: (m: string) => void, pollMs = SESSIONS_POLL_MS): Sessions {
  const [list, setList] = useState<SessionListing[]>([]);
  const [open, setOpen] = useState<Map<string, OpenSession>>(new Map());
  const [, setTick] = useState(0);
  const openRef = useRef(open);
  openRef.current = open;
  /** Session followers (file watchers): stopped when the workbench closes, or the process would stay alive. */
  const follows = useRef<Array<() => void>>([]);
  useEffect(() => () => follows.current.splice(0).forEach((off) => off()), []);

  const refresh = useCallback(
    () =>
      backend.listSessions().then(
        // Same rows as before: keep the old array, so nothing re-renders.
        (next) => setList((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next)),
        (e) => onError(String(e?.message ?? e)),
      ),
    [backend],
  );
  useEffect(() => {
    void refresh();
    const off = backend.watchSessions?.(() => void refresh());
    const t = pollMs > 0 ? setInterval(() => void refresh(), pollMs) : undefined;
    t?.unref?.();
    return () => {
      off?.();
      if (t) clearInterval(t);
    };
  }, [backend, refresh, pollMs]);

  const openSession = useCallback(
    async (dir: string): Promise<OpenSession> => {
      const have = openRef.current.get(dir);
      if (have) return have;
      const reader = await backend.openSession(dir);
      // Queued rows are instances of the selection that never ran: nothing to show or open.
      const ran = () => reader.summaries().filter((r) => r.status !== 'queued');
      const entry: OpenSession = { reader, summaries: ran() };
      // Follow appends from this or another process: events to their rollouts, summaries re-read as rollouts change.
      follows.current.push(
        followSummaries(reader, {
          onEvent: (e) => registry.has(e.rollout) && registry.push(e),
          onSummaries: () => {
            entry.summaries = ran();
            setTick((t) => t + 1);
          },
          onError: (m) => onError(`${dir}: ${m}`),
        }),
      );
      openRef.current = new Map(openRef.current).set(dir, entry);
      setOpen(openRef.current);
      return entry;
    },
    [backend, registry],
  );

  return { list, refresh, open, openSession };
}
