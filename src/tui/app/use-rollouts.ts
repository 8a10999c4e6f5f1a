import { useRef } from 'react';
import type { AgentId, Backend, LiveRollout } from '../backend.js';
import type { RolloutSummary } from '../../core/session/index.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutRegistry } from '../state/rollout-store.js';
import type { OpenSession } from './use-sessions.js';

export interface Rollouts {
  /** Loads a rollout's events from its session unless they are here already. */
  load(rolloutId: string, sessionDir?: string): Promise<void>;
  start(task: TaskInfo, agent: AgentId): Promise<LiveRollout>;
  /** Runs an ended rollout of a session again (a fresh attempt of its pair); live like one started here. */
  retry(sessionDir: string, rolloutId: string): Promise<LiveRollout>;
  /** Single runs of this workbench still running. */
  running(): string[];
  interrupt(rolloutId: string): boolean;
  /** The session a rollout belongs to (from the open sessions, or the run that started it here). */
  sessionOf(rolloutId: string): string | undefined;
  /** Summaries of the rollouts started here (for the new-run picker's verdicts). */
  startedSummaries(): RolloutSummary[];
}

/** Single rollouts: started here (live) or loaded from a session on disk into the registry. */
export function useRollouts(
  backend: Backend,
  registry: RolloutRegistry,
  sessions: { open: Map<string, OpenSession>; openSession(dir: string): Promise<OpenSession> },
  onEnded: () => void,
): Rollouts {
  const live = useRef(new Map<string, { interrupt(): void; sessionDir: string }>());
  /** Rollouts started from this workbench (running or not). */
  const started = useRef(new Map<string, string>());
  const sessionsRef = useRef(sessions);
  sessionsRef.current = sessions;

  const load = async (rolloutId: string, sessionDir?: string): Promise<void> => {
    if (registry.has(rolloutId) && registry.store(rolloutId).events.length) return;
    if (!sessionDir) return;
    const s = await sessionsRef.current.openSession(sessionDir);
    registry.store(rolloutId).pushAll(await s.reader.events(rolloutId));
  };

  const track = (r: LiveRollout): LiveRollout => {
    live.current.set(r.rolloutId, { interrupt: r.interrupt, sessionDir: r.sessionDir });
    started.current.set(r.rolloutId, r.sessionDir);
    void r.done.finally(() => {
      live.current.delete(r.rolloutId);
      onEnded();
    });
    return r;
  };
  const start = async (task: TaskInfo, agent: AgentId): Promise<LiveRollout> => track(await backend.startRollout(task, agent, registry.push));
  const retry = async (sessionDir: string, rolloutId: string): Promise<LiveRollout> => {
    if (!backend.retryRollout) throw new Error('retrying an ended rollout is not available here');
    return track(await backend.retryRollout(sessionDir, rolloutId, registry.push));
  };

  const sessionOf = (id: string): string | undefined => {
    for (const [dir, s] of sessionsRef.current.open) if (s.summaries.some((r) => r.rollout_id === id)) return dir;
    return started.current.get(id);
  };

  return {
    load,
    start,
    retry,
    running: () => [...live.current.keys()],
    interrupt: (id) => {
      const l = live.current.get(id);
      if (!l) return false;
      l.interrupt();
      return true;
    },
    sessionOf,
    startedSummaries: () => [...started.current.keys()].map((id) => registry.store(id).summary()),
  };
}
